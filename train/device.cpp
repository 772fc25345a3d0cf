#include "train/device.h"

#include <dlfcn.h>
#include <malloc.h>

#include <thread>

#include "core/machine.h"
#include "model/cuda_util.h"

namespace sl {
absl::StatusOr<torch::Device> resolve_device(const std::string& name) {
  torch::Device device(torch::kCPU);
  if (name == "cpu") return device;
  // Only now ask the CUDA runtime: a CPU run never touches it.
  const bool cuda = (name == "cuda" || name == "auto") && torch::cuda::is_available();
  if (name == "cuda") {
    if (!cuda) {
      return absl::UnavailableError(
          absl::StrCat("device cuda asked for, but ", cuda_unavailable_reason(),
                       "; run on a machine with an NVIDIA GPU and driver, or use the "
                       "CPU (train.device: cpu, or --device cpu)"));
    }
    device = torch::Device(torch::kCUDA);
  } else if (name == "auto") {
    if (cuda) device = torch::Device(torch::kCUDA);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown device '", name, "'; use cpu, cuda or auto"));
  }
  if (device.is_cuda()) enable_tf32();
  return device;
}

void keep_freed_memory() {
  static const bool done = [] {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
    return true;
  }();
  (void)done;
}

void configure_threads(int threads) {
  const int n = threads > 0 ? threads : available_cores();
  torch::set_num_threads(n);
  static bool interop_set = false;  // may be set once per process
  if (!interop_set) {
    try {
      torch::set_num_interop_threads(1);
    } catch (const std::exception&) {
    }
    interop_set = true;
  }
  // OpenBLAS (libopenblas0-pthread) has its own pool; the OpenMP pool already splits the work.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set(1);
}
}  // namespace sl
