// `scalelab plan`: the compute-optimal model for a budget, from an approach-3 fit (fit.json) or a
// published one. Under C = 6 N D:
//   --flops C                 N_opt, D_opt and the predicted loss
//   --flops C --params N      D = C / 6N, its loss, and the loss given up against the optimum
//   --flops C --tokens D      N = C / 6D, likewise
//   --params N                the budget at which N is compute-optimal, and its D (best D for N)
//   --tokens D                the budget at which D is compute-optimal, and its N
//   --params N --tokens D     the expected loss, C = 6ND, and the optimum at that C
// Each answer comes with a concrete shape (model/shape_rule.h) for its N: n_layer, d_model, n_head,
// the exact parameter counts and FLOPs per token from model/accounting.h, the tokens the budget
// buys for that shape under the chosen FLOP convention, and the loss predicted for it.
//
// With a fit.json that holds bootstrap refits, N, D and the loss come with a percentile interval:
// each refit answers the same question, so the interval is that of the answer at this budget and
// grows as the budget moves away from the fitted runs (the exponents' uncertainty is multiplied by
// log C). A budget outside the fitted compute range is also a warning saying by what factor; the
// interval covers only the fit's statistical uncertainty, not whether the law holds out there.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "fit/chinchilla_fit.h"
#include "model/accounting.h"
#include "model/shape_rule.h"
#include "nlohmann/json.hpp"

namespace sl {
struct PlanLaw {
  ChinchillaParams params;
  std::string source;                         // fit.json path or published citation
  std::string n_col = "params_nonembedding";  // what N meant in the fit
  // From a fit.json: the bootstrap refits (for intervals at the budget asked) and the compute the
  // fitted runs spanned (to say when a budget extrapolates). Empty for a published fit.
  std::vector<ChinchillaParams> refits;
  double level = 0.95;
  double fitted_c_min = 0, fitted_c_max = 0;  // 0: unknown
};

// Reads the chinchilla section of a fit.json written by `scalelab fit`.
absl::StatusOr<PlanLaw> plan_law_from_fit_json(const std::string& path);
absl::StatusOr<PlanLaw> plan_law_published(const std::string& name);

struct PlanRequest {
  std::optional<double> flops, params, tokens;
  ShapeRule rule;
  GptConfig base;  // ctx, vocab, bias, tied for the concrete shape
  FlopsConvention convention = FlopsConvention::kKaplan6N;
};

struct PlanResult {
  nlohmann::json json;
  std::string table;
  std::vector<std::string> warnings;  // also in json["warnings"] and at the table's end
};

absl::StatusOr<PlanResult> make_plan(const PlanLaw& law, const PlanRequest& request);
// "1e18", "50k", "1.5M", "2G", "3T" -> a positive number.
absl::StatusOr<double> parse_quantity(const std::string& text, const std::string& flag);
}  // namespace sl
