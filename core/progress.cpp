#include "core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace sl {
ProgressLine::ProgressLine(std::string label, double plain_interval_s)
    : label_(std::move(label)),
      interval_s_(plain_interval_s),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_ - std::chrono::hours(1)) {}

double ProgressLine::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressLine::update(double done, double total, const std::string& detail, bool force) {
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_).count();
  if (!force && since < (tty_ ? 0.2 : interval_s_)) return;
  last_ = now;
  double el = elapsed_s();
  double frac = total > 0 ? done / total : 0;
  double eta = done > 0 ? el * (total - done) / done : NAN;
  char head[160];
  std::snprintf(head, sizeof head, "%s %.0f/%.0f (%5.1f%%)", label_.c_str(), done, total,
                100 * frac);
  std::string line = std::string(head) + " " + detail + " | " + format_duration(el) +
                     " elapsed, ETA " + format_duration(eta);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    drawn_ = true;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (tty_ && drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}
}  // namespace sl
