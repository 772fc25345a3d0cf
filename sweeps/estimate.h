// Time estimates for the dry run, from a short measurement: a few optimizer steps of the smallest
// and the largest model of the plan, in this process, with the thread count each run will get.
// Seconds per token in between are interpolated as a power law in N; evals add eval_tokens forward
// passes (a third of a training token's cost) every eval_every steps.
#pragma once
#include <map>
#include <string>

#include "core/status.h"
#include "sweeps/spec.h"

namespace sl {
struct TimeEstimate {
  std::map<std::string, double> run_seconds;  // by run id
  double total_cpu_seconds = 0;               // sum over runs (minus what branching saves)
  double wall_seconds = 0;                    // with `workers` at once, largest first
  std::string method;                         // what was measured
};
absl::StatusOr<TimeEstimate> estimate_sweep_time(const SweepPlan& plan, int workers,
                                                 int threads_per_run,
                                                 const std::string& device = "cpu");
// Seconds per trained token of one model (measured).
absl::StatusOr<double> measure_seconds_per_token(const TrainConfig& cfg, int threads,
                                                 const std::string& device);
}  // namespace sl
