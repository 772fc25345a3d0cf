// `scalelab export SWEEP_DIR [--out DIR]`: summary.csv and curves.csv for `scalelab fit`
// (sweeps/export.h).
#include <iostream>

#include "cli/commands.h"
#include "core/exit_codes.h"
#include "sweeps/export.h"

namespace {
void add_export_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  CLI::App* cmd =
      app.add_subcommand("export", "Write a sweep's tables (summary.csv, curves.csv) for fitting");
  cmd->add_option("dir", *dir,
                  "Sweep directory (e.g. out/sweeps/quickstart), run directory, or directory of "
                  "runs (e.g. out/runs)")
      ->required();
  cmd->add_option("--out", *out, "Output directory (default DIR/export)");
  cmd->callback([dir, out] {
    auto r = sl::export_sweep(*dir, *out);
    if (!r.ok()) {
      std::cerr << "error: " << r.status().message() << "\n";
      sl::cli::exit_code() = sl::kExitFailed;
      return;
    }
    for (const auto& f : r->files) std::cout << "wrote " << f << "\n";
    std::cout << r->runs << " runs (" << r->done << " done), " << r->curve_rows << " curve rows\n";
  });
}
}  // namespace

SL_REGISTER_COMMAND(55, add_export_command);
