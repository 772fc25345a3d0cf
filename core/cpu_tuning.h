// Process-wide CPU settings that libraries read from the environment when they load, before main():
// how long libgomp's idle workers spin after a parallel region before they sleep. Spinning forever
// (libgomp's default where it thinks the cores are free) made two threads 3x slower than one when
// another process was busy on the other core; sleeping at once (OMP_WAIT_POLICY=PASSIVE) made two
// threads slower than one on the 3M-parameter shape (4.9k against 8.9k tokens/s), the futex
// wake-ups of oneDNN's many short parallel regions costing a quarter of the step in the kernel. A
// bounded spin, GOMP_SPINCOUNT=100000 (tens of microseconds), gave 15.8k tokens/s there
// (BENCHMARKS.md). The fix is to re-execute the program once with the variable set. A value the
// user or the machine already set (GOMP_SPINCOUNT or OMP_WAIT_POLICY) is always kept.
#pragma once

namespace sl {
inline constexpr const char* kSpinCount = "100000";
// If neither variable is set, sets GOMP_SPINCOUNT and re-executes /proc/self/exe with the same
// arguments. Returns only when no re-execution was needed (or it failed).
void reexec_with_cpu_tuning(char** argv);
}  // namespace sl
