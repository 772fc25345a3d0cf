// Reading probes.jsonl files into rows; the long CSV forms.
#include "probes/probe_table.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "core/csv.h"
#include "core/files.h"
#include "core/run_paths.h"
#include "nlohmann/json.hpp"
#include "probes/metrics.h"

namespace sl {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
absl::Status read_run_rows(const fs::path& run_dir, std::vector<ProbeRow>* out) {
  const fs::path path = RunPaths(run_dir.string()).probes();
  std::ifstream in(path);
  std::string line;
  int lineno = 0;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  for (const auto& text : lines) {
    ++lineno;
    if (text.empty()) continue;
    json r = json::parse(text, nullptr, false);
    if (r.is_discarded()) {
      if (lineno == static_cast<int>(lines.size()))
        break;  // a torn last line from a crash mid-write
      return absl::DataLossError(
          absl::StrCat(path.string(), ":", lineno, ": not a JSON object; delete the line"));
    }
    ProbeRow row;
    row.run_id = run_dir.filename().string();
    try {
      row.step = r.at("step").get<int64_t>();
      row.tokens = r.at("tokens").get<int64_t>();
      row.flops = r.at("flops_6n").get<double>();
      row.params = r.at("params_nonembedding").get<double>();
      row.task = r.at("task").get<std::string>();
      row.difficulty = r.at("difficulty").get<int>();
      row.shots = r.at("shots").get<int>();
      row.template_id = r.at("template").get<int>();
      for (const auto& m : probe_metric_names()) row.metrics[m] = r.at(m).get<double>();
      if (r.contains("reliability"))
        row.reliability = r.at("reliability").get<std::vector<std::vector<double>>>();
    } catch (const json::exception& e) {
      return absl::DataLossError(absl::StrCat(path.string(), ":", lineno, ": ", e.what()));
    }
    out->push_back(std::move(row));
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<std::vector<ProbeRow>> read_probe_rows(const std::string& dir) {
  std::vector<fs::path> runs;
  if (auto dirs = run_dirs_of(dir); dirs.ok()) {
    for (const auto& d : *dirs)
      if (path_exists(RunPaths(d).probes())) runs.emplace_back(d);
  }
  if (runs.empty()) {
    return absl::NotFoundError(absl::StrCat(
        dir, " has no probe results (no probes.jsonl in it or in runs/*/); run `scalelab probe ",
        dir,
        "`, or add a probes: section (tasks: [...]) to the train config so runs probe at eval "
        "points"));
  }
  std::vector<ProbeRow> rows;
  for (const auto& r : runs) SL_RETURN_IF_ERROR(read_run_rows(r, &rows));
  return rows;
}

std::string probes_csv(const std::vector<ProbeRow>& rows) {
  CsvWriter w;
  w.header = {"run_id",     "step",  "tokens",   "flops",  "params", "task",
              "difficulty", "shots", "template", "metric", "value"};
  for (const auto& r : rows)
    for (const auto& m : probe_metric_names())
      w.rows.push_back({r.run_id, std::to_string(r.step), std::to_string(r.tokens),
                        csv_number(r.flops), csv_number(r.params), r.task,
                        std::to_string(r.difficulty), std::to_string(r.shots),
                        std::to_string(r.template_id), m, csv_number(r.metrics.at(m))});
  return w.str();
}

std::string reliability_csv(const std::vector<ProbeRow>& rows) {
  CsvWriter w;
  w.header = {"run_id",   "step", "flops", "params", "task",       "difficulty", "shots",
              "template", "lo",   "hi",    "count",  "confidence", "accuracy"};
  for (const auto& r : rows)
    for (const auto& b : r.reliability) {
      if (b.size() != 5 || b[2] <= 0) continue;
      w.rows.push_back({r.run_id, std::to_string(r.step), csv_number(r.flops), csv_number(r.params),
                        r.task, std::to_string(r.difficulty), std::to_string(r.shots),
                        std::to_string(r.template_id), csv_number(b[0]), csv_number(b[1]),
                        csv_number(b[2]), csv_number(b[3]), csv_number(b[4])});
    }
  return w.str();
}

absl::Status export_probes_csv(const std::string& dir, const std::string& out_path) {
  SL_ASSIGN_OR_RETURN(std::vector<ProbeRow> rows, read_probe_rows(dir));
  return write_file_atomic(out_path, probes_csv(rows));
}
}  // namespace sl
