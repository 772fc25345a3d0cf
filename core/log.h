// Logging facade. The only code that includes spdlog is log.cpp, in its own target that never sees
// torch headers: PyTorch 2.x ships fmt headers that clash with Debian's spdlog (see docs/GPU.md).
#pragma once
#include <string>

namespace sl::log {
void info(const std::string& msg);
void warn(const std::string& msg);
void error(const std::string& msg);
void debug(const std::string& msg);
void set_verbose(bool verbose);
// Also write every message to this file (e.g. a sweep's log); empty path stops it.
void add_file(const std::string& path);
}  // namespace sl::log
