// SIGINT / SIGTERM (Ctrl-C, a scheduler's preemption) set a flag; the trainer checkpoints at the next
// step boundary and exits with kExitInterrupted. A second signal exits at once.
#pragma once

namespace sl {
void install_interrupt_handlers();
bool interrupt_requested();
void request_interrupt();  // for tests and the sweep driver

// Process exit codes of `scalelab train` (the sweep driver reads them).
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitDiverged = 3;
constexpr int kExitInterrupted = 75;  // EX_TEMPFAIL: resumable, run the same command again
}  // namespace sl
