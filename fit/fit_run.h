// `scalelab fit` as a library call: options in, every requested law fitted, a JSON document (what
// fit.json holds: estimates, intervals, the data used, the options) and a readable table out. The
// CLI only parses flags into FitRequest and prints; tests call run_fit directly.
#pragma once
#include <string>
#include <vector>

#include "fit/bootstrap.h"
#include "fit/envelope.h"
#include "fit/isoflop.h"
#include "fit/kaplan.h"
#include "nlohmann/json.hpp"

namespace sl {
struct FitRequest {
  std::string input;  // a CSV, or a directory holding export's summary.csv / curves.csv
  std::string
      curves;  // curves.csv for the envelope; default: the input (law envelope) or its sibling
  std::string law = "chinchilla";  // chinchilla | isoflop | envelope | kaplan | all
  FitColumns columns;
  bool loss_col_given = false;  // else summary uses final_val_loss and curves val_loss
  bool c_col_given = false;     // else the envelope uses flops_6n
  std::vector<std::string> where;
  int bootstrap = 1000;  // 0: no intervals
  uint64_t seed = 0;
  double level = 0.95;
  bool bootstrap_full_grid = false;
  // chinchilla's bootstrap: "noise" (parametric, at the larger of the seed noise and the residual
  // sd) or "points" (resample runs); see fit/bootstrap.h.
  std::string bootstrap_mode = "noise";
  double seed_noise = -1;  // sd of log loss between seeds, measured elsewhere (-1: from the data)
  double budget_tolerance = 0.1;
  int isoflop_window = 1;  // IsoflopOptions::window
  int envelope_points = 200;
  int threads = 1;
};

struct FitReport {
  nlohmann::json json;
  std::string table;               // human-readable, for stdout
  std::vector<std::string> notes;  // dropped rows, skipped laws: for stderr
};

absl::StatusOr<FitReport> run_fit(const FitRequest& request);
// The laws `law` names, checked ("all" -> every law).
absl::StatusOr<std::vector<std::string>> laws_for(const std::string& law);
}  // namespace sl
