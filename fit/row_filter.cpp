#include "fit/row_filter.h"

#include "absl/strings/ascii.h"
#include "core/yaml_util.h"

namespace sl {
absl::StatusOr<RowFilter> parse_row_filter(const std::string& text) {
  static const char* kOps[] = {"<=", ">=", "==", "!=", "<", ">"};  // two-character ops first
  for (const char* op : kOps) {
    size_t at = text.find(op);
    if (at == std::string::npos) continue;
    RowFilter f;
    f.text = text;
    f.op = op;
    f.column = std::string(absl::StripAsciiWhitespace(text.substr(0, at)));
    f.value = std::string(absl::StripAsciiWhitespace(text.substr(at + f.op.size())));
    if (f.column.empty() || f.value.empty()) break;
    // Numbers as the spec writes them too: 150k, 2M, 1e13.
    f.numeric = parse_double(f.value, &f.number);
    if (!f.numeric) {
      auto count = parse_count(f.value);
      if (count.ok()) f.numeric = true, f.number = *count;
    }
    if (!f.numeric && f.op != "==" && f.op != "!=") {
      return absl::InvalidArgumentError(
          absl::StrCat("--where '", text, "': '", f.value,
                       "' is not a number (e.g. 0.5, 150k, 2M, 1e13), so only == and != apply"));
    }
    return f;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--where '", text,
                   "': expected COLUMN OP VALUE with OP one of < <= > >= == != (e.g. 'loss<4')"));
}

static bool compare_numbers(double a, const std::string& op, double b) {
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  if (op == ">=") return a >= b;
  if (op == "==") return a == b;
  return a != b;
}

absl::StatusOr<std::vector<size_t>> apply_row_filters(
    const std::vector<RowFilter>& filters, const std::map<std::string, std::string>& aliases,
    CsvTable* table) {
  std::vector<int> cols;
  for (const auto& f : filters) {
    std::string name = f.column;
    auto alias = aliases.find(name);
    if (!table->has_column(name) && alias != aliases.end()) name = alias->second;
    auto col = table->column_index(name);
    if (!col.ok()) return annotate(col.status(), absl::StrCat("--where '", f.text, "'"));
    cols.push_back(*col);
  }
  std::vector<size_t> dropped(filters.size(), 0);
  std::vector<std::vector<std::string>> kept;
  for (auto& row : table->rows) {
    bool keep = true;
    for (size_t i = 0; i < filters.size() && keep; ++i) {
      const RowFilter& f = filters[i];
      const std::string& cell = row[static_cast<size_t>(cols[i])];
      double v = 0;
      if (f.numeric)
        keep = parse_double(cell, &v) && compare_numbers(v, f.op, f.number);
      else
        keep = (cell == f.value) == (f.op == "==");
      if (!keep) ++dropped[i];
    }
    if (keep) kept.push_back(std::move(row));
  }
  table->rows = std::move(kept);
  return dropped;
}
}  // namespace sl
