#include "train/coord_check.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_format.h"
#include "model/gpt.h"
#include "train/train_step.h"

namespace sl {
absl::StatusOr<GptConfig> coord_check_model(const GptConfig& base, int width) {
  if (width < 1) return absl::InvalidArgumentError(absl::StrCat("width ", width, " must be >= 1"));
  GptConfig c = base;
  if (c.mup() && c.base_width == 0) c.base_width = base.d_model;
  c.d_model = width;
  if (base.d_ff > 0) {
    c.d_ff = static_cast<int>(std::lround(static_cast<double>(base.d_ff) * width / base.d_model));
    c.d_ff = std::max(1, c.d_ff);
  }
  if (auto err = check_gpt_config(c)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "width %d: model.%s: %s (the coordinate check holds n_head fixed; choose widths that "
        "n_head divides)",
        width, err->key, err->message));
  }
  return c;
}

namespace {
// RMS of every traced activation of `model` on `batch`, in eval mode without gradients.
std::vector<std::pair<std::string, double>> measure(Gpt& model, const Batch& batch) {
  torch::NoGradGuard no_grad;
  model->eval();
  GptImpl::Trace trace;
  model->forward(batch.x, &trace);
  model->train();
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [name, x] : trace)
    out.emplace_back(name, x.to(torch::kDouble).square().mean().sqrt().item<double>());
  return out;
}
}  // namespace

absl::StatusOr<std::vector<CoordCheckRow>> run_coord_check(
    const TrainConfig& cfg, const std::vector<int>& widths, int steps,
    const std::function<Batch(int)>& batches) {
  if (widths.size() < 2)
    return absl::InvalidArgumentError("give at least two widths (e.g. 32,64,128,256)");
  if (steps < 1) return absl::InvalidArgumentError(absl::StrCat("steps must be >= 1, got ", steps));
  std::vector<GptConfig> models;  // every width checked before any training
  for (int w : widths) {
    SL_ASSIGN_OR_RETURN(GptConfig m, coord_check_model(cfg.model, w));
    models.push_back(m);
  }
  std::vector<CoordCheckRow> rows;
  const Batch probe = batches(0);
  for (size_t i = 0; i < widths.size(); ++i) {
    const int w = widths[i];
    TrainConfig c = cfg;
    c.model = models[i];
    Trainable t = init_trainable(c, torch::kCPU);
    StepSetup setup;
    setup.device = torch::kCPU;
    setup.grad_clip = c.optim.grad_clip;
    auto loss_acc = torch::zeros({}, torch::kDouble);
    for (int step = 0; step <= steps; ++step) {
      if (step > 0) {
        train_step(
            t.model, t.flat, t.optimizer, setup, [&](int) { return batches(step - 1); }, c.optim.lr,
            loss_acc);
      }
      for (const auto& [module, rms] : measure(t.model, probe))
        rows.push_back({w, step, module, rms});
    }
  }
  return rows;
}

absl::StatusOr<double> coord_check_growth(const std::vector<CoordCheckRow>& rows,
                                          const std::string& module, int step) {
  const CoordCheckRow *lo = nullptr, *hi = nullptr;
  for (const CoordCheckRow& r : rows) {
    if (r.module != module || r.step != step) continue;
    if (!lo || r.width < lo->width) lo = &r;
    if (!hi || r.width > hi->width) hi = &r;
  }
  if (!lo || lo == hi) {
    return absl::NotFoundError(
        absl::StrCat("no two widths measured '", module, "' at step ", step));
  }
  return hi->rms / lo->rms;
}

std::string coord_check_csv(const std::vector<CoordCheckRow>& rows) {
  std::string out = "width,step,module,rms\n";
  for (const CoordCheckRow& r : rows)
    out += absl::StrFormat("%d,%d,%s,%.6g\n", r.width, r.step, r.module, r.rms);
  return out;
}

std::string coord_check_table(const std::vector<CoordCheckRow>& rows) {
  // module -> width -> step -> rms, modules in the order the forward pass met them.
  std::vector<std::string> modules;
  std::map<std::string, std::map<int, std::map<int, double>>> v;
  std::set<int> steps;
  for (const CoordCheckRow& r : rows) {
    if (std::find(modules.begin(), modules.end(), r.module) == modules.end())
      modules.push_back(r.module);
    v[r.module][r.width][r.step] = r.rms;
    steps.insert(r.step);
  }
  std::string out = absl::StrFormat("%-10s %6s", "module", "width");
  for (int s : steps) out += absl::StrFormat(" %9s", absl::StrCat("step ", s));
  out += "\n";
  for (const std::string& m : modules) {
    for (const auto& [w, by_step] : v[m]) {
      out += absl::StrFormat("%-10s %6d", m, w);
      for (int s : steps) {
        auto it = by_step.find(s);
        out += it == by_step.end() ? absl::StrFormat(" %9s", "-")
                                   : absl::StrFormat(" %9.4g", it->second);
      }
      out += "\n";
    }
  }
  return out;
}
}  // namespace sl
