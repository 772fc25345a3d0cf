#include "fit/multistart.h"

#include <nlopt.h>

#include <cmath>
#include <limits>

#include "fit/parallel_for.h"

namespace sl {
namespace {
struct ObjectiveContext {
  const LseLawShape* shape;
  const LseLawData* data;
  double delta;
  int evals = 0;
};

double nlopt_objective(unsigned n, const double* x, double* grad, void* ctx_ptr) {
  (void)n;
  auto* ctx = static_cast<ObjectiveContext*>(ctx_ptr);
  ++ctx->evals;
  return lse_law_objective(*ctx->shape, *ctx->data, ctx->delta, x, grad);
}
}  // namespace

LocalMinimum minimize_from(const LseLawShape& shape, const LseLawData& data,
                           const std::vector<double>& start, const MinimizeOptions& opt) {
  const unsigned dim = static_cast<unsigned>(shape.dim());
  ObjectiveContext ctx{&shape, &data, opt.delta};
  nlopt_opt handle = nlopt_create(NLOPT_LD_LBFGS, dim);
  nlopt_set_min_objective(handle, nlopt_objective, &ctx);
  nlopt_set_ftol_rel(handle, opt.ftol_rel);
  nlopt_set_xtol_rel(handle, opt.xtol_rel);
  nlopt_set_maxeval(handle, opt.max_evals);
  LocalMinimum m;
  m.theta = start;
  double f = std::numeric_limits<double>::infinity();
  m.nlopt_result = nlopt_optimize(handle, m.theta.data(), &f);
  nlopt_destroy(handle);
  // NLopt leaves x at the best point seen even on round-off or failure; re-evaluate to be sure.
  m.objective = lse_law_objective(shape, data, opt.delta, m.theta.data(), nullptr);
  if (!std::isfinite(m.objective)) m.objective = std::numeric_limits<double>::infinity();
  m.evals = ctx.evals;
  return m;
}

std::vector<LocalMinimum> minimize_from_starts(const LseLawShape& shape, const LseLawData& data,
                                               const std::vector<std::vector<double>>& starts,
                                               const MinimizeOptions& opt) {
  std::vector<LocalMinimum> minima(starts.size());
  parallel_for(starts.size(), opt.threads, [&](size_t i) {
    minima[i] = minimize_from(shape, data, starts[i], opt);
    minima[i].start_index = i;
  });
  return minima;
}

int best_minimum(const std::vector<LocalMinimum>& minima) {
  int best = -1;
  for (size_t i = 0; i < minima.size(); ++i) {
    if (!std::isfinite(minima[i].objective)) continue;
    if (best < 0 || minima[i].objective < minima[best].objective) best = static_cast<int>(i);
  }
  return best;
}
}  // namespace sl
