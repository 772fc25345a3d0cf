#include "train/interrupt.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

namespace sl {
namespace {
std::atomic<int> g_signals{0};

[[noreturn]] void take_signals(sigset_t set) {
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (g_signals.fetch_add(1) >= 1) _exit(kExitInterrupted);  // second signal: no more waiting
    const char msg[] = "\ninterrupt: checkpointing at the next step boundary (again to exit now)\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
  }
}
}  // namespace

void install_interrupt_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread(take_signals, set).detach();
  });
}

void install_interrupt_flag_handlers() {
  struct sigaction sa {};
  sa.sa_handler = [](int) {
    if (g_signals.fetch_add(1) >= 1) _exit(kExitInterrupted);
  };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupt_requested() { return g_signals.load() > 0; }
}  // namespace sl
