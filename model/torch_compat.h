// Everything that differs between LibTorch 1.13 (Debian, CPU machines) and 2.x (the GPU machine's
// PyTorch) lives behind this header, in torch_compat.cpp, behind TORCH_VERSION_MAJOR:
// attention, autocast and the fused optimizer.
#pragma once
#include <torch/torch.h>

namespace sl {
// Causal attention. q, k, v: (B, nh, T, hs) -> (B, nh, T, hs).
// 2.x: scaled_dot_product_attention (flash / memory-efficient kernels on CUDA).
// 1.13: explicit masked softmax (there is no public SDPA).
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               double dropout_p, bool training);
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
}  // namespace sl
