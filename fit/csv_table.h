// A CSV table read whole into memory: a header row, then rows of string cells. Quoted cells
// ("a, b", "say ""hi""") follow RFC 4180. Cells stay strings; numeric_cell() parses on demand so a
// text column (run_id, status, reason) costs nothing and a bad number is reported with its row.
#pragma once
#include <string>
#include <vector>

#include "core/status.h"

namespace sl {
struct CsvTable {
  std::string path;                            // where it was read from (for error messages)
  std::vector<std::string> header;             // column names
  std::vector<std::vector<std::string>> rows;  // every row has header.size() cells

  bool has_column(const std::string& name) const;
  // Index of `name`, or an error naming the file, the column and the columns it does have.
  absl::StatusOr<int> column_index(const std::string& name,
                                   const std::string& flag_hint = "") const;
  // The cell at rows[row][col] as a finite double; empty cells and text are errors naming
  // file:line.
  absl::StatusOr<double> numeric_cell(size_t row, int col) const;
  // 1-based line number of a data row in the file (header is line 1).
  size_t line_of(size_t row) const { return row + 2; }
};

absl::StatusOr<CsvTable> parse_csv_table(const std::string& text, const std::string& path);
absl::StatusOr<CsvTable> read_csv_table(const std::string& path);
// Parses a whole cell as a finite double ("1e6", "3.2"); false for empty or trailing junk.
bool parse_double(const std::string& text, double* out);
}  // namespace sl
