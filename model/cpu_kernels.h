// CPU kernels for LibTorch 1.13's float32 path (used from torch_compat.cpp; LibTorch 2.x has its own
// fused CPU attention in scaled_dot_product_attention).
//
// Fused causal self-attention for float32 CPU tensors, straight from the qkv projection: for short
// contexts (the sweep's small models) the generic path is dominated by layout copies (split,
// transpose, contiguous), a materialised (B*nh, T, T) mask, separate softmax kernels and, in LibTorch
// 1.13, a bmm that loops over the batch with one BLAS call per matrix. Here each (batch, head) is one
// task: sgemm calls on strided views of qkv, a vectorised softmax over the causal part of each
// row only, and the output written in (B, T, C) layout; the backward pass is fused the same way.
// Blocks of rows skip the upper triangle, so about 60% of the attention FLOPs of the full T x T
// products are done (T = 128).
#pragma once
#include <torch/torch.h>

namespace sl {
// True when oneDNN's dnnl_sgemm or a BLAS sgemm_ is reachable in this process (LibTorch's own).
bool fused_cpu_attention_available();
// qkv: (B, T, 3C) float32 CPU, the c_attn output ([q | k | v], heads side by side in each) ->
// (B, T, C), heads side by side: the same result as splitting, causal softmax(q k^T / sqrt(hs)) v per
// head, and re-assembling. Differentiable with respect to qkv. No dropout.
torch::Tensor fused_causal_attention_cpu(const torch::Tensor& qkv, int64_t n_head);

// True when oneDNN's dnnl_sgemm is reachable (LibTorch 1.13 on Debian links oneDNN).
bool dnnl_linear_available();
// y = x w^T (+ b) for float32 CPU tensors through dnnl_sgemm, forward and backward. oneDNN threads
// its GEMMs with OpenMP, the pool LibTorch's own operators use, so a step has one threading layer
// whose matmuls run on all of the run's threads (OpenBLAS's separate pool stays at one thread).
torch::Tensor dnnl_linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b);
}  // namespace sl
