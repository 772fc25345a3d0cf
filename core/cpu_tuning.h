// OpenBLAS 0.3.21 (Debian 12) does not recognise recent Intel Xeons (e.g. family 6 model 207) and
// falls back to its generic PRESCOTT kernels, 3-5x slower than the AVX-512 ones. OpenBLAS reads
// OPENBLAS_CORETYPE when it loads, before main(), so the fix is to re-execute the program once with the
// variable set. A value the user or the machine already set is always kept.
#pragma once

namespace sl {
// The OpenBLAS core type this CPU should use ("SkylakeX" with AVX-512, "Haswell" with AVX2), or
// nullptr when OpenBLAS's own detection is fine.
const char* openblas_coretype_for_this_cpu();
// If OPENBLAS_CORETYPE is unset and this CPU needs it, sets it and re-executes /proc/self/exe with
// the same arguments. Returns only when no re-execution was needed (or it failed).
void reexec_with_openblas_coretype(char** argv);
}  // namespace sl
