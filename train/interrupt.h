// SIGINT / SIGTERM (Ctrl-C, a scheduler's preemption) set a flag; the trainer checkpoints at the
// next step boundary and exits with kExitInterrupted. A second signal exits at once.
//
// No signal handler ever runs on a compute thread: install_interrupt_handlers blocks both signals
// in the calling thread, so in every thread started after it (OpenMP, oneDNN, autograd, CUDA), and
// one thread of its own takes them with sigwait. (With a handler interrupting the step, the heap
// was corrupted about once in 90 stops: docs/reliability.md.) Call it first thing in main's
// command, before any other thread exists. Programs started through core/subprocess.h get a clean
// mask.
#pragma once
#include "core/exit_codes.h"

namespace sl {
void install_interrupt_handlers();  // idempotent
// For a process that computes nothing and starts children (the sweep driver): a plain handler that
// sets the same flag, and no extra thread. A child's PR_SET_PDEATHSIG fires once for every thread
// of its parent that exits, so a driver with a signal thread would, when killed, stop its children
// twice (and the second stop does not wait for a checkpoint).
void install_interrupt_flag_handlers();
bool interrupt_requested();
}  // namespace sl
