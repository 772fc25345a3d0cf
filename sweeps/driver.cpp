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
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/files.h"
#include "core/log.h"
#include "core/machine.h"
#include "core/progress.h"
#include "core/run_paths.h"
#include "nlohmann/json.hpp"
#include "sweeps/run_store.h"
#include "train/interrupt.h"
#include "train/trainer.h"

namespace sl {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::string default_sweep_dir(const SweepPlan& plan) {
  return (fs::path("out/sweeps") / plan.name).string();
}

std::string self_binary() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("scalelab") : p.string();
}

absl::Status prepare_sweep_dir(const SweepPlan& plan, const std::string& dir) {
  SL_RETURN_IF_ERROR(ensure_writable_dir(dir));
  SL_RETURN_IF_ERROR(write_file_atomic(SweepPaths(dir).spec(), plan.spec_text));
  for (const auto& r : plan.runs) {
    const std::string rd = sweep_run(dir, r.id).dir;
    SL_RETURN_IF_ERROR(ensure_writable_dir(rd));
    SL_RETURN_IF_ERROR(check_or_write_run_config(r.cfg, rd));
  }
  // plan.json last: status and export read the run configs it points to.
  return write_file_atomic(SweepPaths(dir).plan(), plan_to_json(plan));
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

// Where the runs go: K workers on the CPU (threads split between them) or one per visible GPU.
struct Workers {
  bool cuda = false;
  std::vector<int> gpus;
  int count = 1, threads = 1;
};

// The tasks of the Slurm job this driver runs in (SLURM_NTASKS), 0 outside one.
int slurm_job_tasks() {
  const char* job = std::getenv("SLURM_JOB_ID");
  const char* tasks = std::getenv("SLURM_NTASKS");
  int n = 0;
  return job != nullptr && tasks != nullptr && absl::SimpleAtoi(tasks, &n) ? n : 0;
}

absl::StatusOr<Workers> plan_workers(const SweepPlan& plan, const SweepOptions& opts) {
  const int ncpu = available_cores();
  Workers w;
  w.gpus = visible_gpus();
  // CUDA when asked, or when the runs say auto/cuda and GPUs are visible.
  w.cuda = opts.device == "cuda";
  if (opts.device.empty() && !w.gpus.empty()) {
    w.cuda = std::all_of(plan.runs.begin(), plan.runs.end(),
                         [](const PlannedRun& r) { return r.cfg.train.device != "cpu"; });
  }
  if (w.cuda && w.gpus.empty())
    return absl::FailedPreconditionError("--device cuda, but no GPU is visible");
  w.count = opts.workers > 0 ? opts.workers : w.cuda ? static_cast<int>(w.gpus.size()) : ncpu;
  w.threads =
      opts.threads_per_run > 0 ? opts.threads_per_run : std::max(1, ncpu / std::max(1, w.count));
  return w;
}

// One driver session over a sweep directory: start runs as workers free up, reap them, repeat until
// nothing is left to start (or the user stops it).
class Driver {
 public:
  Driver(const SweepPlan& plan, const SweepOptions& opts, std::string dir, Workers workers);
  absl::StatusOr<SweepResult> run();

 private:
  RunPaths paths(size_t i) const { return sweep_run(dir_, plan_.runs[i].id); }
  bool finished_or_failed(size_t i) const {
    return path_exists(paths(i).summary()) || path_exists(paths(i).failed());
  }
  void stop_children();
  void reap_finished();
  void reap(pid_t pid, int wstatus);
  // Starts every run a free worker can take; true if some are left that others will unblock.
  absl::StatusOr<bool> start_ready_runs();
  // "" to train from scratch or resume; a snapshot path to branch from; nullopt: not yet (its
  // source has not reached the branch point).
  std::optional<std::string> branch_point(size_t i) const;
  absl::Status launch(size_t i, const std::string& lock, const std::string& branch_from);
  pid_t spawn(const RunPaths& rp, const std::vector<std::string>& args,
              const std::string& gpu) const;
  bool held_by_others() const;
  void show_progress(bool finished);
  SweepResult tally() const;

  const SweepPlan& plan_;
  const SweepOptions& opts_;
  const std::string dir_, binary_;
  const Workers workers_;
  std::vector<size_t> order_;            // largest compute first
  std::map<std::string, size_t> index_;  // run id -> position in the plan
  LockInfo me_;
  std::map<pid_t, Child> active_;
  std::set<size_t> skip_;  // failed or interrupted in this session: not started again by it
  std::vector<bool> slot_busy_;
  bool stopping_ = false;
  double total_work_ = 0, work_at_start_ = -1;
  ProgressLine progress_;
  std::chrono::steady_clock::time_point last_progress_, last_touch_;
  std::vector<FinishedRun> finished_;  // in the order this session saw them finish
};

Driver::Driver(const SweepPlan& plan, const SweepOptions& opts, std::string dir, Workers workers)
    : plan_(plan),
      opts_(opts),
      dir_(std::move(dir)),
      binary_(opts.binary.empty() ? self_binary() : opts.binary),
      workers_(std::move(workers)),
      slot_busy_(workers_.count, false),
      progress_("sweep " + plan.name),
      last_progress_(std::chrono::steady_clock::now() - std::chrono::hours(1)),
      last_touch_(std::chrono::steady_clock::now()) {
  // Largest first (by compute): the long runs start early, the small ones fill in at the end.
  order_.resize(plan.runs.size());
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
  std::stable_sort(order_.begin(), order_.end(), [&](size_t a, size_t b) {
    return plan.runs[a].flops_chinchilla > plan.runs[b].flops_chinchilla;
  });
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    index_[plan.runs[i].id] = i;
    total_work_ += plan.runs[i].flops_chinchilla;
  }
  me_.host = this_host();
  me_.driver_pid = getpid();
  me_.driver_start = process_start_time(me_.driver_pid);
}

