// Windows drawn from several token files with given weights (data.mix): window i first picks its
// source from splitmix64(seed, i) against the cumulative shares, then its start inside that source
// from the source's own WindowSampler. As with one file, window i depends only on (seed, i), so a
// resumed run continues the same stream, and a window never straddles two sources.
#pragma once
#include <cstdint>
#include <vector>

#include "data/window_sampler.h"

namespace sl {
struct MixedWindow {
  int source = 0;     // index into the sources
  int64_t start = 0;  // offset inside that source's file
};

class MixtureSampler {
 public:
  // `sizes[k]` tokens in source k, relative `weights[k]` > 0 (shares = weight / sum). One source
  // gives exactly WindowSampler(sizes[0], window, seed, unique_tokens)'s stream. Precondition as
  // WindowSampler's, for every source.
  MixtureSampler(const std::vector<int64_t>& sizes, const std::vector<double>& weights, int window,
                 uint64_t seed, int64_t unique_tokens = 0);
  MixedWindow window(int64_t index) const;
  const std::vector<double>& shares() const { return shares_; }
  int64_t limit(int source) const { return samplers_[source].limit(); }

 private:
  std::vector<WindowSampler> samplers_;
  std::vector<double> shares_, cumulative_;  // cumulative_[k] = shares 0..k
  uint64_t seed_;
};
}  // namespace sl
