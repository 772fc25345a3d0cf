// Benchmark of approach 3 (not a test: no timing is asserted anywhere). Prints the time of the full
// 4,500-start fit and of the bootstrap refits on a few hundred synthetic points, and checks the
// bootstrap's small start set against the full grid on some resamples. Numbers go to BENCHMARKS.md.
//   fit_bench [points_per_side=17] [threads=2] [bootstrap=1000] [grid_checks=20]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "fit/bootstrap.h"
#include "tests/fit/synthetic.h"

using namespace sl;

static double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int main(int argc, char** argv) {
  int side = argc > 1 ? std::atoi(argv[1]) : 17;
  int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  int samples = argc > 3 ? std::atoi(argv[3]) : 1000;
  int checks = argc > 4 ? std::atoi(argv[4]) : 20;
  auto pts = testing::synthetic_points(testing::synthetic_truth(), side, side, 0.02, 7);
  ChinchillaOptions opt;
  opt.minimize.threads = threads;

  auto t0 = std::chrono::steady_clock::now();
  auto fit = fit_chinchilla(pts, opt);
  if (!fit.ok()) {
    std::fprintf(stderr, "%s\n", fit.status().ToString().c_str());
    return 1;
  }
  double fit_s = seconds_since(t0);
  std::printf("points %zu, threads %d\n", pts.size(), threads);
  std::printf("full grid: %zu starts in %.2f s (%zu converged, %zu distinct minima kept)\n",
              fit->starts, fit_s, fit->converged_starts, fit->distinct_minima.size());
  std::printf("  alpha %.4f beta %.4f E %.4f A %.1f B %.1f\n", fit->params.alpha, fit->params.beta,
              fit->params.E, fit->params.A, fit->params.B);

  BootstrapOptions bopt;
  bopt.samples = samples;
  t0 = std::chrono::steady_clock::now();
  auto boot = bootstrap_chinchilla(pts, *fit, opt, bopt);
  if (!boot.ok()) {
    std::fprintf(stderr, "%s\n", boot.status().ToString().c_str());
    return 1;
  }
  double boot_s = seconds_since(t0);
  std::printf("bootstrap: %d refits from %zu starts each in %.2f s (%d failed)\n", samples,
              fit->distinct_minima.size(), boot_s, boot->failed);
  std::printf("total: %.2f s\n", fit_s + boot_s);

  if (checks > 0) {
    // The same first `checks` resamples refitted from the full grid: do the small start sets find
    // the same optimum?
    BootstrapOptions full = bopt;
    full.samples = checks;
    full.full_grid = true;
    BootstrapOptions small = bopt;
    small.samples = checks;
    t0 = std::chrono::steady_clock::now();
    auto a = bootstrap_chinchilla(pts, *fit, opt, full);
    double full_s = seconds_since(t0);
    auto b = bootstrap_chinchilla(pts, *fit, opt, small);
    if (!a.ok() || !b.ok()) return 1;
    double worst = 0;
    for (size_t k = 0; k < a->refits.size() && k < b->refits.size(); ++k)
      for (size_t j = 0; j < 7; ++j)
        worst = std::max(worst,
                         std::fabs(a->refits[k][j] - b->refits[k][j]) / std::fabs(a->refits[k][j]));
    std::printf(
        "check: %d resamples refitted from the full grid in %.2f s; largest relative difference of "
        "any quantity vs the small start set: %.2e\n",
        checks, full_s, worst);
  }
  return 0;
}
