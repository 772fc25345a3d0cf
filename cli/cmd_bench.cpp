// `scalelab bench (--preset NAME | CONFIG.yaml) [--device cpu|cuda] [--steps N] [--threads N]
// [--json] [--cuda-graph]`: the trainer's step on synthetic tokens; tokens/s, ms/step, model
// FLOP/s, MFU and peak memory (logic in train/bench.h; docs/bench.md).
#include <iostream>

#include "cli/commands.h"
#include "core/exit_codes.h"
#include "train/bench.h"
#include "train/memory_check.h"

namespace {
struct BenchArgs {
  std::string preset;
  std::string config;
  std::vector<std::string> overrides;
  sl::BenchOptions opts;
  bool json = false;
};

void run_bench_command(const BenchArgs& a) {
  if (a.preset.empty() == a.config.empty()) {
    std::cerr << "error: give either --preset NAME or a CONFIG.yaml (not both)\n";
    sl::cli::exit_code() = sl::kExitUsage;
    return;
  }
  absl::StatusOr<sl::TrainConfig> cfg =
      a.preset.empty() ? sl::load_train_config(a.config, a.overrides, sl::ConfigUse::kRunHere)
                       : sl::bench_preset(a.preset);
  if (!cfg.ok()) {
    std::cerr << "error: " << cfg.status().message() << "\n";
    sl::cli::exit_code() = sl::kExitUsage;
    return;
  }
  if (auto misfit = sl::check_fits_in_memory(*cfg, a.opts.device)) {
    const std::string where = a.preset.empty()
                                  ? sl::train_config_where(a.config, a.overrides, misfit->key)
                                  : "preset " + a.preset;
    std::cerr << "error: " << where << ": key '" << misfit->key << "': " << misfit->message << "\n";
    sl::cli::exit_code() = sl::kExitUsage;
    return;
  }
  auto r = sl::run_bench(*cfg, a.opts);
  if (!r.ok()) {
    std::cerr << "error: " << r.status().message() << "\n";
    const auto code = r.status().code();
    sl::cli::exit_code() = code == absl::StatusCode::kInvalidArgument ? sl::kExitUsage
                           : code == absl::StatusCode::kUnavailable   ? sl::kExitNoDevice
                                                                      : sl::kExitFailed;
    return;
  }
  if (a.json) {
    std::cout << sl::bench_result_json(*r).dump() << "\n";
  } else {
    std::cout << sl::bench_result_text(*r);
  }
}

void add_bench_command(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Time the trainer's step on synthetic tokens: tokens/s, ms/step, MFU, peak memory");
  std::string presets;
  for (const auto& p : sl::bench_preset_names()) presets += (presets.empty() ? "" : ", ") + p;
  cmd->add_option("--preset", a->preset, "A built-in shape: " + presets);
  cmd->add_option("config", a->config,
                  "A train config YAML (its model, batch and device; data is not read)");
  cmd->add_option("overrides", a->overrides,
                  "Dotted overrides key=value for the config, e.g. train.batch_size=16");
  cmd->add_option("--device", a->opts.device,
                  "cpu, cuda or auto (default: the config's train.device; presets auto)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  cmd->add_option("--steps", a->opts.steps,
                  "Timed steps (default: about 15 s of steps on the CPU, 5 s on CUDA)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--warmup", a->opts.warmup,
                  "Untimed steps first (default 3 on the CPU, 10 on CUDA)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--threads", a->opts.threads,
                  "CPU threads (default: the config's train.threads; 0 = all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_flag("--cuda-graph", a->opts.cuda_graph,
                "CUDA: capture the step in a CUDA graph and replay it");
  cmd->add_flag("--json", a->json,
                "One JSON object (tokens_per_s, ms_per_step, mfu, peak_memory_bytes, ...)");
  cmd->footer(
      "Exit codes: 0 measured, 1 failed, 2 bad arguments or config, 69 the device asked for is not "
      "usable here.");
  cmd->callback([a] { run_bench_command(*a); });
}
}  // namespace

SL_REGISTER_COMMAND(80, add_bench_command);
