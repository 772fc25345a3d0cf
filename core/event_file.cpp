#include "core/event_file.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "core/files.h"
#include "core/tfrecord.h"

namespace sl {
namespace fs = std::filesystem;
namespace {
constexpr absl::string_view kPrefix = "events.out.tfevents.";

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  std::string h(buf);
  std::replace(h.begin(), h.end(), '/', '_');
  return h;
}

// The second in an event file's name, -1 if the name has none.
int64_t name_second(const std::string& filename) {
  if (!absl::StartsWith(filename, kPrefix)) return -1;
  const std::string rest = filename.substr(kPrefix.size());
  int64_t s = -1;
  return absl::SimpleAtoi(rest.substr(0, rest.find('.')), &s) ? s : -1;
}
}  // namespace

double unix_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::vector<std::string> event_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec) && absl::StartsWith(e.path().filename().string(), kPrefix))
      out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<EventFileWriter> EventFileWriter::create(const std::string& dir) {
  SL_RETURN_IF_ERROR(ensure_writable_dir(dir));
  const double now = unix_seconds_now();
  int64_t second = static_cast<int64_t>(std::floor(now));
  for (const auto& f : event_files(dir))
    second = std::max(second, name_second(fs::path(f).filename().string()) + 1);
  EventFileWriter w(
      (fs::path(dir) / absl::StrFormat("%s%010d.%s", kPrefix, second, hostname())).string());
  TfEvent version;
  version.wall_time = now;
  version.file_version = std::string(kEventFileVersion);
  SL_RETURN_IF_ERROR(w.write(version));
  return w;
}

absl::Status EventFileWriter::write(const TfEvent& e) const {
  return append_bytes(path_, tfrecord_frame(encode_event(e)));
}

absl::Status EventFileWriter::sync() const { return fsync_path(path_); }

absl::StatusOr<int64_t> trim_event_files(const std::string& dir, int64_t last_step) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {  // an interrupted rewrite's temp file
    if (absl::StartsWith(atomic_write_target(e.path().filename().string()), kPrefix))
      fs::remove(e.path(), ec);
  }
  int64_t last_kept = -1;
  for (const auto& path : event_files(dir)) {
    SL_ASSIGN_OR_RETURN(const std::string bytes, read_file(path));
    const TfRecordScan scan = tfrecord_scan(bytes);
    std::string kept;
    bool changed = !scan.damage.empty(), has_summary = false;
    for (const auto& record : scan.records) {
      const absl::StatusOr<TfEvent> e = decode_event(record);
      if (e.ok() && e->step > last_step) {
        changed = true;
        continue;
      }
      if (e.ok() && !e->scalars.empty()) {
        has_summary = true;
        last_kept = std::max(last_kept, e->step);
      }
      kept += tfrecord_frame(record);  // a record we cannot decode is kept as it is
    }
    if (!has_summary) {
      fs::remove(path, ec);
    } else if (changed) {
      SL_RETURN_IF_ERROR(write_file_atomic(path, kept));
    }
  }
  return last_kept;
}
}  // namespace sl
