// Process-wide CPU settings that libraries read from the environment when they load, before main():
// - OpenBLAS 0.3.21 (Debian 12) does not recognise recent Intel Xeons (e.g. family 6 model 207) and
//   falls back to its generic PRESCOTT kernels, 3-5x slower than the AVX-512 ones: OPENBLAS_CORETYPE.
// - libgomp's idle workers spin for a while after each parallel region; on a machine whose other
//   cores are busy (a sweep's other workers, someone's build) that made two threads 3x slower than
//   one. OMP_WAIT_POLICY=PASSIVE puts them to sleep instead (train/device.h, docs/bench.md).
// The fix is to re-execute the program once with the variables set. A value the user or the machine
// already set is always kept (GOMP_SPINCOUNT counts as a wait policy).
#pragma once

namespace sl {
// The OpenBLAS core type this CPU should use ("SkylakeX" with AVX-512, "Haswell" with AVX2), or
// nullptr when OpenBLAS's own detection is fine.
const char* openblas_coretype_for_this_cpu();
// If any of the variables above is unset (and, for the core type, this CPU needs it), sets them and
// re-executes /proc/self/exe with the same arguments. Returns only when no re-execution was needed
// (or it failed).
void reexec_with_cpu_tuning(char** argv);
}  // namespace sl
