// Minimises an LSE-law objective with L-BFGS (NLopt's LD_LBFGS) from many starting points and keeps
// the best, as Hoffmann et al. did. NLopt rather than a hand-written L-BFGS: its line search and
// stopping rules are well kept, and the objective's closed-form gradient is all it needs.
#pragma once
#include <vector>

#include "fit/lse_law.h"

namespace sl {
struct MinimizeOptions {
  double delta = kHuberDelta;
  double ftol_rel = 1e-12;  // stop when the objective's relative change falls below this...
  double xtol_rel = 1e-10;  // ...or the parameters' relative change does
  int max_evals = 2000;     // per start
  int threads = 1;
};

struct LocalMinimum {
  std::vector<double> theta;
  double objective = 0;
  int nlopt_result = 0;  // NLopt's code (> 0 converged; -4 round-off limited, still a usable point)
  int evals = 0;
  size_t start_index = 0;
};

// One L-BFGS run from `start`.
LocalMinimum minimize_from(const LseLawShape& shape, const LseLawData& data,
                           const std::vector<double>& start, const MinimizeOptions& opt);

// Runs every start (in parallel); returns all local minima in start order. The best is the one with
// the lowest finite objective, ties going to the earlier start (so thread count never changes it).
std::vector<LocalMinimum> minimize_from_starts(const LseLawShape& shape, const LseLawData& data,
                                               const std::vector<std::vector<double>>& starts,
                                               const MinimizeOptions& opt);
// Index of the best minimum, or -1 when none has a finite objective.
int best_minimum(const std::vector<LocalMinimum>& minima);
}  // namespace sl
