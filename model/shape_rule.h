// Turning a target parameter count into a concrete shape, for sweeps (`sizes: [50k, 100k]`) and the
// compute-optimal planner. The rule: head size `head_dim`, d_model a multiple of it, and a
// d_model / n_layer aspect ratio near `aspect`; among shapes within `tolerance` of the target
// non-embedding count, the one whose aspect ratio is closest wins, else the closest count.
#pragma once
#include "model/config.h"

namespace sl {
struct ShapeRule {
  double aspect = 32;      // d_model / n_layer (Kaplan et al. find loss flat over a wide range)
  int head_dim = 32;       // d_model / n_head
  double tolerance = 0.1;  // accept shapes whose N is within 10% of the target
  int max_layers = 96;
};

// `base` supplies ctx, vocab, bias, tied, dropout; the result has n_layer, d_model, n_head (d_ff =
// 4d).
absl::StatusOr<GptConfig> shape_for_nonembedding_params(double target, const ShapeRule& rule,
                                                        const GptConfig& base);
}  // namespace sl
