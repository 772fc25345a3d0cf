// Probe metrics, torch-free. Per instance (one prompt, one expected answer):
//   exact_match       1 if the greedy final answer equals the expected answer, else 0
//   token_accuracy    teacher-forced: share of answer tokens whose argmax is the correct token
//   edit_distance     Levenshtein distance between greedy and expected answer tokens
//   loglik            teacher-forced log-likelihood of the answer tokens (sum, nats);
//                     loglik_per_token = mean
//   brier             multi-class Brier score per answer token, sum_v (p_v - [v = y])^2,
//                     averaged (0..2)
// Per cell (all instances of a task, difficulty, shot count, template): the means of the above, and
// the expected calibration error of the top-1 prediction at each answer token, over equal-width
// confidence bins: ECE = sum_b (n_b / n) |accuracy_b - mean confidence_b|, with the bins kept for
// reliability diagrams.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sl {
// What teacher forcing says about one answer token.
struct AnswerTokenStats {
  int target = 0;           // the correct token
  double logp_target = 0;   // log p(target | prompt, correct prefix)
  int argmax = 0;           // the most probable token
  double p_argmax = 0;      // its probability (the confidence)
  double sum_sq_probs = 0;  // sum_v p_v^2 over the vocabulary
};

struct InstanceScore {
  double exact_match = 0, token_accuracy = 0, edit_distance = 0, loglik = 0, loglik_per_token = 0,
         brier = 0;
};

int64_t token_edit_distance(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b);
double brier_of_token(const AnswerTokenStats& s);  // sum_sq - 2 p_target + 1

// expected/generated: answer tokens (generated = the extracted final answer of the greedy output).
// stats: one per expected answer token (at least one).
InstanceScore score_instance(const std::vector<uint16_t>& expected,
                             const std::vector<uint16_t>& generated,
                             const std::vector<AnswerTokenStats>& stats);

struct ReliabilityBin {
  double lo = 0, hi = 0;  // confidence range [lo, hi) (the last bin includes 1)
  int64_t count = 0;
  double mean_confidence = 0, accuracy = 0;  // 0 when empty
};
struct Calibration {
  double ece = 0;
  std::vector<ReliabilityBin> bins;
};
// confidence[i] in [0, 1], correct[i] whether that top-1 prediction was right.
Calibration calibration_of(const std::vector<double>& confidence, const std::vector<bool>& correct,
                           int n_bins = 10);

// The metric names in report order (the keys of a probes.jsonl row).
const std::vector<std::string>& probe_metric_names();
// Whether larger is better (exact_match, token_accuracy, loglik...) or smaller (edit_distance,
// brier, ece).
bool metric_higher_is_better(const std::string& metric);
// Whether a metric is thresholded (exact_match) or continuous (everything else).
bool metric_is_discrete(const std::string& metric);
}  // namespace sl
