#include "fit/probe_summary.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "core/format.h"

namespace sl {
namespace {
struct CellKey {  // one row of the summary
  double params;
  std::string params_text;  // as written (12384, not 1.2384e+04)
  std::string run_id, task;
  int64_t difficulty, shots;
  bool operator<(const CellKey& o) const {
    return std::tie(params, run_id, task, difficulty, shots) <
           std::tie(o.params, o.run_id, o.task, o.difficulty, o.shots);
  }
};
struct Mean {
  double sum = 0;
  int n = 0;
};
}  // namespace

absl::StatusOr<ProbeSummary> summarize_probes(const CsvTable& t) {
  std::map<std::string, int> col;
  for (const char* name :
       {"run_id", "step", "tokens", "params", "task", "difficulty", "shots", "metric", "value"}) {
    SL_ASSIGN_OR_RETURN(col[name], t.column_index(name));
  }
  auto num = [&](size_t r, const char* name) { return t.numeric_cell(r, col[name]); };
  // Each run's last step, and its tokens there.
  // run_id -> (step, tokens as written)
  std::map<std::string, std::pair<double, std::string>> last;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    SL_ASSIGN_OR_RETURN(double step, num(r, "step"));
    const std::string& tokens = t.rows[r][col["tokens"]];
    auto [it, fresh] = last.try_emplace(t.rows[r][col["run_id"]], step, tokens);
    if (!fresh && step > it->second.first) it->second = {step, tokens};
  }
  std::vector<std::string> metrics;  // in first-seen order, as the probes wrote them
  std::map<CellKey, std::map<std::string, Mean>> cells;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    SL_ASSIGN_OR_RETURN(double step, num(r, "step"));
    if (step != last[row[col["run_id"]]].first) continue;
    SL_ASSIGN_OR_RETURN(double params, num(r, "params"));
    SL_ASSIGN_OR_RETURN(double difficulty, num(r, "difficulty"));
    SL_ASSIGN_OR_RETURN(double shots, num(r, "shots"));
    SL_ASSIGN_OR_RETURN(double value, num(r, "value"));
    const std::string& metric = row[col["metric"]];
    if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end())
      metrics.push_back(metric);
    Mean& m = cells[{params, row[col["params"]], row[col["run_id"]], row[col["task"]],
                     static_cast<int64_t>(difficulty), static_cast<int64_t>(shots)}][metric];
    m.sum += value;
    ++m.n;
  }
  ProbeSummary out;
  out.header = {"run_id", "params", "tokens", "task", "difficulty", "shots"};
  out.header.insert(out.header.end(), metrics.begin(), metrics.end());
  for (const auto& [key, by_metric] : cells) {
    std::vector<std::string> row{key.run_id,
                                 key.params_text,
                                 last[key.run_id].second,
                                 key.task,
                                 std::to_string(key.difficulty),
                                 std::to_string(key.shots)};
    for (const auto& metric : metrics) {
      auto it = by_metric.find(metric);
      row.push_back(it == by_metric.end() ? "" : format_shortest(it->second.sum / it->second.n));
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}
}  // namespace sl
