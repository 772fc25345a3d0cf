// Numbers for people: durations and SI-prefixed counts in progress lines, tables and messages.
#pragma once
#include <string>

namespace sl {
// "1h02m", "3m05s", "12s"; "?" for a negative or non-finite time.
std::string format_duration(double seconds);
// "1.2M", "340k", "12" (3 significant digits; k, M, G, T).
std::string format_si(double v);
// The shortest text that reads back as exactly `v` ("0.1", not "0.10000000000000001").
std::string format_shortest(double v);
}  // namespace sl
