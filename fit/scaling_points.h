// From a table (export's summary.csv, or any CSV) to the points a fit uses: model size N, data D,
// compute C and loss per row. Columns are chosen by name (FitColumns); with c_col set, D = C / (6
// N) (the 6ND convention the laws are stated in). Rows whose `status` column (when the table has
// one) is not "done" are dropped with a note; non-positive or missing values are errors that name
// the row.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "fit/csv_table.h"
#include "fit/row_filter.h"

namespace sl {
struct FitColumns {
  std::string n_col = "params_nonembedding";
  std::string d_col = "tokens";  // used unless c_col is set
  std::string c_col;             // when set, D = C / (6 N)
  std::string loss_col = "final_val_loss";
  std::string run_col = "run_id";           // optional: labels points in fit.json and plots
  std::string budget_col = "flops_budget";  // optional: IsoFLOP groups (see isoflop.h)
  // N/D/C/loss -> the columns above, for --where.
  std::map<std::string, std::string> aliases() const;
};

struct ScalingPoint {
  double n = 0, d = 0, c = 0, loss = 0;
  double budget = 0;   // the budget column's value, 0 when the table has none
  double epochs = 0;   // passes over the run's unique tokens (the epochs column), 0 when absent
  std::string run_id;  // empty when the table has no run column
  int seed = -1;       // the seed column's value, -1 when absent
  // The run's configuration apart from its seed (the shape, lr, batch and every varying config key
  // of the export: its dotted columns): runs with equal n, d and cell are repeats of one run.
  std::string cell;
};

struct ScalingData {
  std::string path;
  std::vector<ScalingPoint> points;
  size_t rows_read = 0;
  std::vector<std::string> notes;  // what was dropped and why, for the user
  bool has_budget = false;         // the budget column exists and every row has a value in it
};

// Reads the points; `filters` apply first, then the status filter.
absl::StatusOr<ScalingData> scaling_data_from_table(CsvTable table, const FitColumns& cols,
                                                    const std::vector<RowFilter>& filters);
}  // namespace sl
