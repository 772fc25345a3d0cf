// The CPU float32 kernels of the step (used from torch_compat.cpp), both on oneDNN's sgemm from
// Debian's libdnnl, which threads with the OpenMP pool LibTorch's own operators use, so one step
// has one threading layer (train/device.h).
//
// Linear layers: y = x w^T (+ b) forward and backward through dnnl_sgemm. On this project's AMD
// machines it is 2-3x the GFLOP/s of the MKL inside PyPI's LibTorch (docs/bench.md).
//
// Fused causal self-attention straight from the qkv projection: for short contexts (the sweep's
// small models) the generic path spends much of its time on layout copies (split, transpose,
// contiguous) and small separate kernels. Here each (batch, head) is one task: sgemm calls on
// strided views of qkv, a vectorised softmax over the causal part of each row only, and the output
// written in (B, T, C) layout; the backward pass is fused the same way. Blocks of rows skip the
// upper triangle, so about 60% of the attention FLOPs of the full T x T products are done (T =
// 128).
#pragma once
#include <torch/torch.h>

namespace sl {
// qkv: (B, T, C + 2 Ckv) float32 CPU, the c_attn output ([q | k | v], heads side by side in each;
// C = n_head hs, Ckv = n_kv_head hs) -> (B, T, C), heads side by side: the same result as
// splitting, causal softmax(scale q k^T) v per head, and re-assembling; scale 0 means 1 / sqrt(hs)
// (muP passes its own, GptConfig::attn_scale). Grouped-query
// attention when n_kv_head < n_head (0 means n_head): query head h reads key/value head
// h / (n_head / n_kv_head); the backward pass sums a group's key/value gradients in one task per
// (batch, key/value head), so no two threads write the same rows. Differentiable with respect to
// qkv. No dropout.
torch::Tensor fused_causal_attention_cpu(const torch::Tensor& qkv, int64_t n_head,
                                         int64_t n_kv_head = 0, double scale = 0.0);

// y = x w^T (+ b) for float32 CPU tensors through dnnl_sgemm, forward and backward.
torch::Tensor dnnl_linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b);
}  // namespace sl
