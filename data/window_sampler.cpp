// WindowSampler: window i starts at a uniform draw from splitmix64(seed, i); no state but (seed,
// i).
#include "data/window_sampler.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace sl {
WindowSampler::WindowSampler(int64_t n_tokens, int window, uint64_t seed, int64_t unique_tokens)
    : limit_(unique_tokens > 0 ? std::min(n_tokens, unique_tokens) : n_tokens),
      num_starts_(limit_ - window + 1),
      seed_(seed) {
  if (window < 1 || num_starts_ < 1) {
    std::fprintf(
        stderr,
        "WindowSampler: window %d does not fit %lld tokens (call check_window_fits first)\n",
        window, static_cast<long long>(limit_));
    std::abort();
  }
}

int64_t WindowSampler::start(int64_t index) const {
  // Two rounds of mixing decorrelate nearby seeds and indices; the high 64 bits of r * num_starts
  // map r to [0, num_starts) with a bias below num_starts / 2^64 (negligible).
  const uint64_t r = splitmix64(splitmix64(seed_) ^ static_cast<uint64_t>(index));
  const unsigned __int128 scaled =
      static_cast<unsigned __int128>(r) * static_cast<uint64_t>(num_starts_);
  return static_cast<int64_t>(scaled >> 64);
}

absl::Status check_window_fits(const std::string& file, int64_t n_tokens, int window,
                               int64_t unique_tokens) {
  if (window < 2)
    return absl::InvalidArgumentError(
        absl::StrCat("window of ", window, " tokens is too short: it is ctx+1 with ctx >= 1"));
  if (n_tokens < window)
    return absl::InvalidArgumentError(
        absl::StrCat(file, " has ", n_tokens, " tokens, fewer than one window of ctx+1 = ", window,
                     ": lower the model's ctx or prepare more data"));
  if (unique_tokens > 0 && unique_tokens < window)
    return absl::InvalidArgumentError(absl::StrCat(
        "the unique-token limit ", unique_tokens, " is smaller than one window of ctx+1 = ", window,
        ": raise the limit or lower the model's ctx"));
  return absl::OkStatus();
}
}  // namespace sl
