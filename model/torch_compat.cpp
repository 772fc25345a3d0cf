#include "model/torch_compat.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <cmath>
#include <limits>
#include <optional>

#include "model/cpu_kernels.h"

#if TORCH_VERSION_MAJOR < 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR < 4)
#error "scalelab needs LibTorch 2.4 or later (device-type autocast API); see docs/build.md"
#endif

namespace sl {
torch::Tensor causal_attention_reference(const torch::Tensor& q, const torch::Tensor& k,
                                         const torch::Tensor& v, double scale) {
  const int64_t T = q.size(-2);
  const double sc = scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  auto att = torch::matmul(q, k.transpose(-2, -1)) * sc;
  auto mask =
      torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool).device(q.device())).tril();
  att = att.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
  return torch::matmul(torch::softmax(att, -1), v);
}

torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, double dropout_p, bool training,
                               double scale) {
  std::optional<double> sc;  // SDPA's default is 1 / sqrt(hs)
  if (scale > 0) sc = scale;
  return at::scaled_dot_product_attention(q, k, v, /*attn_mask=*/{}, training ? dropout_p : 0.0,
                                          /*is_causal=*/true, sc);
}

torch::Tensor causal_self_attention(const torch::Tensor& qkv, int64_t n_head, double dropout_p,
                                    bool training, int64_t n_kv_head, double scale) {
  const int64_t nkv = n_kv_head > 0 ? n_kv_head : n_head;
  if (qkv.device().is_cpu() && qkv.scalar_type() == torch::kFloat &&
      (!training || dropout_p <= 0)) {
    return fused_causal_attention_cpu(qkv, n_head, nkv, scale);
  }
  const int64_t B = qkv.size(0), T = qkv.size(1), hs = qkv.size(2) / (n_head + 2 * nkv),
                C = n_head * hs;
  auto parts = qkv.split_with_sizes({C, nkv * hs, nkv * hs}, /*dim=*/2);
  auto q = parts[0].view({B, T, n_head, hs}).transpose(1, 2);  // (B, nh, T, hs)
  auto k = parts[1].view({B, T, nkv, hs}).transpose(1, 2);     // (B, nkv, T, hs)
  auto v = parts[2].view({B, T, nkv, hs}).transpose(1, 2);
  if (nkv != n_head) {  // each key/value head serves n_head / nkv consecutive query heads
    k = k.repeat_interleave(n_head / nkv, 1);
    v = v.repeat_interleave(n_head / nkv, 1);
  }
  auto y = causal_attention(q, k, v, dropout_p, training, scale);  // (B, nh, T, hs)
  return y.transpose(1, 2).contiguous().view({B, T, C});           // heads side by side again
}

torch::Tensor linear_forward(const torch::Tensor& x, const torch::Tensor& w,
                             const torch::Tensor& b) {
  if (x.device().is_cpu() && x.scalar_type() == torch::kFloat) return dnnl_linear(x, w, b);
  return torch::linear(x, w, b);
}

AutocastGuard::AutocastGuard(torch::Device device, bool enabled) {
  if (!enabled || !device.is_cuda()) return;
  previous_ = at::autocast::is_autocast_enabled(at::kCUDA);
  previous_dtype_ = at::autocast::get_autocast_dtype(at::kCUDA);
  at::autocast::set_autocast_enabled(at::kCUDA, true);
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  active_ = true;
}
AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  at::autocast::set_autocast_enabled(at::kCUDA, previous_);
  at::autocast::set_autocast_dtype(at::kCUDA, previous_dtype_);
  at::autocast::clear_cache();
}

bool fused_adamw_available(torch::Device device) { return device.is_cuda(); }
void fused_adamw_step(std::vector<torch::Tensor> params, std::vector<torch::Tensor> grads,
                      std::vector<torch::Tensor> exp_avg, std::vector<torch::Tensor> exp_avg_sq,
                      std::vector<torch::Tensor> steps, double lr, double beta1, double beta2,
                      double weight_decay, double eps) {
  at::_fused_adamw_(params, grads, exp_avg, exp_avg_sq, /*max_exp_avg_sqs=*/{}, steps, lr, beta1,
                    beta2, weight_decay, eps, /*amsgrad=*/false, /*maximize=*/false);
}

const char* torch_version_string() { return TORCH_VERSION; }
}  // namespace sl
