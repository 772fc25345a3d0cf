#include "fit/fit_table.h"

#include <cmath>

#include "absl/strings/str_format.h"

namespace sl {
std::string chinchilla_table(const ChinchillaFit& fit, size_t points, const BootstrapResult* boot) {
  const ChinchillaParams& p = fit.params;
  std::string s = absl::StrFormat(
      "chinchilla (approach 3): L(N, D) = E + A / N^alpha + B / D^beta\n"
      "  %zu points; Huber delta %g on log residuals; L-BFGS from %zu starts (%zu converged)\n",
      points, kHuberDelta, fit.starts, fit.converged_starts);
  if (boot) {
    s += absl::StrFormat("  bootstrap: %d resamples, seed %d, %d failed\n", boot->options.samples,
                         boot->options.seed, boot->failed);
    s += absl::StrFormat("  %-24s %12s %12s   %.0f%% interval\n", "", "estimate", "SE",
                         100 * boot->options.level);
  } else {
    s += absl::StrFormat("  %-24s %12s\n", "", "estimate");
  }
  const auto values = chinchilla_quantities(p);
  const auto& names = chinchilla_quantity_names();
  const char* labels[] = {"E (irreducible)",
                          "A",
                          "B",
                          "alpha (N exponent)",
                          "beta (D exponent)",
                          "a = beta/(alpha+beta)",
                          "b = alpha/(alpha+beta)"};
  for (size_t j = 0; j < names.size(); ++j) {
    s += absl::StrFormat("  %-24s %12.5g", labels[j], values[j]);
    if (boot) {
      const auto& q = boot->summary.at(names[j]);
      s += absl::StrFormat(" %12.3g   [%.5g, %.5g]", q.se, q.low, q.high);
    }
    s += "\n";
  }
  double ss = 0, worst = 0;
  for (double r : fit.residuals) {
    ss += r * r;
    worst = std::max(worst, std::fabs(r));
  }
  s += absl::StrFormat("  residuals (log L-hat - log L): rms %.4f, max |r| %.4f\n",
                       std::sqrt(ss / fit.residuals.size()), worst);
  s += absl::StrFormat("  compute-optimal: N_opt = %.4g (C/6)^%.4f, D_opt = %.4g (C/6)^%.4f\n",
                       p.G(), p.a(), 1 / p.G(), p.b());
  return s;
}

static std::string exponent_line(const char* what, const LogLogLine& line) {
  std::string se =
      std::isfinite(line.slope_se) ? absl::StrFormat(" +- %.3f (SE)", line.slope_se) : "";
  return absl::StrFormat("  %s = %.4g C^%.4f%s, r^2 %.3f over %zu points\n", what,
                         std::exp(line.log_intercept), line.slope, se, line.r2, line.points);
}

std::string isoflop_table(const IsoflopFit& fit) {
  std::string s = absl::StrFormat(
      "isoflop (approach 2): parabola of loss in ln N per budget (budgets from %s)\n"
      "  %12s %6s %12s %12s %10s  %s\n",
      fit.used_budget_column ? "the budget column" : "C grouped within the tolerance", "C", "runs",
      "N_opt", "D_opt", "loss", "note");
  for (const auto& p : fit.profiles) {
    if (p.usable) {
      s += absl::StrFormat("  %12.4g %6zu %12.4g %12.4g %10.4f  %s\n", p.flops, p.members.size(),
                           p.n_opt, p.d_opt, p.loss_at_opt, p.note);
    } else {
      s += absl::StrFormat("  %12.4g %6zu %12s %12s %10s  %s\n", p.flops, p.members.size(), "-",
                           "-", "-", p.note);
    }
  }
  s += exponent_line("N_opt", fit.n_opt_line);
  s += exponent_line("D_opt", fit.d_opt_line);
  return s;
}

std::string envelope_table(const EnvelopeFit& fit, const CurveData& data) {
  std::string s = absl::StrFormat(
      "envelope (approach 1): lowest loss at each FLOP count over %zu runs' curves (%zu grid "
      "points, %zu sizes win)\n",
      data.runs.size(), fit.envelope.size(), fit.distinct_sizes);
  s += exponent_line("N_opt", fit.n_opt_line);
  s += exponent_line("D_opt", fit.d_opt_line);
  return s;
}

std::string kaplan_table(const KaplanFit& fit) {
  std::string s =
      "kaplan: L(X) = (X_c / X)^alpha_X, and with an irreducible term E + (X_c / X)^alpha_X\n";
  s += absl::StrFormat("  %-6s %6s %10s %12s %10s %12s %8s\n", "law", "points", "alpha", "X_c",
                       "alpha(+E)", "X_c(+E)", "E");
  for (const auto& law : fit.laws) {
    s += absl::StrFormat("  %-6s %6zu", law.name, law.x.size());
    if (law.fitted)
      s += absl::StrFormat(" %10.4f %12.4g", law.pure.alpha, law.pure.x_c);
    else
      s += absl::StrFormat(" %10s %12s", "-", "-");
    if (law.fitted_with_constant)
      s += absl::StrFormat(" %10.4f %12.4g %8.4f", law.with_constant.alpha, law.with_constant.x_c,
                           law.with_constant.E);
    else
      s += absl::StrFormat(" %10s %12s %8s", "-", "-", "-");
    if (!law.note.empty()) s += "  " + law.note;
    s += "\n";
  }
  return s;
}
}  // namespace sl
