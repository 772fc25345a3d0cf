// `scalelab status SWEEP_DIR`: one row per run: state, progress, last losses, speed, ETA
// (sweeps/report.h).
#include <iostream>

#include "cli/commands.h"
#include "core/exit_codes.h"
#include "sweeps/report.h"

namespace {
void add_status_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("status", "Show the state of a sweep's runs");
  cmd->add_option("sweep_dir", *dir, "Sweep directory (e.g. out/sweeps/quickstart)")->required();
  cmd->callback([dir] {
    auto t = sl::status_table(*dir);
    if (!t.ok()) {
      std::cerr << "error: " << t.status().message() << "\n";
      sl::cli::exit_code() = sl::kExitFailed;
      return;
    }
    std::cout << *t;
  });
}
}  // namespace

SL_REGISTER_COMMAND(52, add_status_command);
