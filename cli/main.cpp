// scalelab: scaling laws of language models at small scale. `scalelab --help` lists the
// subcommands.
#include <algorithm>

#include "cli/commands.h"
#include "core/cpu_tuning.h"
#include "core/exit_codes.h"
#include "core/log.h"

namespace sl::cli {
int& exit_code() {
  static int code = 0;
  return code;
}
std::vector<CommandRegistration>& command_registry() {
  static std::vector<CommandRegistration> registry;
  return registry;
}
bool register_command(int order, void (*add)(CLI::App&)) {
  command_registry().push_back({order, add});
  return true;
}
}  // namespace sl::cli

int main(int argc, char** argv) {
  sl::reexec_with_cpu_tuning(argv);  // before any BLAS or OpenMP use; see core/cpu_tuning.h
  CLI::App app{"scalelab: train GPT models over grids of sizes and fit scaling laws"};
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Debug logging");
  auto& registry = sl::cli::command_registry();
  std::sort(registry.begin(), registry.end(), [](auto& a, auto& b) { return a.order < b.order; });
  for (const auto& r : registry) r.add(app);
  app.parse_complete_callback([&] { sl::log::set_verbose(verbose); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help (exit 0) or the error; every command-line error is exit code 2, as
    // documented for each subcommand (CLI11's own codes are 100 and up).
    const int code = app.exit(e);
    return code == 0 ? 0 : sl::kExitUsage;
  }
  return sl::cli::exit_code();
}
