// CUDA helpers for the trainer and the bench. Compiled with CUDA where LibTorch has it
// (SCALELAB_WITH_CUDA, set by model/CMakeLists.txt: every CI build does); elsewhere they report "no
// CUDA". None of them touches the CUDA runtime unless asked about a CUDA device, so a CUDA build
// runs its CPU paths on a machine without a GPU or driver.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>

namespace sl {
bool built_with_cuda();
// Why CUDA cannot be used here ("" when it can): no CUDA in this LibTorch, no driver, no device.
std::string cuda_unavailable_reason();
// TF32 for float32 matmuls and convolutions outside autocast (the bf16 path does not need it).
void enable_tf32();
void device_synchronize(torch::Device device);  // no-op on the CPU
std::string cuda_device_name(torch::Device device);
// The caching allocator's peak of allocated bytes since the last reset (0 without CUDA).
int64_t cuda_peak_allocated_bytes(torch::Device device);
void cuda_reset_peak_memory(torch::Device device);

// One training step captured in a CUDA graph and replayed: removes the per-kernel launch cost that
// dominates small models on a GPU. Capture runs `warmup` eager steps on a side stream first (as
// PyTorch requires), with autocast's weight cache off. The step must read its inputs from tensors
// that stay put (copy new batches into them before replay) and must not sync with the host. Host
// values used by the step (the learning rate) are frozen at capture.
class CudaGraphStep {
 public:
  CudaGraphStep();
  ~CudaGraphStep();
  CudaGraphStep(const CudaGraphStep&) = delete;
  CudaGraphStep& operator=(const CudaGraphStep&) = delete;
  static bool available();  // built with CUDA and a GPU present
  void capture(const std::function<void()>& step, int warmup);
  void replay();

 private:
  struct Impl;  // the graph; made at capture (its constructor needs a GPU)
  std::unique_ptr<Impl> impl_;
};
}  // namespace sl
