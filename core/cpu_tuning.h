// Process-wide CPU settings that libraries read from the environment when they load, before main():
// libgomp's idle workers spin for a while after each parallel region; on a machine whose other
// cores are busy (a sweep's other workers, someone's build) that made two threads 3x slower than
// one. OMP_WAIT_POLICY=PASSIVE puts them to sleep instead (train/device.h, docs/bench.md).
// The fix is to re-execute the program once with the variable set. A value the user or the machine
// already set is always kept (GOMP_SPINCOUNT counts as a wait policy).
#pragma once

namespace sl {
// If the wait policy is unset, sets it and re-executes /proc/self/exe with the same arguments.
// Returns only when no re-execution was needed (or it failed).
void reexec_with_cpu_tuning(char** argv);
}  // namespace sl
