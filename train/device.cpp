#include "train/device.h"

#include <dlfcn.h>

#include <thread>

namespace sl {
absl::StatusOr<torch::Device> resolve_device(const std::string& name) {
  const bool cuda = torch::cuda::is_available();
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name == "cuda") {
    if (!cuda) {
      return absl::FailedPreconditionError(
          "train.device is cuda but no CUDA device is usable (this LibTorch build or machine has none); "
          "set train.device: cpu (or auto)");
    }
    return torch::Device(torch::kCUDA);
  }
  if (name == "auto") return torch::Device(cuda ? torch::kCUDA : torch::kCPU);
  return absl::InvalidArgumentError(absl::StrCat("unknown device '", name, "'; use cpu, cuda or auto"));
}

int hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

void configure_threads(int threads) {
  const int n = threads > 0 ? threads : hardware_threads();
  torch::set_num_threads(n);
  static bool interop_set = false;  // may be set once per process
  if (!interop_set) {
    try {
      torch::set_num_interop_threads(1);
    } catch (const std::exception&) {
    }
    interop_set = true;
  }
  // OpenBLAS (libopenblas0-pthread) has its own pool; torch's OpenMP threads already split the work.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
}
}  // namespace sl
