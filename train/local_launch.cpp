#include "train/local_launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/exit_codes.h"
#include "train/interrupt.h"

namespace sl {
int free_local_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

namespace {
pid_t spawn_rank(const std::vector<std::string>& argv, int rank, int nproc, int port) {
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> env_kv{
      absl::StrCat("RANK=", rank),       absl::StrCat("WORLD_SIZE=", nproc),
      absl::StrCat("LOCAL_RANK=", rank), absl::StrCat("LOCAL_WORLD_SIZE=", nproc),
      "MASTER_ADDR=127.0.0.1",           absl::StrCat("MASTER_PORT=", port)};
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  setpgid(0, 0);  // a terminal's Ctrl-C reaches the launcher only; it passes SIGTERM on once
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // the launcher died: checkpoint and stop
  if (getppid() != parent) _exit(kExitInterrupted);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  for (auto& kv : env_kv) putenv(kv.data());
  execv(args[0], args.data());
  _exit(127);
}
}  // namespace

int launch_local_ranks(const std::vector<std::string>& argv, int nproc,
                       const std::vector<std::string>& rank_args) {
  install_interrupt_flag_handlers();
  const int port = free_local_port();
  if (port == 0) {
    std::fprintf(stderr, "error: --nproc: no free TCP port on 127.0.0.1 for the rendezvous\n");
    return kExitFailed;
  }
  std::map<pid_t, int> ranks;  // pid -> rank, while it runs
  for (int r = 0; r < nproc; ++r) {
    std::vector<std::string> a = argv;
    if (r > 0) a.insert(a.end(), rank_args.begin(), rank_args.end());
    const pid_t pid = spawn_rank(a, r, nproc, port);
    if (pid < 0) {
      std::fprintf(stderr, "error: --nproc: could not start rank %d: %s\n", r,
                   std::strerror(errno));
      for (const auto& [p, _] : ranks) kill(p, SIGTERM);
      nproc = r;
      break;
    }
    ranks[pid] = r;
  }
  int code = ranks.size() == static_cast<size_t>(nproc) ? kExitOk : kExitFailed;
  bool forwarded = false;
  while (!ranks.empty()) {
    if (interrupt_requested() && !forwarded) {
      for (const auto& [p, _] : ranks) kill(p, SIGTERM);
      forwarded = true;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    auto it = ranks.find(pid);
    if (it == ranks.end()) continue;
    const int rank = it->second;
    ranks.erase(it);
    int rc = kExitOk;
    if (WIFEXITED(status)) {
      rc = WEXITSTATUS(status);
      if (rc != kExitOk)
        std::fprintf(stderr, "scalelab train --nproc: rank %d exited with code %d\n", rank, rc);
    } else if (WIFSIGNALED(status)) {
      rc = kExitRankLost;
      std::fprintf(stderr,
                   "scalelab train --nproc: rank %d (pid %d) was killed by signal %d (%s)\n", rank,
                   static_cast<int>(pid), WTERMSIG(status), strsignal(WTERMSIG(status)));
    }
    if (code == kExitOk) code = rc;  // the first failure is the cause; the rest follow from it
  }
  return code;
}
}  // namespace sl
