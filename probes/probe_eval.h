// Evaluating a Gpt model on probe cells: for every instance, teacher forcing over prompt +
// completion (answer-token statistics for the metrics) and greedy decoding from the prompt (the
// generated final answer); per cell, the metric means and the calibration (metrics.h). Every
// instance is generated and checked against the model's context length before any forward pass.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/tokenizer.h"
#include "model/gpt.h"
#include "nlohmann/json.hpp"
#include "probes/metrics.h"
#include "probes/probe_config.h"

namespace sl {
struct ProbeCellResult {
  ProbeCell cell;
  int instances = 0;
  std::map<std::string, double>
      metrics;  // probe_metric_names() -> mean over instances (ece: over tokens)
  Calibration calibration;
};

// Generates every instance of `config` and checks that each fits in `ctx` tokens; the same check
// evaluate_probes makes first (a trainer calls it before its first step).
absl::Status check_probes_fit(const ProbeConfig& config, const Tokenizer& tokenizer, int ctx);

// Runs every cell of `config`. The model is put in eval mode and restored afterwards. Errors: bad
// config, or an instance longer than the model's context (names the task, difficulty, shots and
// template, and what to change).
absl::StatusOr<std::vector<ProbeCellResult>> evaluate_probes(Gpt& model, const Tokenizer& tokenizer,
                                                             const ProbeConfig& config,
                                                             torch::Device device);

// One probes.jsonl row: `base` (step, tokens, FLOPs, N...) plus the cell, its metrics and its bins
// ("reliability": [[lo, hi, count, mean_confidence, accuracy], ...]).
nlohmann::json probe_row(const nlohmann::json& base, const ProbeCellResult& r);
}  // namespace sl
