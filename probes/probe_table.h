// The probe results of a sweep (or one run) as a flat table: every probes.jsonl row of every run
// (SWEEP_DIR/runs/*/probes.jsonl, or RUN_DIR/probes.jsonl), and its long-format CSV, probes.csv:
//   run_id,step,tokens,flops,params,task,difficulty,shots,template,metric,value
// flops = FLOPs seen under the 6N convention; params = non-embedding N. Torch-free.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace sl {
struct ProbeRow {
  std::string run_id;  // the run directory's name
  int64_t step = 0, tokens = 0;
  double flops = 0, params = 0;
  std::string task;
  int difficulty = 0, shots = 0, template_id = 0;
  std::map<std::string, double> metrics;         // probe_metric_names()
  std::vector<std::vector<double>> reliability;  // [lo, hi, count, mean_confidence, accuracy]
};

// Errors: `dir` holds no run with a probes.jsonl (says to run `scalelab probe` or set probes: in
// the train config), or a row lacks a field (names the file and line).
absl::StatusOr<std::vector<ProbeRow>> read_probe_rows(const std::string& dir);

// probes.csv text: one line per row and metric (header first); reliability.csv text: one line per
// row and non-empty bin
// (run_id,step,flops,params,task,difficulty,shots,template,lo,hi,count,confidence,accuracy).
std::string probes_csv(const std::vector<ProbeRow>& rows);
std::string reliability_csv(const std::vector<ProbeRow>& rows);
// Writes `dir`'s probes.csv to out_path (atomically); the call `scalelab export` makes.
absl::Status export_probes_csv(const std::string& dir, const std::string& out_path);
}  // namespace sl
