// `scalelab report`'s page: one self-contained HTML file (no external files; plots are PNG data:
// URIs) from what the command gathered. Torch-free and file-free: the caller reads fit.json, the
// tables and the plots; this only escapes and lays them out, so tests can check the markup.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"

namespace sl {
struct ReportImage {
  std::string name;  // "loss_vs_flops"
  std::string png;   // the file's bytes
};

struct ReportTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  size_t rows_omitted = 0;  // rows left out to keep the page short
};

struct ReportPage {
  std::string sweep_name, sweep_dir;
  nlohmann::json fit;                  // fit.json (null: no fit)
  std::vector<std::string> fit_notes;  // why a law was skipped, or the fit failed
  ReportTable summary;                 // export's summary.csv
  std::vector<nlohmann::json> plans;   // make_plan's JSON, one per budget
  std::vector<std::string> plan_errors;
  ReportTable probes;                  // export's probes.csv (empty: no probes)
  std::string emergence;               // emergence.json's text, when present
  std::string sweep_yaml;              // the spec as given
  std::vector<std::string> overrides;  // plan.json's command-line overrides
  std::vector<ReportImage> images;
};

std::string html_escape(std::string_view text);
std::string base64_encode(std::string_view bytes);
std::string report_html(const ReportPage& page);
}  // namespace sl
