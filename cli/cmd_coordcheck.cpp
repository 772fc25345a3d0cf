// `scalelab coordcheck CONFIG [key=value ...] [--widths 32,64,128,256] [--steps 5] [--out DIR]`:
// the muP coordinate check (train/coord_check.h) on the config's training data; prints the table,
// writes DIR/coordcheck.csv and, with --out, the plot DIR/coordcheck.png (scripts/plot.py).
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/exit_codes.h"
#include "core/files.h"
#include "data/token_dataset.h"
#include "fit/plot_runner.h"
#include "train/batches.h"
#include "train/coord_check.h"
#include "train/device.h"

namespace {
struct CoordCheckArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::vector<int> widths{32, 64, 128, 256};
  int steps = 5;
  std::string out;
};

absl::Status run_coordcheck(const CoordCheckArgs& a) {
  SL_ASSIGN_OR_RETURN(sl::TrainConfig cfg,
                      sl::load_train_config(a.config, a.overrides, sl::ConfigUse::kRunHere));
  for (int w : a.widths) {  // every width checked before any training
    if (auto c = sl::coord_check_model(cfg.model, w); !c.ok())
      return absl::InvalidArgumentError(absl::StrCat("--widths: ", c.status().message()));
  }
  SL_ASSIGN_OR_RETURN(sl::TokenDataset ds, sl::open_token_dataset(cfg.data.path));
  if (ds.max_token >= cfg.model.vocab) {
    return absl::InvalidArgumentError(
        absl::StrCat(sl::train_config_where(a.config, a.overrides, "model.vocab"), ": model.vocab ",
                     cfg.model.vocab, " does not cover the data's token id ", ds.max_token));
  }
  sl::configure_threads(cfg.train.threads);
  sl::BatchSource source({ds.train.get()}, {1.0}, cfg.model.ctx,
                         static_cast<uint64_t>(cfg.train.seed), cfg.data.unique_tokens,
                         torch::kCPU);
  const int batch = cfg.train.batch_size;
  auto batches = [&](int t) { return source.get(static_cast<int64_t>(t) * batch, batch); };
  SL_ASSIGN_OR_RETURN(auto rows, sl::run_coord_check(cfg, a.widths, a.steps, batches));
  std::cout << "coordinate check: " << cfg.model.parametrization << ", optim " << cfg.optim.name
            << " lr " << cfg.optim.lr << ", " << a.steps << " steps\n"
            << sl::coord_check_table(rows);
  const std::string last_block = "block." + std::to_string(cfg.model.n_layer - 1);
  for (const std::string& m : {last_block, std::string("logits")}) {
    SL_ASSIGN_OR_RETURN(double g, sl::coord_check_growth(rows, m, a.steps));
    std::cout << "RMS widest / narrowest at step " << a.steps << ", " << m << ": " << g << "\n";
  }
  if (a.out.empty()) return absl::OkStatus();
  SL_RETURN_IF_ERROR(sl::ensure_writable_dir(a.out));
  const std::string csv = (std::filesystem::path(a.out) / "coordcheck.csv").string();
  SL_RETURN_IF_ERROR(sl::write_file_atomic(csv, sl::coord_check_csv(rows)));
  std::cout << "wrote " << csv << "\n";
  std::cout.flush();
  return sl::run_plot_script({"--coordcheck", csv, "--out", a.out, "--title",
                              cfg.model.parametrization + ", " + cfg.optim.name},
                             a.out);
}

void add_coordcheck_command(CLI::App& app) {
  auto a = std::make_shared<CoordCheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "coordcheck",
      "muP coordinate check: activation RMS per layer over a few steps at several widths");
  cmd->add_option("config", a->config, "A train config YAML (its model, optimizer and data)")
      ->required();
  cmd->add_option("overrides", a->overrides,
                  "Dotted overrides key=value, e.g. model.parametrization=mup optim.lr=1e-2");
  cmd->add_option("--widths", a->widths,
                  "d_model values, n_head held fixed (default 32,64,128,256)")
      ->delimiter(',')
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--steps", a->steps, "Training steps at constant optim.lr (default 5)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--out", a->out, "Directory for coordcheck.csv and the plot coordcheck.png");
  cmd->footer("Exit codes: 0 measured, 1 failed, 2 bad arguments or config.");
  cmd->callback([a] {
    absl::Status s = run_coordcheck(*a);
    if (!s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      sl::cli::exit_code() =
          s.code() == absl::StatusCode::kInvalidArgument ? sl::kExitUsage : sl::kExitFailed;
    }
  });
}
}  // namespace

SL_REGISTER_COMMAND(82, add_coordcheck_command);
