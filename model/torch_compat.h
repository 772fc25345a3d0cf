// The few LibTorch operators the model and the trainer reach through one door, so a version change
// (LibTorch 2.4 or later is required; docs/build.md) or a faster CPU kernel is one edit here:
// attention, linear layers, bf16 autocast and the fused AdamW kernel. CUDA-only helpers (graphs,
// allocator statistics) are in model/cuda_util.h.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace sl {
// Causal attention. q, k, v: (B, nh, T, hs) -> (B, nh, T, hs): scaled_dot_product_attention (flash
// kernels on CUDA and CPU). `scale` on the scores q k^T; 0 means 1 / sqrt(hs) (everywhere below).
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, double dropout_p, bool training,
                               double scale = 0.0);
// The same from the c_attn output: qkv (B, T, C + 2 Ckv) = [q | k | v] with heads side by side
// (C = n_head hs, Ckv = n_kv_head hs; n_kv_head 0 means n_head, and query head h reads key/value
// head h / (n_head / n_kv_head)) -> (B, T, C). On the CPU in float32 without dropout: the fused
// kernel of model/cpu_kernels.h (no layout copies, upper triangle skipped, oneDNN GEMMs);
// otherwise split, repeat the key/value heads, causal_attention, re-assemble.
torch::Tensor causal_self_attention(const torch::Tensor& qkv, int64_t n_head, double dropout_p,
                                    bool training, int64_t n_kv_head = 0, double scale = 0.0);
// y = x w^T (+ b). On the CPU in float32: oneDNN's sgemm (model/cpu_kernels.h); otherwise
// torch::linear.
torch::Tensor linear_forward(const torch::Tensor& x, const torch::Tensor& w,
                             const torch::Tensor& b = {});
// The plain masked-softmax formula, kept as the reference both paths are tested against.
torch::Tensor causal_attention_reference(const torch::Tensor& q, const torch::Tensor& k,
                                         const torch::Tensor& v, double scale = 0.0);

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

// True where the fused multi-tensor AdamW kernel runs (CUDA).
bool fused_adamw_available(torch::Device device);
// One fused AdamW update over `params` (call fused_adamw_available first).
// step: a float tensor on the device holding the step count (incremented by the kernel).
void fused_adamw_step(std::vector<torch::Tensor> params, std::vector<torch::Tensor> grads,
                      std::vector<torch::Tensor> exp_avg, std::vector<torch::Tensor> exp_avg_sq,
                      std::vector<torch::Tensor> steps, double lr, double beta1, double beta2,
                      double weight_decay, double eps);

const char* torch_version_string();
}  // namespace sl
