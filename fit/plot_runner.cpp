#include "fit/plot_runner.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_join.h"
#include "core/files.h"
#include "core/subprocess.h"
#include "nlohmann/json.hpp"

namespace sl {
namespace fs = std::filesystem;

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

std::string sweep_title(const std::string& path) {
  fs::path dir = fs::absolute(path).lexically_normal();
  if (!fs::is_directory(dir)) dir = dir.parent_path();
  if (dir.filename().empty()) dir = dir.parent_path();  // a trailing slash
  if (!fs::exists(dir / "plan.json") && fs::exists(dir.parent_path() / "plan.json"))
    dir = dir.parent_path();  // export's directory (or plots/) inside the sweep
  if (auto text = read_file((dir / "plan.json").string()); text.ok()) {
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_object() && j.value("name", std::string()) != "") return j["name"].get<std::string>();
  }
  if (dir.filename() == "export") dir = dir.parent_path();  // a copied export without plan.json
  return dir.filename().string();
}

absl::Status run_plot_script(const std::vector<std::string>& args, const std::string& out_dir) {
  SL_ASSIGN_OR_RETURN(std::string script, find_plot_script());
  SL_RETURN_IF_ERROR(ensure_writable_dir(out_dir));
  const char* python = std::getenv("SCALELAB_PYTHON");
  std::vector<std::string> argv{python ? python : "/usr/bin/python3", script};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = (fs::path(out_dir) / "plot.log").string();
  const int rc = run_program(argv, log);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("plotting failed (exit ", rc,
                                            "): ", absl::StrJoin(argv, " "), ": ", log_tail(log),
                                            " (", log, ")"));
  }
  if (auto text = read_file(log); text.ok()) std::fputs(text->c_str(), stdout);
  return absl::OkStatus();
}
}  // namespace sl
