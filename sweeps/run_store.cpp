#include "sweeps/run_store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crash_points.h"
#include "core/files.h"
#include "core/run_paths.h"
#include "core/temp_files.h"
#include "train/metrics_log.h"

namespace sl {
namespace fs = std::filesystem;
using json = nlohmann::json;

const char* run_state_name(RunState s) {
  switch (s) {
    case RunState::kPending: return "pending";
    case RunState::kPartial: return "partial";
    case RunState::kRunning: return "running";
    case RunState::kDone: return "done";
    case RunState::kDiverged: return "diverged";
    case RunState::kFailed: return "failed";
  }
  return "?";
}

std::string this_host() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

uint64_t process_start_time(int64_t pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return 0;
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may contain spaces) start after the last ')'.
  size_t p = s.rfind(')');
  if (p == std::string::npos) return 0;
  std::istringstream rest(s.substr(p + 2));
  std::string field;
  char state = 0;
  rest >> state;                               // field 3
  if (state == 'Z' || state == 'X') return 0;  // a zombie is dead
  for (int i = 4; i <= 22; ++i) {
    rest >> field;
    if (i == 22) return std::stoull(field);
  }
  return 0;
}

static bool alive(int64_t pid, uint64_t start) {
  if (pid <= 0) return false;
  uint64_t now = process_start_time(pid);
  return now != 0 && (start == 0 || now == start);
}

static json lock_json(const LockInfo& me) {
  return json{{"host", me.host},
              {"driver_pid", me.driver_pid},
              {"driver_start", me.driver_start},
              {"child_pid", me.child_pid},
              {"child_start", me.child_start}};
}

static bool read_lock(const std::string& path, LockInfo* out, std::string* text_out = nullptr) {
  auto text = read_file(path);
  if (!text.ok()) return false;
  if (text_out) *text_out = *text;
  try {
    json j = json::parse(*text);
    out->host = j.value("host", "");
    out->driver_pid = j.value("driver_pid", int64_t{0});
    out->driver_start = j.value("driver_start", uint64_t{0});
    out->child_pid = j.value("child_pid", int64_t{0});
    out->child_start = j.value("child_start", uint64_t{0});
    return true;
  } catch (...) {
    return false;
  }
}

static double age_s(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return std::difftime(std::time(nullptr), st.st_mtime);
}

bool lock_is_stale(const std::string& path, double remote_stale_s) {
  LockInfo l;
  // Locks appear whole (create_lock links a finished file; update_lock renames one): one that
  // does not parse was damaged, and holds nothing.
  if (!read_lock(path, &l)) return true;
  if (l.host == this_host())
    return !alive(l.driver_pid, l.driver_start) && !alive(l.child_pid, l.child_start);
  return age_s(path) > remote_stale_s;
}

bool lock_held_live(const std::string& path, std::string* owner) {
  if (!path_exists(path) || lock_is_stale(path)) return false;
  if (owner) {
    LockInfo l;
    if (read_lock(path, &l)) *owner = l.host + " pid " + std::to_string(l.driver_pid);
  }
  return true;
}

// Creates the lock whole or not at all: the body goes to a temporary file, synced, which link(2)
// puts in place only if no lock is there. A crash leaves at most the temporary (the next driver
// removes it), never an empty or torn lock that only its age could show to be stale. False: a lock
// is there.
static absl::StatusOr<bool> create_lock(const std::string& path, const std::string& body) {
  const fs::path p(path);
  const std::string tmp =
      (p.parent_path() / (".tmp." + p.filename().string() + "." + std::to_string(getpid())))
          .string();
  remove_dead_temporaries_of(path);  // of drivers that died between writing and linking theirs
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return absl::InternalError(absl::StrCat("cannot create lock ", tmp, ": ", strerror(errno)));
  bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat("cannot write lock ", tmp, ": ", strerror(errno)));
  }
  crash_point(path, "tmp");
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(tmp.c_str());
  if (linked == 0) {
    crash_point(path, "linked");
    return true;
  }
  if (err == EEXIST) return false;
  return absl::InternalError(absl::StrCat("cannot create lock ", path, ": ", strerror(err)));
}

