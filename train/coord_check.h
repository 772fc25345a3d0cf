// The muP coordinate check (Tensor Programs V, section D.1): the same model at several widths,
// trained a few steps from its own init at one learning rate, with the RMS of every layer's output
// measured on a fixed batch after each step. Under muP the curves of different widths lie on top of
// each other; under the standard parametrization they grow with width (logits fastest), which is
// why SP's best learning rate shrinks as a model widens and muP's does not.
//
// Width is d_model; n_head is held fixed (head_dim grows with width), d_ff keeps its ratio to
// d_model, and every width shares one base_width (the config's, or under mup with base_width 0 the
// config's own d_model), so m = width / base_width. The learning rate is constant at optim.lr (the
// schedule's warmup would hide the update sizes); the optimizer is the config's (adamw or muon).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "train/batches.h"
#include "train/train_config.h"

namespace sl {
struct CoordCheckRow {
  int width = 0;       // d_model
  int step = 0;        // 0 at init, t after t updates
  std::string module;  // embedding, block.<i>, logits (GptImpl::forward's trace)
  double rms = 0;      // sqrt(mean(x^2)) over the batch
};

// The config at width `width` (d_model, d_ff scaled, base_width fixed as above); an error naming
// the key when n_head does not divide the width.
absl::StatusOr<GptConfig> coord_check_model(const GptConfig& base, int width);

// Trains cfg's model at each width for `steps` steps on batches(t) (t = 0..steps-1; the same
// batches for every width), and measures on batches(0) before the first step and after each.
// Widths: at least two, each >= 1. Runs on the CPU in float32 with cfg.train.seed.
absl::StatusOr<std::vector<CoordCheckRow>> run_coord_check(
    const TrainConfig& cfg, const std::vector<int>& widths, int steps,
    const std::function<Batch(int)>& batches);

// RMS at the widest width over RMS at the narrowest, for `module` at `step`; an error when the
// rows lack either.
absl::StatusOr<double> coord_check_growth(const std::vector<CoordCheckRow>& rows,
                                          const std::string& module, int step);

// The CSV (header width,step,module,rms) and a printed table: one line per module and width, one
// column per step.
std::string coord_check_csv(const std::vector<CoordCheckRow>& rows);
std::string coord_check_table(const std::vector<CoordCheckRow>& rows);
}  // namespace sl
