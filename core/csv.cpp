#include "core/csv.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace sl {
std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  return absl::StrFormat("%.10g", v);
}

std::string csv_cell(std::string s) {
  // One line per row (fit's reader counts lines): newlines become " | ".
  s = absl::StrReplaceAll(s, {{"\r\n", " | "}, {"\n", " | "}, {"\r", " "}});
  if (s.find_first_of(",\"") == std::string::npos) return s;
  return "\"" + absl::StrReplaceAll(s, {{"\"", "\"\""}}) + "\"";
}

std::string CsvWriter::str() const {
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) out += ",";
      out += csv_cell(cells[i]);
    }
    out += "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  return out;
}
}  // namespace sl
