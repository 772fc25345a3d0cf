#include "sweeps/estimate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <queue>

#include "absl/strings/str_format.h"
#include "model/gpt.h"
#include "train/adamw.h"
#include "train/device.h"
#include "train/flat_params.h"
#include "train/optimizer.h"

namespace sl {
absl::StatusOr<double> measure_seconds_per_token(const TrainConfig& cfg, int threads,
                                                 const std::string& device_name) {
  SL_ASSIGN_OR_RETURN(torch::Device device, resolve_device(device_name));
  configure_threads(threads);
  keep_freed_memory();
  torch::manual_seed(0);
  Gpt model(cfg.model);
  model->to(device);
  model->train();
  FlatParams flat = flatten_parameters(*model, flat_layout_for(cfg.optim, cfg.model));
  FlatOptimizer opt(flat, cfg.optim, hidden_adam_lr_mult(cfg.optim, cfg.model));
  const int B = cfg.train.batch_size;
  auto x = torch::randint(0, cfg.model.vocab, {B, cfg.model.ctx},
                          torch::TensorOptions().dtype(torch::kLong).device(device));
  auto step = [&] {
    for (int m = 0; m < cfg.train.grad_accum; ++m) model->loss(x, x).backward();
    clip_grad_norm(flat.grads, cfg.optim.grad_clip);
    opt.step(1e-4);
    flat.grads.zero_();
    if (device.is_cuda()) torch::cuda::synchronize();
  };
  auto t0 = std::chrono::steady_clock::now();
  step();  // warm-up (allocations)
  double first = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int n = first > 2.0 ? 1 : first > 0.5 ? 2 : 4;
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) step();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / n;
  return secs / static_cast<double>(cfg.tokens_per_step());
}

absl::StatusOr<TimeEstimate> estimate_sweep_time(const SweepPlan& plan, int workers, int threads,
                                                 const std::string& device) {
  TimeEstimate est;
  if (plan.runs.empty()) return est;
  auto by_n = [](const PlannedRun& a, const PlannedRun& b) {
    return a.params_total < b.params_total;
  };
  const PlannedRun& lo = *std::min_element(plan.runs.begin(), plan.runs.end(), by_n);
  const PlannedRun& hi = *std::max_element(plan.runs.begin(), plan.runs.end(), by_n);
  SL_ASSIGN_OR_RETURN(double s_lo, measure_seconds_per_token(lo.cfg, threads, device));
  double s_hi = s_lo;
  if (hi.params_total != lo.params_total) {
    SL_ASSIGN_OR_RETURN(s_hi, measure_seconds_per_token(hi.cfg, threads, device));
  }
  const double n_lo = static_cast<double>(lo.params_total),
               n_hi = static_cast<double>(hi.params_total);
  const double slope = n_hi > n_lo ? std::log(s_hi / s_lo) / std::log(n_hi / n_lo) : 0.0;
  est.method = absl::StrFormat("measured %s (%.3g s/Mtok) and %s (%.3g s/Mtok), %d thread%s each",
                               lo.cfg.model.shape_name(), s_lo * 1e6, hi.cfg.model.shape_name(),
                               s_hi * 1e6, threads, threads == 1 ? "" : "s");
  std::vector<double> costs;
  for (const auto& r : plan.runs) {
    const double spt = s_lo * std::pow(static_cast<double>(r.params_total) / n_lo, slope);
    const int64_t steps = r.cfg.total_steps() - (r.branch_source.empty() ? 0 : r.branch_step);
    const double train_tokens = static_cast<double>(steps * r.cfg.tokens_per_step());
    const int64_t evals = steps / r.cfg.train.eval_every + 1;
    const double eval_tokens = static_cast<double>(evals * r.cfg.eval_windows() * r.cfg.model.ctx);
    const double secs = spt * (train_tokens + eval_tokens / 3.0);
    est.run_seconds[r.id] = secs;
    est.total_cpu_seconds += secs;
    costs.push_back(secs);
  }
  // Largest first onto the least loaded worker.
  std::sort(costs.rbegin(), costs.rend());
  std::priority_queue<double, std::vector<double>, std::greater<double>> load;
  for (int i = 0; i < std::max(1, workers); ++i) load.push(0);
  for (double c : costs) {
    double l = load.top();
    load.pop();
    load.push(l + c);
  }
  while (!load.empty()) {
    est.wall_seconds = std::max(est.wall_seconds, load.top());
    load.pop();
  }
  return est;
}
}  // namespace sl
