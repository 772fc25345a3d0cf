#include "fit/published_fits.h"

namespace sl {
static ChinchillaParams make(double E, double A, double B, double alpha, double beta) {
  ChinchillaParams p;
  p.E = E;
  p.A = A;
  p.B = B;
  p.alpha = alpha;
  p.beta = beta;
  return p;
}

const std::vector<PublishedFit>& published_fits() {
  static const std::vector<PublishedFit> fits{
      {"besiroglu2024",
       "Besiroglu et al. 2024, Chinchilla Scaling: A replication attempt (arXiv 2404.10102)",
       make(1.8172, 482.01, 2085.43, 0.3478, 0.3658)},
      {"hoffmann2022",
       "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models, approach 3",
       make(1.69, 406.4, 410.7, 0.34, 0.28)},
  };
  return fits;
}

absl::StatusOr<PublishedFit> published_fit(const std::string& name) {
  for (const auto& f : published_fits())
    if (f.name == name) return f;
  return absl::InvalidArgumentError(absl::StrCat(
      "--published '", name, "' is not a known fit; choose besiroglu2024 or hoffmann2022"));
}
}  // namespace sl
