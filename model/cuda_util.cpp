#include "model/cuda_util.h"

#include <stdexcept>

#if defined(SCALELAB_WITH_CUDA)
#include <ATen/autocast_mode.h>
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif

namespace sl {
#if defined(SCALELAB_WITH_CUDA)
namespace {
int index_of(torch::Device device) {
  return device.has_index() ? device.index() : at::cuda::current_device();
}
}  // namespace

bool built_with_cuda() { return true; }
std::string cuda_unavailable_reason() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so a later query starts clean
    return std::string("the CUDA runtime found no usable GPU (") + cudaGetErrorString(err) + ")";
  }
  if (count == 0) return "the CUDA runtime found no GPU";
  return "";
}
void enable_tf32() {
  at::globalContext().setAllowTF32CuBLAS(true);
  at::globalContext().setAllowTF32CuDNN(true);
}
void device_synchronize(torch::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.has_index() ? device.index() : -1);
}
std::string cuda_device_name(torch::Device device) {
  if (!device.is_cuda()) return "";
  return at::cuda::getDeviceProperties(index_of(device))->name;
}
int64_t cuda_peak_allocated_bytes(torch::Device device) {
  if (!device.is_cuda()) return 0;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index_of(device));
  return stats.allocated_bytes[0].peak;  // index 0: StatType::AGGREGATE in every version
}
void cuda_reset_peak_memory(torch::Device device) {
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(index_of(device));
}

struct CudaGraphStep::Impl {
  at::cuda::CUDAGraph graph;
};
CudaGraphStep::CudaGraphStep() = default;
CudaGraphStep::~CudaGraphStep() = default;
bool CudaGraphStep::available() { return torch::cuda::is_available(); }
void CudaGraphStep::capture(const std::function<void()>& step, int warmup) {
  if (!available())
    throw std::logic_error("CUDA graphs need a GPU; check CudaGraphStep::available()");
  impl_ = std::make_unique<Impl>();
  torch::cuda::synchronize();
  auto stream = c10::cuda::getStreamFromPool();
  {
    c10::cuda::CUDAStreamGuard guard(stream);
    const bool cache = at::autocast::is_autocast_cache_enabled();
    at::autocast::set_autocast_cache_enabled(false);  // cached casts would be freed under the graph
    for (int i = 0; i < warmup; ++i) step();
    stream.synchronize();
    impl_->graph.capture_begin();
    step();
    impl_->graph.capture_end();
    at::autocast::set_autocast_cache_enabled(cache);
  }
  torch::cuda::synchronize();
}
void CudaGraphStep::replay() {
  if (!impl_) throw std::logic_error("CudaGraphStep::replay before capture");
  impl_->graph.replay();
}
#else
bool built_with_cuda() { return false; }
std::string cuda_unavailable_reason() { return "this LibTorch was built without CUDA"; }
void enable_tf32() {}
void device_synchronize(torch::Device) {}
std::string cuda_device_name(torch::Device) { return ""; }
int64_t cuda_peak_allocated_bytes(torch::Device) { return 0; }
void cuda_reset_peak_memory(torch::Device) {}

struct CudaGraphStep::Impl {};
CudaGraphStep::CudaGraphStep() = default;
CudaGraphStep::~CudaGraphStep() = default;
bool CudaGraphStep::available() { return false; }
void CudaGraphStep::capture(const std::function<void()>&, int) {
  throw std::logic_error(
      "CUDA graphs need a LibTorch built with CUDA; check CudaGraphStep::available()");
}
void CudaGraphStep::replay() {
  throw std::logic_error("CUDA graphs need a LibTorch built with CUDA");
}
#endif
}  // namespace sl
