#include "fit/envelope.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

namespace sl {
absl::StatusOr<CurveData> curve_data_from_table(CsvTable table, const CurveColumns& cols,
                                                const std::vector<RowFilter>& filters) {
  CurveData data;
  data.path = table.path;
  data.rows_read = table.rows.size();
  std::map<std::string, std::string> aliases{
      {"N", cols.n_col}, {"C", cols.c_col}, {"loss", cols.loss_col}, {"L", cols.loss_col}};
  SL_ASSIGN_OR_RETURN(std::vector<size_t> dropped, apply_row_filters(filters, aliases, &table));
  for (size_t i = 0; i < filters.size(); ++i)
    if (dropped[i] > 0)
      data.notes.push_back(
          absl::StrCat("--where '", filters[i].text, "' dropped ", dropped[i], " rows"));
  SL_ASSIGN_OR_RETURN(
      int run_col, table.column_index(cols.run_col, "--run-col (the envelope reads curves.csv)"));
  SL_ASSIGN_OR_RETURN(int n_col, table.column_index(cols.n_col, "--n-col"));
  SL_ASSIGN_OR_RETURN(int c_col, table.column_index(cols.c_col, "--c-col"));
  SL_ASSIGN_OR_RETURN(
      int loss_col,
      table.column_index(cols.loss_col, "--loss-col (the envelope reads curves.csv)"));
  std::map<std::string, size_t> index;
  size_t no_loss = 0, zero_c = 0;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    if (row[loss_col].empty()) {
      ++no_loss;
      continue;
    }
    SL_ASSIGN_OR_RETURN(double loss, table.numeric_cell(r, loss_col));
    SL_ASSIGN_OR_RETURN(double c, table.numeric_cell(r, c_col));
    SL_ASSIGN_OR_RETURN(double n, table.numeric_cell(r, n_col));
    if (c <= 0) {
      ++zero_c;
      continue;
    }
    if (!(loss > 0) || !(n > 0)) {
      return absl::InvalidArgumentError(absl::StrCat(table.path, ":", table.line_of(r), ": ",
                                                     loss > 0 ? cols.n_col : cols.loss_col,
                                                     " must be > 0 (drop the row with --where)"));
    }
    auto [it, added] = index.emplace(row[run_col], data.runs.size());
    if (added) data.runs.push_back(RunCurve{row[run_col], n, {}, {}});
    RunCurve& run = data.runs[it->second];
    if (run.n != n) {
      return absl::InvalidArgumentError(absl::StrCat(table.path, ":", table.line_of(r), ": run ",
                                                     run.run_id, " has two values of ", cols.n_col,
                                                     " (", run.n, " and ", n, ")"));
    }
    run.c.push_back(c);
    run.loss.push_back(loss);
    ++data.points;
  }
  if (no_loss)
    data.notes.push_back(
        absl::StrCat("skipped ", no_loss, " rows with no ", cols.loss_col, " (not eval points)"));
  if (zero_c)
    data.notes.push_back(
        absl::StrCat("skipped ", zero_c, " rows with ", cols.c_col, " = 0 (step 0)"));
  for (auto& run : data.runs) {
    std::vector<size_t> order(run.c.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return run.c[a] < run.c[b]; });
    RunCurve sorted{run.run_id, run.n, {}, {}};
    for (size_t i : order) {
      sorted.c.push_back(run.c[i]);
      sorted.loss.push_back(run.loss[i]);
    }
    run = std::move(sorted);
  }
  return data;
}

// Loss of `run` at compute c, linear in log c between its logged points; NaN outside its range.
static double interpolate_loss(const RunCurve& run, double c) {
  if (run.c.empty() || c < run.c.front() || c > run.c.back()) return std::nan("");
  auto hi = std::lower_bound(run.c.begin(), run.c.end(), c);
  size_t j = static_cast<size_t>(hi - run.c.begin());
  if (run.c[j] == c || j == 0) return run.loss[j];
  double t = std::log(c / run.c[j - 1]) / std::log(run.c[j] / run.c[j - 1]);
  return run.loss[j - 1] + t * (run.loss[j] - run.loss[j - 1]);
}

absl::StatusOr<EnvelopeFit> fit_envelope(const CurveData& data, const EnvelopeOptions& opt) {
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const auto& run : data.runs) {
    if (run.c.empty()) continue;
    lo = std::min(lo, run.c.front());
    hi = std::max(hi, run.c.back());
  }
  if (data.runs.size() < 2 || !(hi > lo) || opt.grid_points < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(data.path,
                     ": the envelope needs curves of at least 2 runs with "
                     "eval points at more than one FLOP count; got ",
                     data.runs.size(), " runs, ", data.points, " points"));
  }
  EnvelopeFit fit;
  std::set<double> sizes;
  std::vector<double> flops, n_opt, d_opt;
  double frontier = std::numeric_limits<double>::infinity();
  for (int g = 0; g < opt.grid_points; ++g) {
    double c = lo * std::pow(hi / lo, static_cast<double>(g) / (opt.grid_points - 1));
    EnvelopePoint best;
    best.loss = std::numeric_limits<double>::infinity();
    for (const auto& run : data.runs) {
      double l = interpolate_loss(run, c);
      if (l < best.loss) best = EnvelopePoint{c, l, run.n, c / (6 * run.n), run.run_id};
    }
    if (!std::isfinite(best.loss)) continue;
    if (best.loss > frontier) {  // more compute, worse loss: not compute-optimal
      ++fit.above_frontier;
      continue;
    }
    frontier = best.loss;
    fit.envelope.push_back(best);
    sizes.insert(best.n);
    flops.push_back(best.flops);
    n_opt.push_back(best.n);
    d_opt.push_back(best.d);
  }
  fit.distinct_sizes = sizes.size();
  if (sizes.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(data.path, ": one size (N=", *sizes.begin(),
                     ") is best at every FLOP count, so N_opt(C) has no slope; "
                     "train larger models for longer"));
  }
  fit.n_opt_line = fit_loglog_line(flops, n_opt);
  fit.d_opt_line = fit_loglog_line(flops, d_opt);
  return fit;
}
}  // namespace sl
