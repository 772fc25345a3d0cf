// Probe metrics (see metrics.h for the definitions).
#include "probes/metrics.h"

#include <algorithm>
#include <cmath>

namespace sl {
int64_t token_edit_distance(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b) {
  std::vector<int64_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int64_t>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int64_t>(i);
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

double brier_of_token(const AnswerTokenStats& s) {
  return s.sum_sq_probs - 2 * std::exp(s.logp_target) + 1;
}

InstanceScore score_instance(const std::vector<uint16_t>& expected,
                             const std::vector<uint16_t>& generated,
                             const std::vector<AnswerTokenStats>& stats) {
  InstanceScore r;
  r.exact_match = expected == generated ? 1 : 0;
  r.edit_distance = static_cast<double>(token_edit_distance(generated, expected));
  for (const auto& s : stats) {
    r.token_accuracy += s.argmax == s.target ? 1 : 0;
    r.loglik += s.logp_target;
    r.brier += brier_of_token(s);
  }
  const double n = static_cast<double>(std::max<size_t>(1, stats.size()));
  r.token_accuracy /= n;
  r.loglik_per_token = r.loglik / n;
  r.brier /= n;
  return r;
}

Calibration calibration_of(const std::vector<double>& confidence, const std::vector<bool>& correct,
                           int n_bins) {
  Calibration c;
  c.bins.resize(n_bins);
  for (int b = 0; b < n_bins; ++b) {
    c.bins[b].lo = static_cast<double>(b) / n_bins;
    c.bins[b].hi = static_cast<double>(b + 1) / n_bins;
  }
  for (size_t i = 0; i < confidence.size(); ++i) {
    const int b = std::clamp(static_cast<int>(confidence[i] * n_bins), 0, n_bins - 1);
    c.bins[b].count += 1;
    c.bins[b].mean_confidence += confidence[i];
    c.bins[b].accuracy += correct[i] ? 1 : 0;
  }
  const double n = static_cast<double>(confidence.size());
  for (auto& bin : c.bins) {
    if (bin.count == 0) continue;
    bin.mean_confidence /= static_cast<double>(bin.count);
    bin.accuracy /= static_cast<double>(bin.count);
    c.ece += static_cast<double>(bin.count) / n * std::abs(bin.accuracy - bin.mean_confidence);
  }
  return c;
}

const std::vector<std::string>& probe_metric_names() {
  static const std::vector<std::string> names = {"exact_match", "token_accuracy",   "edit_distance",
                                                 "loglik",      "loglik_per_token", "brier",
                                                 "ece"};
  return names;
}

bool metric_higher_is_better(const std::string& m) {
  return m == "exact_match" || m == "token_accuracy" || m == "loglik" || m == "loglik_per_token";
}

bool metric_is_discrete(const std::string& m) { return m == "exact_match"; }
}  // namespace sl
