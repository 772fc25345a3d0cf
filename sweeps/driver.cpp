#include "sweeps/driver.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/files.h"
#include "core/log.h"
#include "core/progress.h"
#include "nlohmann/json.hpp"
#include "sweeps/run_store.h"
#include "train/interrupt.h"
#include "train/trainer.h"

namespace sl {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::string default_sweep_dir(const SweepPlan& plan) { return (fs::path("out/sweeps") / plan.name).string(); }

std::string self_binary() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("scalelab") : p.string();
}

absl::Status prepare_sweep_dir(const SweepPlan& plan, const std::string& dir) {
  SL_RETURN_IF_ERROR(ensure_writable_dir(dir));
  SL_RETURN_IF_ERROR(write_file_atomic((fs::path(dir) / "sweep.yaml").string(), plan.spec_text));
  for (const auto& r : plan.runs) {
    const std::string rd = sweep_run(dir, r.id).dir;
    SL_RETURN_IF_ERROR(ensure_writable_dir(rd));
    SL_RETURN_IF_ERROR(check_or_write_run_config(r.cfg, rd));
  }
  // plan.json last: status and export read the run configs it points to.
  return write_file_atomic((fs::path(dir) / "plan.json").string(), plan_to_json(plan));
}

namespace {
std::string tail_of_log(const std::string& path, size_t max_lines = 8) {
  auto text = read_file(path);
  if (!text.ok()) return "";
  std::vector<std::string> lines = absl::StrSplit(*text, '\n', absl::SkipEmpty());
  // An "error: ..." line says it best.
  for (auto it = lines.rbegin(); it != lines.rend(); ++it)
    if (absl::StartsWith(*it, "error: ")) return it->substr(7);
  size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
  return absl::StrJoin(lines.begin() + from, lines.end(), " | ");
}

std::vector<int> visible_gpus() {
  const char* env = std::getenv("CUDA_VISIBLE_DEVICES");
  std::vector<int> out;
  if (env && *env) {
    for (auto part : absl::StrSplit(env, ',', absl::SkipEmpty())) {
      int v;
      if (absl::SimpleAtoi(part, &v)) out.push_back(v);
    }
    return out;
  }
  // Without the variable: count /dev/nvidia<N> (no CUDA call in the driver).
  for (int i = 0; i < 64; ++i)
    if (fs::exists("/dev/nvidia" + std::to_string(i))) out.push_back(i);
  return out;
}

struct Child {
  size_t run;
  std::string lock;
  int slot;
  std::chrono::steady_clock::time_point started;
};
}  // namespace

