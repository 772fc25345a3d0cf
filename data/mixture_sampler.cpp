// MixtureSampler: a source per window from splitmix64, then that source's WindowSampler.
#include "data/mixture_sampler.h"

#include <algorithm>

namespace sl {
MixtureSampler::MixtureSampler(const std::vector<int64_t>& sizes,
                               const std::vector<double>& weights, int window, uint64_t seed,
                               int64_t unique_tokens)
    : seed_(seed) {
  double total = 0;
  for (double w : weights) total += w;
  double acc = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    // Source 0 keeps the run's own seed: a one-source mixture is the plain stream.
    samplers_.emplace_back(sizes[k], window, k == 0 ? seed : splitmix64(seed + k), unique_tokens);
    shares_.push_back(weights[k] / total);
    acc += shares_.back();
    cumulative_.push_back(acc);
  }
  cumulative_.back() = 1.0;
}

MixedWindow MixtureSampler::window(int64_t index) const {
  MixedWindow w;
  if (samplers_.size() > 1) {
    // 53 random bits as a uniform double in [0, 1), from a stream of its own ("mix").
    const uint64_t r =
        splitmix64(splitmix64(seed_ ^ 0x6d6978ull) ^ static_cast<uint64_t>(index)) >> 11;
    const double u = static_cast<double>(r) * 0x1.0p-53;
    w.source = static_cast<int>(std::upper_bound(cumulative_.begin(), cumulative_.end(), u) -
                                cumulative_.begin());
    w.source = std::min<int>(w.source, static_cast<int>(samplers_.size()) - 1);
  }
  w.start = samplers_[w.source].start(index);
  return w;
}
}  // namespace sl
