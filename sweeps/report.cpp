#include "sweeps/report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_format.h"
#include "core/format.h"
#include "core/yaml_util.h"
#include "sweeps/run_store.h"
#include "train/train_config.h"

namespace sl {
namespace {
// Left-aligned text columns, numbers right-aligned.
std::string render(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      const bool left = i == 0 || i == 1 || r[i].empty() ||
                        !(std::isdigit(static_cast<unsigned char>(r[i][0])) || r[i][0] == '-');
      line += left ? absl::StrFormat("%-*s", static_cast<int>(width[i]), r[i])
                   : absl::StrFormat("%*s", static_cast<int>(width[i]), r[i]);
      if (i + 1 < r.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string fmt_loss(double v) { return std::isfinite(v) ? absl::StrFormat("%.4f", v) : "-"; }

// A dotted key's value in a run's canonical config, as the table shows it (whole numbers as they
// are, others to 4 digits).
std::string config_value_text(const TrainConfig& cfg, const std::string& dotted) {
  YAML::Node node = YAML::Load(train_config_to_yaml(cfg));
  size_t start = 0;
  while (node && node.IsMap()) {
    const size_t dot = dotted.find('.', start);
    node = node[dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start)];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (!node || !node.IsScalar()) return "-";
  int64_t whole = 0;
  if (YAML::convert<int64_t>::decode(node, whole)) return std::to_string(whole);
  try {
    return absl::StrFormat("%.4g", node.as<double>());
  } catch (const YAML::Exception&) {
    return node.Scalar();
  }
}
}  // namespace

std::string plan_table(const SweepPlan& plan, const TimeEstimate* est) {
  const char* conv = flops_convention_name(plan.convention);
  std::vector<std::vector<std::string>> rows{{"run", "shape", "N", "N_total", "D",
                                              absl::StrCat("C(", conv, ")"), "D/N", "epochs",
                                              "steps", "lr"}};
  // Each rule's resolved value per run (optim.lr has its own column).
  std::vector<std::string> rule_columns;
  for (const std::string& k : plan.rule_keys)
    if (k != "optim.lr") rule_columns.push_back(k);
  for (const std::string& k : rule_columns) rows[0].push_back(k);
  rows[0].push_back("est_time");
  rows[0].push_back("note");
  double total_c = 0;
  int64_t total_tokens = 0;
  for (const auto& r : plan.runs) {
    const double c = plan.convention == FlopsConvention::kKaplan6N            ? r.flops_6n
                     : plan.convention == FlopsConvention::kKaplan6NAttention ? r.flops_6n_attention
                                                                              : r.flops_chinchilla;
    const int64_t d = r.cfg.total_steps() * r.cfg.tokens_per_step();
    total_c += c;
    total_tokens += d - (r.branch_source.empty() ? 0 : r.branch_step * r.cfg.tokens_per_step());
    std::string note;
    if (!r.branch_source.empty()) note = absl::StrCat("branch at step ", r.branch_step);
    if (!r.snapshot_steps.empty())
      note = absl::StrCat("shared stable phase (", r.snapshot_steps.size(), " branches)");
    if (r.flops_budget > 0)
      note = absl::StrCat("budget ", absl::StrFormat("%.3g", r.flops_budget),
                          note.empty() ? "" : "; " + note);
    std::string t = "-";
    if (est) {
      auto it = est->run_seconds.find(r.id);
      if (it != est->run_seconds.end()) t = format_duration(it->second);
    }
    rows.push_back({r.id, r.cfg.model.shape_name(),
                    format_si(static_cast<double>(r.params_nonembedding)),
                    format_si(static_cast<double>(r.params_total)),
                    format_si(static_cast<double>(d)), absl::StrFormat("%.3g", c),
                    absl::StrFormat("%.1f", static_cast<double>(d) / r.params_nonembedding),
                    absl::StrFormat("%.2f", r.epochs), std::to_string(r.cfg.total_steps()),
                    absl::StrFormat("%.3g", r.cfg.optim.lr)});
    for (const std::string& k : rule_columns) rows.back().push_back(config_value_text(r.cfg, k));
    rows.back().push_back(t);
    rows.back().push_back(note);
  }
  std::string out = render(rows);
  out += absl::StrFormat("%d runs; %s tokens to train, total C(%s) %.3g", plan.runs.size(),
                         format_si(static_cast<double>(total_tokens)), conv, total_c);
  if (plan.share_stable_phase) {
    out += absl::StrFormat("; shared stable phases save %s tokens",
                           format_si(static_cast<double>(plan.tokens_saved())));
  }
  out += "\n";
  if (est) {
    out += absl::StrFormat("estimated time: %s of run time, about %s wall-clock (%s)\n",
                           format_duration(est->total_cpu_seconds),
                           format_duration(est->wall_seconds), est->method);
  }
  return out;
}

absl::StatusOr<std::string> status_table(const std::string& sweep_dir) {
  SL_ASSIGN_OR_RETURN(SweepPlan plan, read_plan(sweep_dir));
  std::vector<std::vector<std::string>> rows{
      {"run", "state", "shape", "D", "progress", "train_loss", "val_loss", "tok/s", "eta", "note"}};
  std::map<std::string, int> counts;
  std::string failures;  // the full reasons, which the table's note column cuts at 80 characters
  double eta_total = 0;
  for (const auto& r : plan.runs) {
    RunInfo info = inspect_run(sweep_dir, r, true);
    ++counts[run_state_name(info.state)];
    const double frac =
        info.total_steps > 0 ? static_cast<double>(info.step) / info.total_steps : 0;
    // An ETA only for a run being trained now: a partial run that nobody trains has none (its last
    // tok/s says when it would end had it gone on, which it did not).
    std::string eta = "-";
    if (info.state == RunState::kRunning && info.tokens_per_s > 0) {
      const double secs =
          static_cast<double>((info.total_steps - info.step) * r.cfg.tokens_per_step()) /
          info.tokens_per_s;
      eta = format_duration(secs);
      eta_total = std::max(eta_total, secs);  // they run side by side: the last one ends last
    }
    std::string note = info.state == RunState::kRunning ? info.lock_owner : info.reason;
    if (info.state == RunState::kPartial && note.empty())
      note = "not running: resumes when the sweep runs again";
    if (info.state == RunState::kFailed)
      failures += absl::StrCat("failed ", r.id, ": ", info.reason, "\n");
    if (note.size() > 80) note = note.substr(0, 77) + "...";
    rows.push_back({r.id, run_state_name(info.state), r.cfg.model.shape_name(),
                    format_si(static_cast<double>(r.cfg.train.tokens)),
                    absl::StrFormat("%d/%d (%.0f%%)", info.step, info.total_steps, 100 * frac),
                    fmt_loss(info.train_loss), fmt_loss(info.val_loss),
                    info.tokens_per_s > 0 ? format_si(info.tokens_per_s) : "-", eta, note});
  }
  std::string out = render(rows);
  std::string line = absl::StrFormat("%s: %d runs:", plan.name, plan.runs.size());
  for (const auto& [k, v] : counts) line += absl::StrFormat(" %d %s", v, k);
  if (eta_total > 0)
    line += absl::StrFormat("; the running runs end in about %s", format_duration(eta_total));
  out += line + "\n" + failures;
  return out;
}
}  // namespace sl
