// Everything that differs between LibTorch 1.13 (Debian, CPU machines) and 2.x (the GPU machine's
// PyTorch) lives behind this header, in torch_compat.cpp, behind TORCH_VERSION_MAJOR:
// attention, autocast and the fused optimizer.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>

namespace sl {
// Causal attention. q, k, v: (B, nh, T, hs) -> (B, nh, T, hs).
// 2.x: scaled_dot_product_attention (flash / memory-efficient kernels on CUDA).
// 1.13: explicit masked softmax (there is no public SDPA).
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               double dropout_p, bool training);
// The same from the c_attn output: qkv (B, T, 3C) = [q | k | v] with heads side by side -> (B, T, C).
// On 1.13 CPU float32 without dropout: the fused kernel of model/cpu_kernels.h (no layout copies,
// no T x T mask, upper triangle skipped); otherwise split, causal_attention, re-assemble.
torch::Tensor causal_self_attention(const torch::Tensor& qkv, int64_t n_head, double dropout_p, bool training);
// y = x w^T (+ b). On 1.13 CPU float32: oneDNN's sgemm (model/cpu_kernels.h), threaded with the same
// OpenMP pool as every other operator; otherwise torch::linear.
torch::Tensor linear_forward(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b = {});
// The plain masked-softmax formula, kept as the reference both paths are tested against.
torch::Tensor causal_attention_reference(const torch::Tensor& q, const torch::Tensor& k,
                                         const torch::Tensor& v);

// bf16 autocast for CUDA forward passes; a no-op guard on CPU.
class AutocastGuard {
 public:
  AutocastGuard(torch::Device device, bool enabled);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_ = false;
  bool previous_ = false;
  at::ScalarType previous_dtype_ = at::kBFloat16;
};

// True where a fused multi-tensor AdamW kernel exists (LibTorch 2.x on CUDA).
bool fused_adamw_available(torch::Device device);
// One fused AdamW update over `params` (LibTorch 2.x CUDA only; call fused_adamw_available first).
// step: a float tensor on the device holding the step count (incremented by the kernel).
void fused_adamw_step(std::vector<torch::Tensor> params, std::vector<torch::Tensor> grads,
                      std::vector<torch::Tensor> exp_avg, std::vector<torch::Tensor> exp_avg_sq,
                      std::vector<torch::Tensor> steps, double lr, double beta1, double beta2,
                      double weight_decay, double eps);

const char* torch_version_string();

// CUDA helpers for the trainer and the bench. Built only where LibTorch has CUDA (SCALELAB_WITH_CUDA,
// set by model/CMakeLists.txt); elsewhere they report "no CUDA" and never touch a GPU.
bool built_with_cuda();
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
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
}  // namespace sl
