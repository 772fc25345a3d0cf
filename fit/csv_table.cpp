#include "fit/csv_table.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_join.h"
#include "core/files.h"

namespace sl {
bool parse_double(const std::string& text, double* out) {
  size_t b = text.find_first_not_of(" \t");
  if (b == std::string::npos) return false;
  const char* start = text.c_str() + b;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(start, &end);
  if (end == start || errno == ERANGE || !std::isfinite(v)) return false;
  while (*end == ' ' || *end == '\t') ++end;
  if (*end != '\0') return false;
  *out = v;
  return true;
}

bool CsvTable::has_column(const std::string& name) const {
  for (const auto& h : header)
    if (h == name) return true;
  return false;
}

absl::StatusOr<int> CsvTable::column_index(const std::string& name,
                                           const std::string& flag_hint) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  std::string hint =
      flag_hint.empty() ? "" : absl::StrCat(" (choose another with ", flag_hint, ")");
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": no column '", name, "'", hint, "; its columns are: ", absl::StrJoin(header, ", ")));
}

absl::StatusOr<double> CsvTable::numeric_cell(size_t row, int col) const {
  const std::string& cell = rows[row][static_cast<size_t>(col)];
  double v = 0;
  if (!parse_double(cell, &v)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", line_of(row), ": column '",
                                                   header[col], "' holds '", cell,
                                                   "', not a number (drop the row with --where)"));
  }
  return v;
}

// Splits the text into records of cells; a quoted cell may hold commas, quotes ("") and newlines.
static absl::Status split_records(const std::string& text, const std::string& path,
                                  std::vector<std::vector<std::string>>* records) {
  std::vector<std::string> record;
  std::string cell;
  bool in_quotes = false, cell_started = false;
  size_t line = 1;
  auto end_record = [&] {
    record.push_back(cell);
    bool blank = record.size() == 1 && record[0].empty();
    if (!blank) records->push_back(record);
    record.clear();
    cell.clear();
    cell_started = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (in_quotes) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (ch == '"') {
        in_quotes = false;
      } else {
        if (ch == '\n') ++line;
        cell += ch;
      }
    } else if (ch == '"' && !cell_started) {
      in_quotes = cell_started = true;
    } else if (ch == ',') {
      record.push_back(cell);
      cell.clear();
      cell_started = false;
    } else if (ch == '\n') {
      end_record();
      ++line;
    } else if (ch != '\r') {
      cell += ch;
      cell_started = true;
    }
  }
  if (in_quotes)
    return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": unterminated quoted cell"));
  if (cell_started || !record.empty()) end_record();
  return absl::OkStatus();
}

absl::StatusOr<CsvTable> parse_csv_table(const std::string& text, const std::string& path) {
  std::vector<std::vector<std::string>> records;
  SL_RETURN_IF_ERROR(split_records(text, path, &records));
  if (records.empty())
    return absl::InvalidArgumentError(absl::StrCat(path, ": empty file, expected a header row"));
  CsvTable t;
  t.path = path;
  t.header = records[0];
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != t.header.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": row ", r + 1, " has ", records[r].size(),
                       " cells but the header has ", t.header.size()));
    }
    t.rows.push_back(std::move(records[r]));
  }
  return t;
}

absl::StatusOr<CsvTable> read_csv_table(const std::string& path) {
  SL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_csv_table(text, path);
}
}  // namespace sl
