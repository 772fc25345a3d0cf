// The emergence report: is a capability's rise sharp, and is it sharp under every metric or only
// under the thresholded one? Torch-free; works on the rows of read_probe_rows.
//
// Points: each run contributes its last probed step (its final model); a curve is one metric of one
// (task, difficulty, shots), averaged over templates, against the runs' compute (FLOPs, 6N) in
// increasing order (N is reported beside it). Classification of a curve of n >= 3 points, oriented
// so that up is better, with range R = max - min and largest adjacent jump J = max |v[i+1] - v[i]|:
//   flat       R < min_range (the metric hardly moved; nothing to classify)
//   sharp      J > sharp_share * R (one step between adjacent compute points holds most of the
//              change)
//   smooth     not sharp, and no adjacent decrease larger than decrease_tolerance * R
//              (near-monotone)
//   irregular  not sharp, but it goes down by more than that somewhere
// With n points a straight line has J/R = 1/(n-1), so sharp_share must exceed that (0.5 needs n >=
// 3, and reads best with n >= 5). Verdict per (task, difficulty, shots):
//   "sharp under exact match, smooth under log-likelihood" (the metric-artefact pattern),
//   "sharp under both", "no sharp exact-match transition", or "too few runs".
// Prompt sensitivity: the spread (max - min over templates) of exact match and log-likelihood per
// token at the largest-compute run. ICL gain: metric(k shots) - metric(0 shots) at the
// largest-compute run.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "probes/probe_table.h"

namespace sl {
struct EmergenceOptions {
  double sharp_share = 0.5;         // a jump above this share of the range makes a curve sharp
  double min_range = 0.05;          // a curve whose range is below this is flat
  double decrease_tolerance = 0.1;  // smooth curves may go down by at most this share of the range
};

enum class CurveShape { kFlat, kSharp, kSmooth, kIrregular };
const char* curve_shape_name(CurveShape s);

struct CurveClass {
  CurveShape shape = CurveShape::kFlat;
  double range = 0;           // max - min
  double max_jump_share = 0;  // J / R (0 when R = 0)
  int jump_index = -1;        // the jump is between points jump_index and jump_index + 1
};
// values in increasing compute order; higher_is_better orients the curve.
CurveClass classify_curve(const std::vector<double>& values, bool higher_is_better,
                          const EmergenceOptions& o);

struct CurvePoint {
  std::string run_id;
  double flops = 0, params = 0, value = 0;
};
struct TaskCurves {
  std::string task;
  int difficulty = 0, shots = 0;
  std::map<std::string, std::vector<CurvePoint>> points;  // metric -> points in compute order
  std::map<std::string, CurveClass> classes;              // metric -> class
  std::string verdict;
};
struct SensitivityRow {
  std::string task;
  int difficulty = 0, shots = 0;
  std::string run_id;  // the largest-compute run
  double em_spread = 0, ll_spread = 0;
  int templates = 0;
};
struct IclGainRow {
  std::string task;
  int difficulty = 0, shots = 0;  // k
  std::string run_id;
  double em_gain = 0, ll_gain = 0;  // at k shots minus at 0 shots
};
struct EmergenceReport {
  int runs = 0;
  std::vector<TaskCurves> curves;
  std::vector<SensitivityRow> sensitivity;
  std::vector<IclGainRow> icl_gain;
};

EmergenceReport analyze_emergence(const std::vector<ProbeRow>& rows, const EmergenceOptions& o);
std::string format_emergence_report(const EmergenceReport& r, const EmergenceOptions& o);
nlohmann::json emergence_to_json(const EmergenceReport& r, const EmergenceOptions& o);
}  // namespace sl
