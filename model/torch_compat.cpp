#include "model/torch_compat.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <cmath>
#include <stdexcept>

namespace sl {
torch::Tensor causal_attention_reference(const torch::Tensor& q, const torch::Tensor& k,
                                         const torch::Tensor& v) {
  const int64_t T = q.size(-2);
  auto att = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  auto mask = torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool).device(q.device())).tril();
  att = att.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
  return torch::matmul(torch::softmax(att, -1), v);
}

#if TORCH_VERSION_MAJOR >= 2
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               double dropout_p, bool training) {
  return at::scaled_dot_product_attention(q, k, v, /*attn_mask=*/{}, training ? dropout_p : 0.0,
                                          /*is_causal=*/true);
}
#else
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               double dropout_p, bool training) {
  const int64_t T = q.size(-2);
  // Additive mask (T, T): 0 on and below the diagonal, -inf above; baddbmm fuses scale and mask.
  auto mask = torch::full({T, T}, -std::numeric_limits<float>::infinity(), q.options()).triu(1);
  const auto B = q.size(0), nh = q.size(1), hs = q.size(3);
  auto q3 = q.reshape({B * nh, T, hs}), k3 = k.reshape({B * nh, T, hs}), v3 = v.reshape({B * nh, T, hs});
  auto att = torch::baddbmm(mask.expand({B * nh, T, T}), q3, k3.transpose(1, 2), /*beta=*/1.0,
                            /*alpha=*/1.0 / std::sqrt(static_cast<double>(hs)));  // (B*nh, T, T)
  att = torch::softmax(att, -1);
  if (training && dropout_p > 0) att = torch::dropout(att, dropout_p, true);
  return torch::bmm(att, v3).view({B, nh, T, hs});
}
#endif

#if TORCH_VERSION_MAJOR >= 2
AutocastGuard::AutocastGuard(torch::Device device, bool enabled) {
  if (!enabled || !device.is_cuda()) return;
  previous_ = at::autocast::is_autocast_enabled(at::kCUDA);
  at::autocast::set_autocast_enabled(at::kCUDA, true);
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  active_ = true;
}
AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  at::autocast::set_autocast_enabled(at::kCUDA, previous_);
  at::autocast::clear_cache();
}
#else
AutocastGuard::AutocastGuard(torch::Device device, bool enabled) {
  if (!enabled || !device.is_cuda()) return;
  previous_ = at::autocast::is_enabled();
  at::autocast::set_enabled(true);
  at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  active_ = true;
}
AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  at::autocast::set_enabled(previous_);
  at::autocast::clear_cache();
}
#endif

#if TORCH_VERSION_MAJOR >= 2
bool fused_adamw_available(torch::Device device) { return device.is_cuda(); }
void fused_adamw_step(std::vector<torch::Tensor> params, std::vector<torch::Tensor> grads,
                      std::vector<torch::Tensor> exp_avg, std::vector<torch::Tensor> exp_avg_sq,
                      std::vector<torch::Tensor> steps, double lr, double beta1, double beta2,
                      double weight_decay, double eps) {
  at::_fused_adamw_(params, grads, exp_avg, exp_avg_sq, /*max_exp_avg_sqs=*/{}, steps, lr, beta1, beta2,
                    weight_decay, eps, /*amsgrad=*/false, /*maximize=*/false);
}
#else
bool fused_adamw_available(torch::Device) { return false; }
void fused_adamw_step(std::vector<torch::Tensor>, std::vector<torch::Tensor>, std::vector<torch::Tensor>,
                      std::vector<torch::Tensor>, std::vector<torch::Tensor>, double, double, double,
                      double, double) {
  throw std::logic_error("fused AdamW needs LibTorch 2.x on CUDA; check fused_adamw_available()");
}
#endif

const char* torch_version_string() { return TORCH_VERSION; }
}  // namespace sl
