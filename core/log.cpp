#include "core/log.h"

#include <memory>
#include <mutex>

#include "spdlog/sinks/basic_file_sink.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace sl::log {
namespace {
std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> l = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto lg = std::make_shared<spdlog::logger>("scalelab", sink);
    lg->set_pattern("[%H:%M:%S] %^%l%$ %v");
    lg->set_level(spdlog::level::info);
    lg->flush_on(spdlog::level::info);
    return lg;
  }();
  return l;
}
}  // namespace

void info(const std::string& msg) { logger()->info(msg); }
void warn(const std::string& msg) { logger()->warn(msg); }
void error(const std::string& msg) { logger()->error(msg); }
void debug(const std::string& msg) { logger()->debug(msg); }
void set_verbose(bool verbose) {
  logger()->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
}
void add_file(const std::string& path) {
  if (path.empty()) return;
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
  sink->set_pattern("[%Y-%m-%d %H:%M:%S] %l %v");
  logger()->sinks().push_back(sink);
}
}  // namespace sl::log
