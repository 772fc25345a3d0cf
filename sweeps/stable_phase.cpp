#include "sweeps/stable_phase.h"

#include <algorithm>
#include <map>

#include "train/schedule.h"
#include "train/trainer.h"

namespace sl {
absl::Status share_stable_phases(const SweepSpec& spec, SweepPlan* plan) {
  std::vector<PlannedRun>& runs = plan->runs;
  // Groups of runs whose configs are equal but for name and D.
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < runs.size(); ++i) {
    TrainConfig k = runs[i].cfg;
    k.name = "";
    k.train.tokens = 0;
    groups[train_config_to_yaml(k)].push_back(i);
  }
  for (auto& [key, idx] : groups) {
    std::sort(idx.begin(), idx.end(),
              [&](size_t a, size_t b) { return runs[a].tokens() > runs[b].tokens(); });
    const int64_t min_tokens = runs[idx.back()].tokens();
    for (size_t i : idx) {
      OptimConfig& o = runs[i].cfg.optim;
      if (o.warmup_tokens == 0) {
        o.warmup_tokens = std::max<int64_t>(1, std::llround(o.warmup_fraction * min_tokens));
      }
    }
    PlannedRun& src = runs[idx.front()];
    std::vector<PlannedRun*> branches;
    for (size_t j = 1; j < idx.size(); ++j) {
      PlannedRun& r = runs[idx[j]];
      if (r.tokens() == src.tokens()) continue;
      const int64_t total = r.cfg.total_steps();
      const int64_t step = std::max(warmup_steps(r.cfg.optim, total, r.cfg.tokens_per_step()),
                                    wsd_decay_start(r.cfg.optim, total));
      if (step <= 0) continue;
      auto ok = check_branch_source(r.cfg, src.cfg, step);
      if (!ok.ok()) return spec.error("share_stable_phase", std::string(ok.message()));
      r.branch_step = step;
      src.snapshot_steps.push_back(step);
      branches.push_back(&r);
    }
    // The source's id only now: its warmup may have changed above.
    for (PlannedRun* r : branches) r->branch_source = run_id(src.cfg);
    std::sort(src.snapshot_steps.begin(), src.snapshot_steps.end());
    src.snapshot_steps.erase(std::unique(src.snapshot_steps.begin(), src.snapshot_steps.end()),
                             src.snapshot_steps.end());
  }
  return absl::OkStatus();
}
}  // namespace sl
