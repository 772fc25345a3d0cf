#include "fit/scaling_points.h"

#include "absl/strings/str_join.h"

namespace sl {
std::map<std::string, std::string> FitColumns::aliases() const {
  std::map<std::string, std::string> m{{"N", n_col}, {"loss", loss_col}, {"L", loss_col}};
  if (c_col.empty())
    m["D"] = d_col;
  else
    m["C"] = c_col;
  return m;
}

// The value at (row, col) must be a number > 0: sizes, token counts, FLOPs and losses all are.
static absl::StatusOr<double> positive_cell(const CsvTable& t, size_t row, int col) {
  SL_ASSIGN_OR_RETURN(double v, t.numeric_cell(row, col));
  if (!(v > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(t.path, ":", t.line_of(row), ": column '", t.header[col], "' is ", v,
                     " but must be > 0 (drop the row with --where '", t.header[col], ">0')"));
  }
  return v;
}

absl::StatusOr<ScalingData> scaling_data_from_table(CsvTable table, const FitColumns& cols,
                                                    const std::vector<RowFilter>& filters) {
  ScalingData data;
  data.path = table.path;
  data.rows_read = table.rows.size();
  SL_ASSIGN_OR_RETURN(std::vector<size_t> dropped,
                      apply_row_filters(filters, cols.aliases(), &table));
  for (size_t i = 0; i < filters.size(); ++i) {
    if (dropped[i] > 0)
      data.notes.push_back(
          absl::StrCat("--where '", filters[i].text, "' dropped ", dropped[i], " rows"));
  }
  if (table.has_column("status")) {
    SL_ASSIGN_OR_RETURN(int status_col, table.column_index("status"));
    std::map<std::string, size_t> not_done;
    std::vector<std::vector<std::string>> kept;
    for (auto& row : table.rows) {
      if (row[status_col] == "done")
        kept.push_back(std::move(row));
      else
        ++not_done[row[status_col].empty() ? "(empty)" : row[status_col]];
    }
    table.rows = std::move(kept);
    for (const auto& [status, count] : not_done)
      data.notes.push_back(
          absl::StrCat("dropped ", count, " rows whose status is ", status, " (not done)"));
  }
  SL_ASSIGN_OR_RETURN(int n_col, table.column_index(cols.n_col, "--n-col"));
  // curves.csv's names work on summary.csv too: --loss-col val_bpb reads final_val_bpb.
  const std::string loss_name =
      !table.has_column(cols.loss_col) && table.has_column("final_" + cols.loss_col)
          ? "final_" + cols.loss_col
          : cols.loss_col;
  SL_ASSIGN_OR_RETURN(int loss_col, table.column_index(loss_name, "--loss-col"));
  int d_col = -1, c_col = -1;
  if (cols.c_col.empty()) {
    SL_ASSIGN_OR_RETURN(d_col,
                        table.column_index(cols.d_col, "--d-col, or give compute with --c-col"));
  } else {
    SL_ASSIGN_OR_RETURN(c_col, table.column_index(cols.c_col, "--c-col"));
  }
  int run_col = table.has_column(cols.run_col) ? *table.column_index(cols.run_col) : -1;
  int budget_col = table.has_column(cols.budget_col) ? *table.column_index(cols.budget_col) : -1;
  int epochs_col = table.has_column("epochs") ? *table.column_index("epochs") : -1;
  int seed_col = table.has_column("seed") ? *table.column_index("seed") : -1;
  // The columns that tell two runs of one N and D apart other than by their seed (export's run
  // columns: the fixed ones and one per varying config key, which are the dotted names).
  std::vector<int> cell_cols;
  for (size_t c = 0; c < table.header.size(); ++c) {
    const std::string& h = table.header[c];
    if (h == "shape" || h == "peak_lr" || h == "batch_size" || h == "ctx" || h == "vocab" ||
        h == "schedule" || h == "name" || (h.find('.') != std::string::npos && h != "train.seed"))
      cell_cols.push_back(static_cast<int>(c));
  }
  data.has_budget = budget_col >= 0;  // and every row has a value (below)
  for (size_t r = 0; r < table.rows.size(); ++r) {
    ScalingPoint p;
    SL_ASSIGN_OR_RETURN(p.n, positive_cell(table, r, n_col));
    SL_ASSIGN_OR_RETURN(p.loss, positive_cell(table, r, loss_col));
    if (c_col >= 0) {
      SL_ASSIGN_OR_RETURN(p.c, positive_cell(table, r, c_col));
      p.d = p.c / (6.0 * p.n);
    } else {
      SL_ASSIGN_OR_RETURN(p.d, positive_cell(table, r, d_col));
      p.c = 6.0 * p.n * p.d;
    }
    // An empty budget cell is a run from a non-IsoFLOP sweep, not an error.
    if (budget_col >= 0 && !table.rows[r][budget_col].empty()) {
      SL_ASSIGN_OR_RETURN(p.budget, positive_cell(table, r, budget_col));
    }
    if (p.budget == 0) data.has_budget = false;
    if (run_col >= 0) p.run_id = table.rows[r][run_col];
    if (seed_col >= 0 && !table.rows[r][seed_col].empty()) {
      SL_ASSIGN_OR_RETURN(double seed, table.numeric_cell(r, seed_col));
      p.seed = static_cast<int>(seed);
    }
    for (int c : cell_cols) absl::StrAppend(&p.cell, table.rows[r][c], "|");
    if (epochs_col >= 0 && !table.rows[r][epochs_col].empty()) {
      SL_ASSIGN_OR_RETURN(p.epochs, positive_cell(table, r, epochs_col));
    }
    data.points.push_back(std::move(p));
  }
  if (budget_col >= 0 && !data.has_budget && !data.points.empty()) {
    data.notes.push_back(
        absl::StrCat("column '", cols.budget_col,
                     "' is empty in some rows: IsoFLOP budgets are grouped by C instead"));
  }
  return data;
}
}  // namespace sl
