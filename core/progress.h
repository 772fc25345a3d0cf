// One updating progress line on a terminal ("\r" redraws); on a pipe or file, a plain line at most
// every `plain_interval_s` seconds so logs stay readable.
#pragma once
#include <chrono>
#include <string>

#include "core/format.h"  // ProgressLine callers format their details with it

namespace sl {
class ProgressLine {
 public:
  explicit ProgressLine(std::string label, double plain_interval_s = 10.0);
  // done/total in the caller's unit (steps, runs); `detail` is appended (loss, tokens/s...).
  void update(double done, double total, const std::string& detail, bool force = false);
  void finish();  // ends the line on a terminal
  double elapsed_s() const;

 private:
  std::string label_;
  double interval_s_;
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};
}  // namespace sl
