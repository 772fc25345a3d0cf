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

void reexec_with_openblas_coretype(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  const char* core = openblas_coretype_for_this_cpu();
  if (core == nullptr) return;
  setenv("OPENBLAS_CORETYPE", core, 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then we run with the generic kernels
}
}  // namespace sl