absl::StatusOr<SweepResult> Driver::run() {
  if (opts_.retry_failed) {
    for (size_t i = 0; i < plan_.runs.size(); ++i) {
      if (path_exists(paths(i).failed())) {
        log::info(absl::StrCat("retrying failed run ", plan_.runs[i].id));
        fs::remove(paths(i).failed());
      }
    }
  }
  log::info(absl::StrFormat("sweep %s: %d runs in %s; %d workers x %d threads%s", plan_.name,
                            plan_.runs.size(), dir_, workers_.count, workers_.threads,
                            workers_.cuda
                                ? absl::StrCat(" on GPUs ", absl::StrJoin(workers_.gpus, ","))
                                : " on the CPU"));
  install_interrupt_flag_handlers();
  while (true) {
    if (interrupt_requested() && !stopping_) stop_children();
    reap_finished();
    SL_ASSIGN_OR_RETURN(bool waiting, start_ready_runs());
    waiting = held_by_others() || waiting;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_touch_ > std::chrono::seconds(30)) {  // our locks stay fresh while children run
      for (auto& [p, c] : active_) touch_lock(c.lock);
      last_touch_ = now;
    }
    const bool finished = active_.empty() && (stopping_ || !waiting || !opts_.wait_for_others);
    if (opts_.progress) show_progress(finished);
    if (finished) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(opts_.poll_s));
  }
  if (opts_.progress) progress_.finish();
  SweepResult result = tally();
  result.interrupted = stopping_;
  log::info(absl::StrFormat("sweep %s: %d done, %d diverged, %d failed, %d not finished%s",
                            plan_.name, result.done, result.diverged, result.failed, result.pending,
                            result.interrupted ? " (interrupted)" : ""));
  return result;
}

void Driver::stop_children() {
  stopping_ = true;
  log::info(absl::StrCat("interrupted: stopping ", active_.size(),
                         " running runs at their next checkpoint"));
  for (auto& [pid, c] : active_) kill(pid, SIGTERM);
}

void Driver::reap_finished() {
  int wstatus = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
    if (active_.count(pid)) reap(pid, wstatus);
  }
}

absl::StatusOr<bool> Driver::start_ready_runs() {
  bool waiting = false;
  for (size_t i : order_) {
    if (stopping_ || static_cast<int>(active_.size()) >= workers_.count) break;
    if (skip_.count(i) || finished_or_failed(i)) continue;
    if (std::any_of(active_.begin(), active_.end(),
                    [&](const auto& a) { return a.second.run == i; }))
      continue;
    const std::optional<std::string> branch_from = branch_point(i);
    if (!branch_from) {
      waiting = true;
      continue;
    }
    const std::string lock = paths(i).sweep_lock();
    SL_ASSIGN_OR_RETURN(bool got, acquire_lock(lock, me_));
    if (!got) {
      waiting = true;
      continue;
    }
    // Re-check under the lock: another driver may have finished it meanwhile.
    if (finished_or_failed(i)) {
      release_lock(lock);
      continue;
    }
    SL_RETURN_IF_ERROR(launch(i, lock, *branch_from));
  }
  return waiting;
}

