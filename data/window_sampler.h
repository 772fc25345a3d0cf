// Deterministic random windows of ctx+1 tokens. Window i's start depends only on (seed, i), so the
// position in the sample stream is one integer and a resumed run continues the same stream exactly.
#pragma once
#include <cstdint>
#include <string>

#include "core/hash.h"  // splitmix64, the source of all sampling
#include "core/status.h"

namespace sl {
class WindowSampler {
 public:
  // Starts are uniform over [0, limit - window] (each window lies inside [0, limit)), with limit =
  // min(n_tokens, unique_tokens if > 0): a data-constrained run sees only the first unique_tokens
  // tokens. Precondition: window >= 1 and limit >= window; check_window_fits reports a violation as
  // a user error, the constructor aborts on one (a caller's bug).
  WindowSampler(int64_t n_tokens, int window, uint64_t seed, int64_t unique_tokens = 0);
  int64_t start(int64_t index) const;  // start offset of window `index` (index >= 0)
  int64_t limit() const { return limit_; }
  int64_t num_starts() const { return num_starts_; }  // limit - window + 1

 private:
  int64_t limit_, num_starts_;
  uint64_t seed_;
};

// OK if a WindowSampler over `file` (n_tokens long) can draw windows of `window` tokens; else an
// error naming the file: "FILE has N tokens, fewer than one window of ctx+1 = W".
absl::Status check_window_fits(const std::string& file, int64_t n_tokens, int window,
                               int64_t unique_tokens = 0);

}  // namespace sl
