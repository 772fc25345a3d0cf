// --where filters: 'COLUMN OP VALUE' with OP one of < <= > >= == !=, e.g. 'final_val_loss<4',
// 'params_nonembedding>=1e6', 'shape!=L2-d64-h2'. A number VALUE compares numerically (a row whose
// cell is empty or text fails the test); any other VALUE compares as text with == and != only.
// The names N, D, C and loss stand for the columns the fit reads (see FitColumns), unless the table
// has a column of that exact name. Several filters must all hold.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "fit/csv_table.h"

namespace sl {
struct RowFilter {
  std::string text;    // as the user wrote it
  std::string column;  // resolved against the table by apply_row_filters
  std::string op;      // "<", "<=", ">", ">=", "==", "!="
  std::string value;
  bool numeric = false;
  double number = 0;
};

absl::StatusOr<RowFilter> parse_row_filter(const std::string& text);

// Keeps the rows passing every filter; `aliases` maps N/D/C/loss to column names. Returns how many
// rows each filter dropped (in filter order, a row counted at the first filter it fails).
absl::StatusOr<std::vector<size_t>> apply_row_filters(
    const std::vector<RowFilter>& filters, const std::map<std::string, std::string>& aliases,
    CsvTable* table);
}  // namespace sl