std::optional<std::string> Driver::branch_point(size_t i) const {
  const PlannedRun& r = plan_.runs[i];
  if (r.branch_source.empty() || path_exists(paths(i).checkpoint())) return std::string();
  auto it = index_.find(r.branch_source);
  if (it == index_.end()) return std::string();
  const std::string snap = paths(it->second).snapshot(r.branch_step);
  if (path_exists(snap)) return snap;
  if (!finished_or_failed(it->second) && !skip_.count(it->second)) return std::nullopt;
  return std::string();  // the source ended without the snapshot: train this run from scratch
}

bool Driver::held_by_others() const {
  for (size_t i : order_) {
    if (!skip_.count(i) && !finished_or_failed(i) && lock_held_live(paths(i).sweep_lock()))
      return true;
  }
  return false;
}

absl::Status Driver::launch(size_t i, const std::string& lock, const std::string& branch_from) {
  const PlannedRun& r = plan_.runs[i];
  const RunPaths rp = paths(i);
  int slot = 0;
  while (slot < workers_.count && slot_busy_[slot]) ++slot;
  // A data-parallel run (train.ranks > 1): srun starts its ranks inside a Slurm job that holds
  // the tasks (the script of `scalelab sweep --slurm` asks for them), else `train --nproc`. Each
  // rank gets a worker's threads under srun (its own --cpus-per-task), a share of them locally.
  const int ranks = r.cfg.train.ranks;
  const bool srun = ranks > 1 && slurm_job_tasks() >= ranks;
  const int threads = srun ? workers_.threads : std::max(1, workers_.threads / ranks);
  std::vector<std::string> args;
  if (srun) {
    args = {"srun", absl::StrCat("--ntasks=", ranks),
            absl::StrCat("--cpus-per-task=", workers_.threads)};
  }
  args.insert(args.end(), {binary_, "train", rp.config(), "--run-dir", rp.dir, "--no-progress",
                           absl::StrCat("train.threads=", threads)});
  if (ranks > 1 && !srun) args.push_back(absl::StrCat("--nproc=", ranks));
  if (!opts_.device.empty())
    args.push_back("train.device=" + opts_.device);
  else if (workers_.cuda)
    args.push_back("train.device=cuda");
  if (!r.snapshot_steps.empty())
    args.push_back("--snapshot-steps=" + absl::StrJoin(r.snapshot_steps, ","));
  if (!branch_from.empty()) args.push_back("--branch-from=" + branch_from);
  const std::string gpu =
      workers_.cuda ? std::to_string(workers_.gpus[slot % workers_.gpus.size()]) : "";
  const pid_t pid = spawn(rp, args, gpu);
  if (pid < 0) return absl::InternalError(absl::StrCat("fork failed: ", strerror(errno)));
  LockInfo l = me_;
  l.child_pid = pid;
  l.child_start = process_start_time(pid);
  (void)update_lock(lock, l);
  slot_busy_[slot] = true;
  active_[pid] = Child{i, lock, slot, std::chrono::steady_clock::now()};
  log::info(absl::StrCat("starting run ", r.id,
                         branch_from.empty() ? ""
                                             : absl::StrCat(" (branch of ", r.branch_source,
                                                            " at step ", r.branch_step, ")"),
                         workers_.cuda ? " on GPU " + gpu : "", " [", active_.size(), "/",
                         workers_.count, " workers]"));
  return absl::OkStatus();
}

pid_t Driver::spawn(const RunPaths& rp, const std::vector<std::string>& args,
                    const std::string& gpu) const {
  const std::string log_path = rp.train_log();
  const std::string nthreads = std::to_string(workers_.threads);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  // The child: only async-signal-safe calls until exec.
  setpgid(0, 0);  // the terminal's Ctrl-C reaches the driver only; it forwards SIGTERM once
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // the driver died: checkpoint and stop
  if (getppid() != parent) _exit(kExitInterrupted);
  int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2) close(fd);
  }
  setenv("OMP_NUM_THREADS", nthreads.c_str(), 1);
  setenv("OPENBLAS_NUM_THREADS", nthreads.c_str(), 1);
  if (!gpu.empty()) setenv("CUDA_VISIBLE_DEVICES", gpu.c_str(), 1);
  unsetenv(
      "SCALELAB_CRASH_AT");  // the driver's crash point, not its trainers' (core/crash_points.h)
  unsetenv("SCALELAB_CRASH_TRACE");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());  // the binary's absolute path, or srun on PATH
  _exit(127);
}

