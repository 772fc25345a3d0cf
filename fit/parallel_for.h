// parallel_for(n, threads, fn): fn(i) for i in [0, n) on up to `threads` std::threads, each taking
// the next index from a shared counter. Results must go to per-index slots, so the outcome does not
// depend on the thread count or the schedule.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include "core/machine.h"

namespace sl {
template <typename Fn>
void parallel_for(size_t n, int threads, Fn&& fn) {
  size_t workers = std::min<size_t>(n, static_cast<size_t>(std::max(1, threads)));
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < workers; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

// Threads to use when the user did not say: every core the machine reports.
inline int default_thread_count() { return available_cores(); }
}  // namespace sl
