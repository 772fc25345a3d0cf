// Published approach-3 fits of L(N, D) = E + A/N^alpha + B/D^beta, for `scalelab plan` without
// --fit.
//   hoffmann2022:  Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models",
//                  eq. (10): E 1.69, A 406.4, B 410.7, alpha 0.34, beta 0.28.
//   besiroglu2024: Besiroglu et al. 2024, "Chinchilla Scaling: A replication attempt"
//                  (arXiv 2404.10102), refit to the data of Hoffmann's figure 4: E 1.8172,
//                  A 482.01, B 2085.43, alpha 0.3478, beta 0.3658. Its a = 0.513 agrees with
//                  Hoffmann's approaches 1 and 2 (~20 tokens per parameter), which Hoffmann's own
//                  approach-3 numbers (a = 0.45) do not; so it is the default.
// Both were fitted to MassiveText losses of models from 70M to 16B parameters: a guide to the shape
// of the trade-off, not a prediction of loss on other data or tokenizers.
#pragma once
#include <string>
#include <vector>

#include "fit/chinchilla_fit.h"

namespace sl {
struct PublishedFit {
  std::string name;
  std::string citation;
  ChinchillaParams params;
};
const std::vector<PublishedFit>& published_fits();
absl::StatusOr<PublishedFit> published_fit(const std::string& name);
}  // namespace sl
