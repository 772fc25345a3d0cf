// What an approach-3 fit's intervals rest on, and what to run next when they are too wide: the
// noise floor (seed-to-seed sd of log loss, seed_noise.h), the noise the bootstrap drew from, the
// forecast errors of the grid as it is (fit_design.h), and, when alpha's or beta's interval is
// wider than +-`target` (0.15), the parameter pair that trades off and the candidate extensions
// of the grid with their forecast errors and added compute: `scalelab fit` prints it under the
// table and writes it to fit.json's chinchilla.diagnostics.
#pragma once
#include <string>
#include <vector>

#include "fit/bootstrap.h"
#include "fit/fit_design.h"
#include "fit/seed_noise.h"
#include "nlohmann/json.hpp"

namespace sl {
struct NoiseLevels {
  SeedNoise seeds;             // measured from repeated seeds in the data
  double given = -1;           // --seed-noise, when given (< 0: not given)
  double residual_sd = 0;      // sqrt(sum r^2 / (n - 5))
  double bootstrap_sigma = 0;  // what the noise bootstrap drew from (0: points bootstrap)
  double floor() const { return given >= 0 ? given : seeds.sigma_log; }
};

struct FitDiagnostics {
  NoiseLevels noise;
  PredictedErrors forecast;           // the grid as it is, at the bootstrap's noise
  std::vector<Extension> extensions;  // filled when an exponent's interval is too wide
  std::vector<std::string> warnings;
  std::string text;  // for the table
  nlohmann::json json;
};

FitDiagnostics diagnose_chinchilla(const ChinchillaFit& fit,
                                   const std::vector<ScalingPoint>& points,
                                   const BootstrapResult* boot, const NoiseLevels& noise,
                                   double target = 0.15);
}  // namespace sl