absl::StatusOr<SweepResult> run_sweep(const SweepPlan& plan, const SweepOptions& opts) {
  const std::string dir = opts.dir.empty() ? default_sweep_dir(plan) : opts.dir;
  SL_RETURN_IF_ERROR(prepare_sweep_dir(plan, dir));
  log::add_file((fs::path(dir) / "sweep.log").string());
  const std::string binary = opts.binary.empty() ? self_binary() : opts.binary;
  const unsigned ncpu = std::max(1u, std::thread::hardware_concurrency());

  // Device: CUDA when asked, or when the runs say auto/cuda and GPUs are visible.
  const std::vector<int> gpus = visible_gpus();
  bool cuda = opts.device == "cuda";
  if (opts.device.empty() && !gpus.empty()) {
    cuda = std::all_of(plan.runs.begin(), plan.runs.end(), [](const PlannedRun& r) { return r.cfg.train.device != "cpu"; });
  }
  if (cuda && gpus.empty()) return absl::FailedPreconditionError("--device cuda, but no GPU is visible");
  const int workers = opts.workers > 0 ? opts.workers : cuda ? static_cast<int>(gpus.size()) : static_cast<int>(ncpu);
  const int threads = opts.threads_per_run > 0 ? opts.threads_per_run
                                                : std::max(1, static_cast<int>(ncpu) / std::max(1, workers));

  // Largest first (by compute): the long runs start early, the small ones fill in at the end.
  std::vector<size_t> order(plan.runs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return plan.runs[a].flops_chinchilla > plan.runs[b].flops_chinchilla;
  });
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < plan.runs.size(); ++i) index[plan.runs[i].id] = i;

  auto paths = [&](size_t i) { return sweep_run(dir, plan.runs[i].id); };
  auto has = [&](size_t i, std::string (RunPaths::*file)() const) { return path_exists((paths(i).*file)()); };
  if (opts.retry_failed) {
    for (size_t i = 0; i < plan.runs.size(); ++i) {
      if (has(i, &RunPaths::failed)) {
        log::info(absl::StrCat("retrying failed run ", plan.runs[i].id));
        fs::remove(paths(i).failed());
      }
    }
  }

  LockInfo me;
  me.host = this_host();
  me.driver_pid = getpid();
  me.driver_start = process_start_time(me.driver_pid);
  const pid_t driver_pid = getpid();

  log::info(absl::StrFormat("sweep %s: %d runs in %s; %d workers x %d threads%s", plan.name, plan.runs.size(), dir,
                            workers, threads, cuda ? absl::StrCat(" on GPUs ", absl::StrJoin(gpus, ",")) : " on the CPU"));
  install_interrupt_handlers();
  std::map<pid_t, Child> active;
  std::set<size_t> skip;  // failed or interrupted in this session: not started again by it
  std::vector<bool> slot_busy(workers, false);
  SweepResult result;
  result.total = static_cast<int>(plan.runs.size());
  bool stopping = false;
  double total_work = 0;
  for (const auto& r : plan.runs) total_work += r.flops_chinchilla;
  ProgressLine progress("sweep " + plan.name);
  auto last_progress = std::chrono::steady_clock::now() - std::chrono::hours(1);
  auto last_touch = std::chrono::steady_clock::now();
  double work_at_start = -1;

  auto launch = [&](size_t i, const std::string& lock, const std::string& branch_from) -> absl::Status {
    const PlannedRun& r = plan.runs[i];
    const RunPaths rp = paths(i);
    const std::string& rd = rp.dir;
    int slot = 0;
    while (slot < workers && slot_busy[slot]) ++slot;
    std::vector<std::string> args{binary, "train", rp.config(), "--run-dir", rd,
                                  "--no-progress", absl::StrCat("train.threads=", threads)};
    if (!opts.device.empty()) args.push_back("train.device=" + opts.device);
    else if (cuda) args.push_back("train.device=cuda");
    if (!r.snapshot_steps.empty()) args.push_back("--snapshot-steps=" + absl::StrJoin(r.snapshot_steps, ","));
    if (!branch_from.empty()) args.push_back("--branch-from=" + branch_from);
    const std::string log_path = rp.train_log();
    const std::string gpu = cuda ? std::to_string(gpus[slot % gpus.size()]) : "";
    const std::string nthreads = std::to_string(threads);
    pid_t pid = fork();
    if (pid < 0) return absl::InternalError(absl::StrCat("fork failed: ", strerror(errno)));
    if (pid == 0) {
      setpgid(0, 0);                    // the terminal's Ctrl-C reaches the driver only; it forwards SIGTERM once
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // the driver died: checkpoint and stop
      if (getppid() != driver_pid) _exit(kExitInterrupted);
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2) close(fd);
      }
      setenv("OMP_NUM_THREADS", nthreads.c_str(), 1);
      setenv("OPENBLAS_NUM_THREADS", nthreads.c_str(), 1);
      if (!gpu.empty()) setenv("CUDA_VISIBLE_DEVICES", gpu.c_str(), 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    LockInfo l = me;
    l.child_pid = pid;
    l.child_start = process_start_time(pid);
    (void)update_lock(lock, l);
    slot_busy[slot] = true;
    active[pid] = Child{i, lock, slot, std::chrono::steady_clock::now()};
    log::info(absl::StrCat("starting run ", r.id, branch_from.empty() ? "" : absl::StrCat(" (branch of ", r.branch_source,
                                                                                           " at step ", r.branch_step, ")"),
                           cuda ? " on GPU " + gpu : "", " [", active.size(), "/", workers, " workers]"));
    return absl::OkStatus();
  };

  auto reap = [&](pid_t pid, int wstatus) {
    Child c = active[pid];
    active.erase(pid);
    slot_busy[c.slot] = false;
    const PlannedRun& r = plan.runs[c.run];
    const RunPaths rp = paths(c.run);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - c.started).count();
    const int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    if (code == kExitOk || code == kExitDiverged) {
      RunInfo info = inspect_run(dir, r, false);
      log::info(absl::StrFormat("finished run %s (%s, %s, final val loss %s)", r.id, run_state_name(info.state),
                                format_duration(secs), info.summary.contains("final_val_loss") ? info.summary["final_val_loss"].dump() : "?"));
    } else if (code == kExitInterrupted) {
      log::info(absl::StrCat("run ", r.id, " stopped at a checkpoint (resumes on the next launch)"));
      skip.insert(c.run);
    } else if (WIFSIGNALED(wstatus) && (WTERMSIG(wstatus) == SIGTERM || WTERMSIG(wstatus) == SIGINT)) {
      // A stop signal that arrived before the trainer installed its handler (its first second or so):
      // the user's or our own stop, never a failure. It resumes from its last checkpoint, if any.
      log::info(absl::StrCat("run ", r.id, " stopped by signal ", WTERMSIG(wstatus),
                             " before its first checkpoint boundary (resumes on the next launch)"));
      skip.insert(c.run);
    } else {
      std::string how = WIFSIGNALED(wstatus) ? absl::StrCat("killed by signal ", WTERMSIG(wstatus), " (", strsignal(WTERMSIG(wstatus)), ")")
                                             : absl::StrCat("exit code ", code);
      std::string reason = absl::StrCat(how, ": ", tail_of_log(rp.train_log()));
      json f{{"status", "failed"}, {"exit_code", code}, {"reason", reason}, {"seconds", secs}};
      if (WIFSIGNALED(wstatus)) f["signal"] = WTERMSIG(wstatus);
      (void)write_file_atomic(rp.failed(), f.dump(2) + "\n");
      log::warn(absl::StrCat("run ", r.id, " failed: ", reason, " (see ", rp.train_log(), "; --retry-failed retries it)"));
      skip.insert(c.run);
    }
    release_lock(c.lock);
  };

  while (true) {
    if (interrupt_requested() && !stopping) {
      stopping = true;
      result.interrupted = true;
      log::info(absl::StrCat("interrupted: stopping ", active.size(), " running runs at their next checkpoint"));
      for (auto& [pid, c] : active) kill(pid, SIGTERM);
    }
    // Reap finished children.
    int wstatus = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
      if (active.count(pid)) reap(pid, wstatus);
    }
    // Start what we can.
    bool waiting = false;  // something is left that another process (or a source run) will unblock
    for (size_t i : order) {
      if (stopping || static_cast<int>(active.size()) >= workers) break;
      if (skip.count(i) || has(i, &RunPaths::summary) || has(i, &RunPaths::failed)) continue;
      bool mine = false;
      for (auto& [p, c] : active) mine = mine || c.run == i;
      if (mine) continue;
      const PlannedRun& r = plan.runs[i];
      std::string branch_from;
      if (!r.branch_source.empty() && !has(i, &RunPaths::checkpoint)) {
        auto it = index.find(r.branch_source);
        if (it != index.end()) {
          const std::string snap = paths(it->second).snapshot(r.branch_step);
          if (path_exists(snap)) {
            branch_from = snap;
          } else if (!has(it->second, &RunPaths::summary) && !has(it->second, &RunPaths::failed) && !skip.count(it->second)) {
            waiting = true;  // the source has not reached the branch point yet
            continue;
          }  // else: the source ended without the snapshot: train this run from scratch
        }
      }
      const std::string lock = paths(i).sweep_lock();
      SL_ASSIGN_OR_RETURN(bool got, acquire_lock(lock, me));
      if (!got) {
        waiting = true;
        continue;
      }
      // Re-check under the lock: another driver may have finished it meanwhile.
      if (has(i, &RunPaths::summary) || has(i, &RunPaths::failed)) {
        release_lock(lock);
        continue;
      }
      SL_RETURN_IF_ERROR(launch(i, lock, branch_from));
    }
    for (size_t i : order) {
      if (!skip.count(i) && !has(i, &RunPaths::summary) && !has(i, &RunPaths::failed) &&
          lock_held_live(paths(i).sweep_lock())) {
        waiting = true;
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_touch).count() > 30) {
      for (auto& [p, c] : active) touch_lock(c.lock);
      last_touch = now;
    }
    const bool finished = active.empty() && (stopping || !waiting || !opts.wait_for_others);
    if (opts.progress && (finished || std::chrono::duration<double>(now - last_progress).count() > 5)) {
      last_progress = now;
      double work = 0;
      int n_done = 0, n_failed = 0;
      for (const auto& r : plan.runs) {
        RunInfo info = inspect_run(dir, r, true);
        if (info.state == RunState::kDone || info.state == RunState::kDiverged) {
          work += r.flops_chinchilla;
          ++n_done;
        } else {
          if (info.state == RunState::kFailed) ++n_failed;
          work += r.flops_chinchilla * std::min(1.0, static_cast<double>(info.step) / std::max<int64_t>(1, info.total_steps));
        }
      }
      if (work_at_start < 0) work_at_start = work;
      const double denom = std::max(1e-9, total_work - work_at_start);
      progress.update(100.0 * (work - work_at_start) / denom, 100.0,
                      absl::StrFormat("(compute) | runs: %d/%d done, %d running, %d failed", n_done,
                                      plan.runs.size(), active.size(), n_failed),
                      finished);
    }
    if (finished) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(opts.poll_s));
  }
  if (opts.progress) progress.finish();

  for (const auto& r : plan.runs) {
    RunInfo info = inspect_run(dir, r, false);
    switch (info.state) {
      case RunState::kDone: ++result.done; break;
      case RunState::kDiverged: ++result.diverged; break;
      case RunState::kFailed:
        ++result.failed;
        log::warn(absl::StrCat("run ", r.id, " failed: ", info.reason));
        break;
      default: ++result.pending; break;
    }
  }
  log::info(absl::StrFormat("sweep %s: %d done, %d diverged, %d failed, %d not finished%s", plan.name, result.done,
                            result.diverged, result.failed, result.pending, result.interrupted ? " (interrupted)" : ""));
  log::add_file("");
  return result;
}
}  // namespace sl
