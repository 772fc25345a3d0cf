#include "train/interrupt.h"

#include <csignal>
#include <cstdlib>
#include <atomic>
#include <unistd.h>

namespace sl {
namespace {
std::atomic<int> g_signals{0};

void on_signal(int) {
  if (g_signals.fetch_add(1) >= 1) _exit(kExitInterrupted);  // second signal: no more waiting
  const char msg[] = "\ninterrupt: checkpointing at the next step boundary (again to exit now)\n";
  ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
}
}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupt_requested() { return g_signals.load() > 0; }
}  // namespace sl
