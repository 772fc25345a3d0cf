#include "core/cpu_tuning.h"

#include <unistd.h>

#include <cstdlib>

namespace sl {
void reexec_with_cpu_tuning(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  setenv("GOMP_SPINCOUNT", kSpinCount, 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then we run with the library defaults
}
}  // namespace sl
