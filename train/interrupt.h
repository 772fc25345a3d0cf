// SIGINT / SIGTERM (Ctrl-C, a scheduler's preemption) set a flag; the trainer checkpoints at the next
// step boundary and exits with kExitInterrupted. A second signal exits at once.
#pragma once
#include "core/exit_codes.h"

namespace sl {
void install_interrupt_handlers();
bool interrupt_requested();
}  // namespace sl