void Driver::reap(pid_t pid, int wstatus) {
  const Child c = active_[pid];
  active_.erase(pid);
  slot_busy_[c.slot] = false;
  const PlannedRun& r = plan_.runs[c.run];
  const RunPaths rp = paths(c.run);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - c.started).count();
  const int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  if (code == kExitOk || code == kExitDiverged) {
    RunInfo info = inspect_run(dir_, r, false);
    log::info(absl::StrFormat("finished run %s (%s, %s, %s)", r.id, run_state_name(info.state),
                              format_duration(secs), final_loss_text(info.summary)));
    const json& loss = info.summary.value("final_val_loss", json());
    finished_.push_back({r.cfg.name, info.state == RunState::kDiverged ? "diverged"
                                     : loss.is_number()
                                         ? absl::StrFormat("%.4f", loss.get<double>())
                                         : "no val loss"});
  } else if (code == kExitInterrupted) {
    log::info(absl::StrCat("run ", r.id, " stopped at a checkpoint (resumes on the next launch)"));
    skip_.insert(c.run);
  } else if (WIFSIGNALED(wstatus) &&
             (WTERMSIG(wstatus) == SIGTERM || WTERMSIG(wstatus) == SIGINT)) {
    // A stop signal that arrived before the trainer installed its handler (its first second or so):
    // the user's or our own stop, never a failure. It resumes from its last checkpoint, if any.
    log::info(absl::StrCat("run ", r.id, " stopped by signal ", WTERMSIG(wstatus),
                           " before its first checkpoint boundary (resumes on the next launch)"));
    skip_.insert(c.run);
  } else {
    const std::string how = WIFSIGNALED(wstatus)
                                ? absl::StrCat("killed by signal ", WTERMSIG(wstatus), " (",
                                               strsignal(WTERMSIG(wstatus)), ")")
                                : absl::StrCat("exit code ", code);
    const std::string reason = absl::StrCat(how, ": ", tail_of_log(rp.train_log()));
    json f{{"status", "failed"}, {"exit_code", code}, {"reason", reason}, {"seconds", secs}};
    if (WIFSIGNALED(wstatus)) f["signal"] = WTERMSIG(wstatus);
    (void)write_file_atomic(rp.failed(), f.dump(2) + "\n");
    log::warn(absl::StrCat("run ", r.id, " failed: ", reason, " (see ", rp.train_log(),
                           "; --retry-failed retries it)"));
    skip_.insert(c.run);
  }
  release_lock(c.lock);
}

void Driver::show_progress(bool finished) {
  const auto now = std::chrono::steady_clock::now();
  if (!finished && now - last_progress_ < std::chrono::seconds(5)) return;
  last_progress_ = now;
  double work = 0;
  int n_done = 0, n_failed = 0;
  for (const auto& r : plan_.runs) {
    RunInfo info = inspect_run(dir_, r, true);
    if (info.state == RunState::kDone || info.state == RunState::kDiverged) {
      work += r.flops_chinchilla;
      ++n_done;
    } else {
      if (info.state == RunState::kFailed) ++n_failed;
      work += r.flops_chinchilla * std::min(1.0, static_cast<double>(info.step) /
                                                     std::max<int64_t>(1, info.total_steps));
    }
  }
  if (work_at_start_ < 0) work_at_start_ = work;
  const double denom = std::max(1e-9, total_work_ - work_at_start_);
  progress_.update(100.0 * (work - work_at_start_) / denom, 100.0,
                   absl::StrFormat("(compute) | runs: %d/%d done, %d running, %d failed%s", n_done,
                                   plan_.runs.size(), active_.size(), n_failed,
                                   finished_.empty() ? "" : " | " + latest_runs_text(finished_)),
                   finished);
}

SweepResult Driver::tally() const {
  SweepResult result;
  result.total = static_cast<int>(plan_.runs.size());
  for (const auto& r : plan_.runs) {
    RunInfo info = inspect_run(dir_, r, false);
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
  return result;
}
}  // namespace

std::string latest_runs_text(const std::vector<FinishedRun>& finished, size_t max) {
  std::vector<std::string> parts;
  for (auto it = finished.rbegin(); it != finished.rend() && parts.size() < max; ++it)
    parts.push_back(absl::StrCat(it->name, " ", it->result));
  return parts.empty() ? "" : absl::StrCat("last: ", absl::StrJoin(parts, ", "));
}

absl::StatusOr<SweepResult> run_sweep(const SweepPlan& plan, const SweepOptions& opts) {
  const std::string dir = opts.dir.empty() ? default_sweep_dir(plan) : opts.dir;
  SL_RETURN_IF_ERROR(prepare_sweep_dir(plan, dir));
  SL_ASSIGN_OR_RETURN(Workers workers, plan_workers(plan, opts));
  log::add_file(SweepPaths(dir).log());
  auto result = Driver(plan, opts, dir, std::move(workers)).run();
  log::add_file("");
  return result;
}
}  // namespace sl
