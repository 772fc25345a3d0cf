#include "core/cpu_tuning.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace sl {
const char* openblas_coretype_for_this_cpu() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, flags;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) {
      flags = line + " ";
      break;
    }
  }
  if (flags.find(" avx512f ") != std::string::npos) return "SkylakeX";
  if (flags.find(" avx2 ") != std::string::npos) return "Haswell";
  return nullptr;
}

void reexec_with_cpu_tuning(char** argv) {
  bool changed = false;
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr) {
    if (const char* core = openblas_coretype_for_this_cpu()) {
      setenv("OPENBLAS_CORETYPE", core, 1);
      changed = true;
    }
  }
  if (std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("GOMP_SPINCOUNT") == nullptr) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    changed = true;
  }
  if (!changed) return;
  execv("/proc/self/exe", argv);  // returns only on failure: then we run with the library defaults
}
}  // namespace sl
