// SIGINT / SIGTERM (Ctrl-C, a scheduler's preemption) set a flag; the trainer checkpoints at the next
// step boundary and exits with kExitInterrupted. A second signal exits at once.
//
// No signal handler ever runs on a compute thread: install_interrupt_handlers blocks both signals in
// the calling thread, so in every thread started after it (OpenMP, oneDNN, autograd, CUDA), and one
// thread of its own takes them with sigwait. (With a handler interrupting the step, the heap was
// corrupted about once in 90 stops: docs/reliability.md.) Call it first thing in main's command, before any
// other thread exists. Children inherit the blocked mask through fork and exec: a `scalelab train`
// child takes a stop sent before it is ready at its first step boundary instead of dying of it; other
// programs are started with a clean mask (core/subprocess.h).
#pragma once
#include "core/exit_codes.h"

namespace sl {
void install_interrupt_handlers();  // idempotent
bool interrupt_requested();
}  // namespace sl
