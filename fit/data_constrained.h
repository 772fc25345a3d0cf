// Muennighoff et al. (2023), "Scaling Data-Constrained Language Models", section 3: repeated data
// is worth less than fresh data, and parameters beyond what the unique data can use are worth less
// than useful ones. With U unique tokens seen for D tokens in all (D/U epochs):
//   R_D = D / U - 1 (repetitions),  D' = U + U R_D* (1 - exp(-R_D / R_D*))
//   U_N = min(N_opt(U), N), R_N = N / U_N - 1,  N' = U_N + U_N R_N* (1 - exp(-R_N / R_N*))
//   L(N, D, U) = E + A / N'^alpha + B / D'^beta
// where N_opt(U) is the compute-optimal N of the Chinchilla law (chinchilla_fit.h) whose optimal D
// is U. R_D* (R_N*) is the number of repetitions (excess-parameter multiples) after which their
// value has decayed by 1/e; the paper's fit: R_D* = 15.4, R_N* = 5.3.
//
// The fit is the paper's two stages: E, A, B, alpha, beta by Chinchilla approach 3 on the runs that
// see each token at most once (epochs <= 1), then log R_D* and log R_N* with those held, by the
// same Huber loss of log L-hat - log L on the repeated runs (NLopt's BOBYQA from a grid of starts);
// then all seven together on every run, from there (the law also bends single-epoch runs whose N
// exceeds N_opt(D), which the first stage cannot know).
// R_N* is reported only when some repeated run has N > N_opt(U) (else no point depends on it).
// Bootstrap: both groups resampled with replacement, both stages refitted.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "fit/bootstrap.h"
#include "fit/chinchilla_fit.h"
#include "nlohmann/json.hpp"

namespace sl {
struct DataConstrainedParams {
  ChinchillaParams base;
  double r_d = 15.4, r_n = 5.3;

  double n_opt_for_unique(double unique) const;  // N whose Chinchilla-optimal D is `unique`
  double effective_data(double d, double unique) const;
  double effective_params(double n, double unique) const;
  double loss(double n, double d, double unique) const;
};

struct DataConstrainedFit {
  DataConstrainedParams params;
  bool r_n_identified = false;  // some repeated run has N > N_opt(U)
  size_t single_epoch_points = 0, repeated_points = 0;
  double objective = 0;  // the final (joint) Huber loss over every run
  ChinchillaFit base_fit;
};

struct DataConstrainedBootstrap {
  int samples = 0, failed = 0;
  std::map<std::string, IntervalSummary> summary;  // E, A, B, alpha, beta, R_D*, R_N*
};

// Unique tokens of a point: D / epochs when it repeats (epochs > 1), else D.
double unique_tokens_of(const ScalingPoint& p);

// Errors: fewer than 6 single-epoch points (2 sizes, 2 budgets) or fewer than 2 repeated ones,
// said with what the sweep needs (a spec: configs/sweeps/data_constrained.yaml).
absl::StatusOr<DataConstrainedFit> fit_data_constrained(const std::vector<ScalingPoint>& points,
                                                        const MinimizeOptions& minimize);
absl::StatusOr<DataConstrainedBootstrap> bootstrap_data_constrained(
    const std::vector<ScalingPoint>& points, const DataConstrainedFit& fit,
    const MinimizeOptions& minimize, const BootstrapOptions& opt);

nlohmann::json data_constrained_to_json(const DataConstrainedFit& fit,
                                        const DataConstrainedBootstrap* boot);
std::string data_constrained_table(const DataConstrainedFit& fit,
                                   const DataConstrainedBootstrap* boot);
}  // namespace sl
