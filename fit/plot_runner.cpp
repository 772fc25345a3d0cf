#include "fit/plot_runner.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

namespace sl {
namespace fs = std::filesystem;

static std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

absl::StatusOr<std::string> find_plot_script() {
  if (const char* env = std::getenv("SCALELAB_PLOT_SCRIPT")) {
    if (fs::exists(env)) return std::string(env);
    return absl::NotFoundError(absl::StrCat("SCALELAB_PLOT_SCRIPT=", env, ": no such file"));
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::string tried;
  if (!ec) {
    for (const fs::path& candidate : {exe.parent_path() / ".." / "scripts" / "plot.py",
                                      exe.parent_path() / "scripts" / "plot.py"}) {
      if (fs::exists(candidate)) return fs::weakly_canonical(candidate).string();
      tried += " " + candidate.string();
    }
  }
  return absl::NotFoundError(absl::StrCat("cannot find scripts/plot.py (tried", tried,
                                          "); set SCALELAB_PLOT_SCRIPT to its path"));
}

absl::Status run_plot_script(const std::string& fit_json, const std::string& out_dir) {
  SL_ASSIGN_OR_RETURN(std::string script, find_plot_script());
  const char* python = std::getenv("SCALELAB_PYTHON");
  std::string cmd = absl::StrCat(shell_quote(python ? python : "/usr/bin/python3"), " ", shell_quote(script),
                                 " --fit ", shell_quote(fit_json), " --out ", shell_quote(out_dir));
  int rc = std::system(cmd.c_str());
  if (rc != 0) {
    int code = WIFEXITED(rc) ? WEXITSTATUS(rc) : rc;
    return absl::InternalError(absl::StrCat("plotting failed (exit ", code, "): ", cmd));
  }
  return absl::OkStatus();
}
}  // namespace sl
