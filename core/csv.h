// Writing CSV that pandas.read_csv and fit/csv_table read as it is: RFC 4180 quoting (a cell with a
// comma or a quote is quoted, quotes doubled), one line per row (newlines in a cell become " | ").
#pragma once
#include <string>
#include <vector>

namespace sl {
// A CSV being built: a header, then rows of cells (escaped on write).
struct CsvWriter {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string str() const;
};
std::string csv_cell(std::string s);  // one cell, quoted when it must be
std::string csv_number(double v);     // "%.10g", "" for NaN/inf
}  // namespace sl
