// `scalelab emergence SWEEP_DIR [--plot DIR]`: the emergence report from the runs' probes.jsonl
// (logic in probes/emergence.h): sharp/smooth per metric, prompt sensitivity, ICL gain. Writes
// SWEEP_DIR/emergence.json; with --plot, DIR/probes.csv, DIR/reliability.csv and the plots.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/files.h"
#include "fit/plot_runner.h"
#include "probes/emergence.h"
#include "probes/probe_table.h"

namespace {
namespace fs = std::filesystem;

absl::Status plot_emergence(const std::vector<sl::ProbeRow>& rows, const std::string& dir,
                            const std::string& title) {
  SL_RETURN_IF_ERROR(sl::ensure_writable_dir(dir));
  const std::string probes = (fs::path(dir) / "probes.csv").string();
  const std::string reliability = (fs::path(dir) / "reliability.csv").string();
  SL_RETURN_IF_ERROR(sl::write_file_atomic(probes, sl::probes_csv(rows)));
  SL_RETURN_IF_ERROR(sl::write_file_atomic(reliability, sl::reliability_csv(rows)));
  return sl::run_plot_script(
      {"--probes", probes, "--reliability", reliability, "--out", dir, "--title", title}, dir);
}

void add_emergence_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto plot_dir = std::make_shared<std::string>();
  auto o = std::make_shared<sl::EmergenceOptions>();
  CLI::App* cmd = app.add_subcommand(
      "emergence",
      "Emergence report of a sweep's probes: per task and difficulty, every metric against compute "
      "and N, sharp or smooth; prompt sensitivity; ICL gain (docs/probes.md)");
  cmd->add_option("dir", *dir, "Sweep directory (runs/*/probes.jsonl) or one run directory")
      ->required();
  cmd->add_option("--plot", *plot_dir,
                  "Write probes.csv, reliability.csv and the plots (PNG + SVG) here");
  cmd->add_option("--sharp-share", o->sharp_share,
                  "A curve is sharp when one adjacent jump exceeds this share of its range")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--min-range", o->min_range, "A curve whose range is below this is flat")
      ->capture_default_str();
  cmd->callback([=] {
    auto fail = [](const absl::Status& s) {
      std::cerr << "error: " << s.message() << "\n";
      sl::cli::exit_code() = 1;
    };
    auto rows = sl::read_probe_rows(*dir);
    if (!rows.ok()) return fail(rows.status());
    const sl::EmergenceReport report = sl::analyze_emergence(*rows, *o);
    std::cout << sl::format_emergence_report(report, *o);
    const std::string json_path = (fs::path(*dir) / "emergence.json").string();
    if (auto s = sl::write_file_atomic(json_path, sl::emergence_to_json(report, *o).dump(2) + "\n");
        !s.ok())
      return fail(s);
    std::cout << "wrote " << json_path << "\n";
    if (!plot_dir->empty())
      if (auto s = plot_emergence(*rows, *plot_dir, sl::sweep_title(*dir)); !s.ok()) return fail(s);
  });
}
}  // namespace

SL_REGISTER_COMMAND(90, add_emergence_command);