absl::StatusOr<bool> acquire_lock(const std::string& path, const LockInfo& me) {
  const std::string body = lock_json(me).dump() + "\n";
  for (int attempt = 0; attempt < 3; ++attempt) {
    SL_ASSIGN_OR_RETURN(const bool created, create_lock(path, body));
    if (created) return true;
    if (!lock_is_stale(path)) return false;
    // Take over: move the stale lock aside (atomic; one taker wins) and check we moved the stale
    // one.
    std::string stale_text;
    LockInfo stale;
    read_lock(path, &stale, &stale_text);
    const std::string aside = path + ".stale." + std::to_string(getpid());
    if (::rename(path.c_str(), aside.c_str()) != 0) continue;  // someone else moved it
    auto moved = read_file(aside);
    if (moved.ok() && *moved != stale_text) {
      // We moved a fresh lock someone created in between: put it back and give up this time.
      if (::link(aside.c_str(), path.c_str()) != 0) { /* a third party holds it now */
      }
      ::unlink(aside.c_str());
      return false;
    }
    ::unlink(aside.c_str());
  }
  return false;
}

absl::Status update_lock(const std::string& path, const LockInfo& me) {
  return write_file_atomic(path, lock_json(me).dump() + "\n");
}

void release_lock(const std::string& path) { ::unlink(path.c_str()); }

void touch_lock(const std::string& path) { ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0); }

RunInfo inspect_run(const std::string& sweep_dir, const PlannedRun& run, bool read_metrics) {
  RunInfo info;
  const RunPaths paths = run.dir.empty() ? sweep_run(sweep_dir, run.id) : RunPaths(run.dir);
  info.total_steps = run.cfg.total_steps();
  std::string metrics_damage;  // a finished run's rows that fail their digest: reported below
  if (read_metrics && path_exists(paths.metrics())) {
    auto rows = metrics_read_run(paths.dir);
    if (!rows.ok()) metrics_damage = std::string(rows.status().message());
    if (rows.ok()) {
      for (const auto& r : *rows) {
        info.step = r.value("step", int64_t{0});
        if (r.contains("train_loss") && r["train_loss"].is_number())
          info.train_loss = r["train_loss"].get<double>();
        if (r.contains("val_loss") && r["val_loss"].is_number())
          info.val_loss = r["val_loss"].get<double>();
        if (r.contains("tokens_per_s") && r["tokens_per_s"].is_number())
          info.tokens_per_s = r["tokens_per_s"].get<double>();
      }
    }
  }
  if (path_exists(paths.summary())) {
    const std::string path = paths.summary();
    auto text = read_file(path);
    if (text.ok()) info.summary = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!text.ok() || !info.summary.is_object()) {
      // Reported as failed with the file and the fix; the rest of the sweep goes on.
      info.summary = json();
      info.state = RunState::kFailed;
      info.reason = absl::StrCat(
          path, " is unreadable (", text.ok() ? "not a JSON object" : text.status().message(),
          "); delete it and launch the sweep again: the run rewrites it from its final "
          "checkpoint, or retrains if there is none");
      return info;
    }
    const std::string st = info.summary.value("status", "done");
    info.state = st == "diverged" ? RunState::kDiverged : RunState::kDone;
    info.reason = info.summary.value("reason", "");
    info.step = info.summary.value("steps", info.step);
    if (!metrics_damage.empty()) {  // its curve cannot be trusted: not a result to export or fit
      info.state = RunState::kFailed;
      info.reason = metrics_damage;
    }
    return info;
  }
  if (lock_held_live(paths.sweep_lock(), &info.lock_owner)) {
    info.state = RunState::kRunning;
    return info;
  }
  if (path_exists(paths.failed())) {
    auto text = read_file(paths.failed());
    info.state = RunState::kFailed;
    if (text.ok()) {
      try {
        info.reason = json::parse(*text).value("reason", "");
      } catch (...) {
      }
    }
    return info;
  }
  if (path_exists(paths.checkpoint()) || info.step > 0) info.state = RunState::kPartial;
  return info;
}
}  // namespace sl
