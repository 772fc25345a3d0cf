#include "sweeps/spec.h"

#include "core/files.h"
#include "sweeps/spec_grid.h"
#include "sweeps/spec_parse.h"
#include "sweeps/spec_validate.h"
#include "sweeps/stable_phase.h"

namespace sl {
absl::StatusOr<SweepPlan> expand_sweep_spec(const std::string& spec_path, bool check_data,
                                            const std::string& device,
                                            const std::vector<std::string>& overrides) {
  SL_ASSIGN_OR_RETURN(std::string text, read_file(spec_path));
  return expand_sweep_spec_text(text, spec_path, check_data, device, overrides);
}

absl::StatusOr<SweepPlan> expand_sweep_spec_text(const std::string& text, const std::string& file,
                                                 bool check_data, const std::string& device,
                                                 const std::vector<std::string>& overrides) {
  SL_ASSIGN_OR_RETURN(const SweepSpec spec, parse_sweep_spec(text, file, overrides));
  SL_ASSIGN_OR_RETURN(const SweepBase base, read_sweep_base(spec));
  SL_ASSIGN_OR_RETURN(const std::vector<ModelChoice> models, resolve_models(spec, base));
  if (spec.share_stable_phase && base.cfg.optim.schedule != "wsd") {
    return spec.error("share_stable_phase", "needs the wsd schedule (schedule: wsd)");
  }
  SweepPlan plan;
  plan.name = spec.name;
  plan.spec_path = file;
  plan.spec_text = text;
  plan.convention = spec.convention;
  plan.isoflop = spec.mode == BudgetMode::kFlops;
  plan.share_stable_phase = spec.share_stable_phase;
  plan.overrides = overrides;
  for (const Rule& r : spec.rules) plan.rule_keys.push_back(r.key);
  SL_RETURN_IF_ERROR(expand_grid(spec, base, models, device, &plan));
  if (plan.share_stable_phase) SL_RETURN_IF_ERROR(share_stable_phases(spec, &plan));
  SL_RETURN_IF_ERROR(validate_runs(spec, check_data, &plan));
  return plan;
}
}  // namespace sl
