#include "model/torch_compat.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <cmath>
#include <stdexcept>

#include "model/cpu_kernels.h"

#if defined(SCALELAB_WITH_CUDA)
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

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

namespace {
torch::Tensor split_heads_attention(const torch::Tensor& qkv, int64_t n_head, double dropout_p, bool training) {
  const int64_t B = qkv.size(0), T = qkv.size(1), C = qkv.size(2) / 3, hs = C / n_head;
  auto parts = qkv.split(C, /*dim=*/2);                            // 3 x (B, T, C)
  auto q = parts[0].view({B, T, n_head, hs}).transpose(1, 2);      // (B, nh, T, hs)
  auto k = parts[1].view({B, T, n_head, hs}).transpose(1, 2);
  auto v = parts[2].view({B, T, n_head, hs}).transpose(1, 2);
  auto y = causal_attention(q, k, v, dropout_p, training);          // (B, nh, T, hs)
  return y.transpose(1, 2).contiguous().view({B, T, C});           // heads side by side again
}
}  // namespace

torch::Tensor causal_self_attention(const torch::Tensor& qkv, int64_t n_head, double dropout_p, bool training) {
#if TORCH_VERSION_MAJOR < 2
  // 2.x has scaled_dot_product_attention (flash kernels on CPU and CUDA); 1.13 gets the fused kernel.
  if (qkv.device().is_cpu() && qkv.scalar_type() == torch::kFloat && (!training || dropout_p <= 0) &&
      fused_cpu_attention_available()) {
    return fused_causal_attention_cpu(qkv, n_head);
  }
#endif
  return split_heads_attention(qkv, n_head, dropout_p, training);
}

torch::Tensor linear_forward(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
#if TORCH_VERSION_MAJOR < 2
  if (x.device().is_cpu() && x.scalar_type() == torch::kFloat && dnnl_linear_available()) return dnnl_linear(x, w, b);
#endif
  return torch::linear(x, w, b);
}

// The device-type autocast API (set_autocast_enabled(device, ...)) arrived in 2.4, which deprecated
// the CUDA-only one (set_enabled, set_autocast_gpu_dtype) that 1.13 to 2.3 have.
#define SCALELAB_DEVICE_AUTOCAST_API (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))
#if SCALELAB_DEVICE_AUTOCAST_API
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
#else
AutocastGuard::AutocastGuard(torch::Device device, bool enabled) {
  if (!enabled || !device.is_cuda()) return;
  previous_ = at::autocast::is_enabled();
  previous_dtype_ = at::autocast::get_autocast_gpu_dtype();
  at::autocast::set_enabled(true);
  at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  active_ = true;
}
AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  at::autocast::set_enabled(previous_);
  at::autocast::set_autocast_gpu_dtype(previous_dtype_);
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

#if defined(SCALELAB_WITH_CUDA)
bool built_with_cuda() { return true; }
void enable_tf32() {
  at::globalContext().setAllowTF32CuBLAS(true);
  at::globalContext().setAllowTF32CuDNN(true);
}
void device_synchronize(torch::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.has_index() ? device.index() : -1);
}
std::string cuda_device_name(torch::Device device) {
  if (!device.is_cuda()) return "";
  return at::cuda::getDeviceProperties(device.has_index() ? device.index() : at::cuda::current_device())->name;
}
int64_t cuda_peak_allocated_bytes(torch::Device device) {
  if (!device.is_cuda()) return 0;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.has_index() ? device.index()
                                                                                     : at::cuda::current_device());
  return stats.allocated_bytes[0].peak;  // index 0: StatType::AGGREGATE in every version
}
void cuda_reset_peak_memory(torch::Device device) {
  if (device.is_cuda()) {
    c10::cuda::CUDACachingAllocator::resetPeakStats(device.has_index() ? device.index() : at::cuda::current_device());
  }
}

struct CudaGraphStep::Impl {
  at::cuda::CUDAGraph graph;
};
CudaGraphStep::CudaGraphStep() : impl_(std::make_unique<Impl>()) {}
CudaGraphStep::~CudaGraphStep() = default;
bool CudaGraphStep::available() { return torch::cuda::is_available(); }
void CudaGraphStep::capture(const std::function<void()>& step, int warmup) {
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
void CudaGraphStep::replay() { impl_->graph.replay(); }
#else
bool built_with_cuda() { return false; }
void enable_tf32() {}
void device_synchronize(torch::Device) {}
std::string cuda_device_name(torch::Device) { return ""; }
int64_t cuda_peak_allocated_bytes(torch::Device) { return 0; }
void cuda_reset_peak_memory(torch::Device) {}

struct CudaGraphStep::Impl {};
CudaGraphStep::CudaGraphStep() : impl_(std::make_unique<Impl>()) {}
CudaGraphStep::~CudaGraphStep() = default;
bool CudaGraphStep::available() { return false; }
void CudaGraphStep::capture(const std::function<void()>&, int) {
  throw std::logic_error("CUDA graphs need a LibTorch built with CUDA; check CudaGraphStep::available()");
}
void CudaGraphStep::replay() { throw std::logic_error("CUDA graphs need a LibTorch built with CUDA"); }
#endif
}  // namespace sl
