#include "model/cpu_kernels.h"

#include <ATen/Parallel.h>
#include <dnnl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace sl {
namespace {
void check_dnnl(dnnl_status_t status) {
  TORCH_CHECK(status == dnnl_success, "dnnl_sgemm failed with status ", status);
}

// Row-major C (M x N) = alpha op(A) op(B) + beta C, with op(A) M x K and op(B) K x N. ta: A is
// stored K x M (so op(A) is its transpose); tb likewise. oneDNN (Debian's libdnnl) rather than the
// MKL inside PyPI's LibTorch: MKL runs its generic kernels on AMD CPUs, 64-100 GFLOP/s a core on
// this machine's shapes against oneDNN's 206-238 (docs/bench.md). Inside at::parallel_for it runs
// on the calling thread.
void gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc) {
  check_dnnl(
      dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb, beta, C, ldc));
}

// Rows per block: a block of query rows only needs the keys up to its last row, so the upper
// triangle is skipped in blocks of this size. Smaller blocks skip more but make smaller GEMMs.
constexpr int kBlock = 32;

// 16 floats as one GCC/Clang vector: one AVX-512 register, two AVX2 ones, or four SSE ones, so
// each target_clones version below gets the widest native code from the same source.
typedef float vf16 __attribute__((vector_size(64)));
typedef int32_t vi16 __attribute__((vector_size(64)));

inline __attribute__((always_inline)) vf16 load16(const float* p) {
  vf16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline __attribute__((always_inline)) void store16(float* p, vf16 v) {
  std::memcpy(p, &v, sizeof v);
}

inline __attribute__((always_inline)) float hsum(vf16 v) {
  float s = 0;
  for (int i = 0; i < 16; ++i) s += v[i];
  return s;
}

// exp(x) for x <= 0 (Cephes expf: range reduction by ln 2, degree-6 polynomial; within 2 ulp of
// expf for x >= -87, and a tiny positive number instead of 0 below that).
inline __attribute__((always_inline)) vf16 exp16(vf16 x) {
  const vf16 lo = vf16{} - 87.0f;
  x = x < lo ? lo : x;
  const vf16 t = x * 1.44269504088896341f;
  const vf16 n = (t + 12582912.0f) - 12582912.0f;  // round to nearest integer (1.5 * 2^23 trick)
  const vf16 r = x - n * 0.693359375f - n * -2.12194440e-4f;
  vf16 p = vf16{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const vi16 e = __builtin_convertvector(n, vi16) << 23;
  return reinterpret_cast<vf16>(reinterpret_cast<vi16>(p) + e);
}

inline __attribute__((always_inline)) float exp1(float x) {
  vf16 v = vf16{} + x;
  return exp16(v)[0];
}

// Rows r0..r1 of a scaled score block (row i at S + (i - r0) * ld): softmax over columns 0..i,
// zeros over i+1..r1-1 (the part of the block above the diagonal). Columns >= r1 are never read.
#if defined(__x86_64__) && (defined(__GNUC__) && !defined(__clang__))
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void softmax_causal_block(float* S, int ld, int r0, int r1) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  for (int i = r0; i < r1; ++i) {
    float* s = S + static_cast<int64_t>(i - r0) * ld;
    const int n = i + 1;
    int j = 0;
    vf16 vm = vf16{} + kNegInf;
    for (; j + 16 <= n; j += 16) {
      vf16 v = load16(s + j);
      vm = v > vm ? v : vm;
    }
    float m = kNegInf;
    for (int l = 0; l < 16; ++l) m = std::max(m, vm[l]);
    for (; j < n; ++j) m = std::max(m, s[j]);
    vf16 vs = {};
    for (j = 0; j + 16 <= n; j += 16) {
      vf16 e = exp16(load16(s + j) - m);
      store16(s + j, e);
      vs += e;
    }
    float sum = hsum(vs);
    for (; j < n; ++j) {
      s[j] = exp1(s[j] - m);
      sum += s[j];
    }
    const float inv = 1.0f / sum;
    for (j = 0; j + 16 <= n; j += 16) store16(s + j, load16(s + j) * inv);
    for (; j < n; ++j) s[j] *= inv;
    for (j = n; j < r1; ++j) s[j] = 0.0f;
  }
}

// Softmax backward for rows r0..r1: dS = scale * P * (dP - rowsum(P * dP)), over columns 0..i,
// zeros above the diagonal inside the block. P rows at P + (i - r0) * ld, dP (in, dS out) likewise.
#if defined(__x86_64__) && (defined(__GNUC__) && !defined(__clang__))
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void softmax_backward_block(const float* P, float* dS, int ld, int r0, int r1, float scale) {
  for (int i = r0; i < r1; ++i) {
    const float* p = P + static_cast<int64_t>(i - r0) * ld;
    float* d = dS + static_cast<int64_t>(i - r0) * ld;
    const int n = i + 1;
    int j = 0;
    vf16 acc = {};
    for (; j + 16 <= n; j += 16) acc += load16(p + j) * load16(d + j);
    float dot = hsum(acc);
    for (; j < n; ++j) dot += p[j] * d[j];
    for (j = 0; j + 16 <= n; j += 16) store16(d + j, load16(p + j) * (load16(d + j) - dot) * scale);
    for (; j < n; ++j) d[j] = p[j] * (d[j] - dot) * scale;
    for (j = n; j < r1; ++j) d[j] = 0.0f;
  }
}

// y = x w^T for contiguous float32 x (..., K) and w (N, K) -> (..., N).
torch::Tensor dnnl_matmul_wt(const torch::Tensor& x, const torch::Tensor& w) {
  const int64_t K = w.size(1), N = w.size(0), M = x.numel() / K;
  auto sizes = x.sizes().vec();
  sizes.back() = N;
  auto y = torch::empty(sizes, x.options());
  check_dnnl(dnnl_sgemm('N', 'T', M, N, K, 1.0f, x.data_ptr<float>(), K, w.data_ptr<float>(), K,
                        0.0f, y.data_ptr<float>(), N));
  return y;
}

struct DnnlLinearFunction : torch::autograd::Function<DnnlLinearFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& w) {
    ctx->save_for_backward({x, w});
    return dnnl_matmul_wt(x, w);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const torch::Tensor& x = saved[0];
    const torch::Tensor& w = saved[1];
    auto dy = grads[0].contiguous();
    const int64_t K = w.size(1), N = w.size(0), M = x.numel() / K;
    torch::Tensor dx, dw;
    if (ctx->needs_input_grad(0)) {
      dx = torch::empty_like(x);
      check_dnnl(dnnl_sgemm('N', 'N', M, K, N, 1.0f, dy.data_ptr<float>(), N, w.data_ptr<float>(),
                            K, 0.0f, dx.data_ptr<float>(), K));
    }
    if (ctx->needs_input_grad(1)) {
      dw = torch::empty_like(w);
      check_dnnl(dnnl_sgemm('T', 'N', N, K, M, 1.0f, dy.data_ptr<float>(), N, x.data_ptr<float>(),
                            K, 0.0f, dw.data_ptr<float>(), K));
    }
    return {dx, dw};
  }
};

struct Shape {
  int64_t B, T, C, nh, hs;
  int64_t nkv;  // key/value heads; a group of nh / nkv query heads shares one
  int64_t ld;   // floats per row of qkv: C + 2 nkv hs
  float scale;  // on the scores q k^T: 1 / sqrt(hs) unless the caller gives one (muP: 1 / hs)
  int64_t group() const { return nh / nkv; }
  // Offsets in a row of qkv: query head h, and the key and value of the head h reads.
  int64_t q_at(int64_t h) const { return h * hs; }
  int64_t k_at(int64_t h) const { return C + (h / group()) * hs; }
  int64_t v_at(int64_t h) const { return C + nkv * hs + (h / group()) * hs; }
};

Shape shape_of(const torch::Tensor& qkv, int64_t n_head, int64_t n_kv_head, double scale) {
  const int64_t nkv = n_kv_head > 0 ? n_kv_head : n_head;
  TORCH_CHECK(qkv.dim() == 3 && n_head % nkv == 0 && qkv.size(2) % (n_head + 2 * nkv) == 0,
              "fused attention: qkv must be (B, T, (n_head + 2 n_kv_head) hs)");
  const int64_t hs = qkv.size(2) / (n_head + 2 * nkv);
  TORCH_CHECK(scale >= 0, "fused attention: the score scale must be >= 0 (0: 1/sqrt(hs))");
  const double sc = scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(hs));
  return {qkv.size(0), qkv.size(1), n_head * hs, n_head,
          hs,          nkv,         qkv.size(2), static_cast<float>(sc)};
}

// Forward for heads [begin, end) of B * nh. P: the (T, T) probabilities of a head at att + bh * T *
// T, or a scratch buffer when att is null (no backward needed).
void forward_heads(const float* qkv, float* y, float* att, const Shape& s, int64_t begin,
                   int64_t end) {
  const int T = static_cast<int>(s.T), hs = static_cast<int>(s.hs);
  const int ld3 = static_cast<int>(s.ld), ldc = static_cast<int>(s.C);
  const float scale = s.scale;
  std::vector<float> scratch(att ? 0 : static_cast<size_t>(T) * T);
  for (int64_t bh = begin; bh < end; ++bh) {
    const int64_t b = bh / s.nh, h = bh % s.nh;
    const float* row = qkv + b * s.T * s.ld;
    const float* q = row + s.q_at(h);
    const float* k = row + s.k_at(h);
    const float* v = row + s.v_at(h);
    float* o = y + b * s.T * s.C + h * s.hs;
    float* P = att ? att + bh * s.T * s.T : scratch.data();
    for (int r0 = 0; r0 < T; r0 += kBlock) {
      const int r1 = std::min(T, r0 + kBlock), m = r1 - r0;
      float* Pr = P + static_cast<int64_t>(r0) * T;
      gemm(false, true, m, r1, hs, scale, q + static_cast<int64_t>(r0) * ld3, ld3, k, ld3, 0.0f, Pr,
           T);
      softmax_causal_block(Pr, T, r0, r1);
      gemm(false, false, m, hs, r1, 1.0f, Pr, T, v, ld3, 0.0f, o + static_cast<int64_t>(r0) * ldc,
           ldc);
    }
  }
}

// Backward for key/value heads [begin, end) of B * nkv: each task walks the query heads of its
// group, so the group's dK and dV are summed (beta 1 after the first head) by one thread.
void backward_heads(const float* qkv, const float* att, const float* dy, float* dqkv,
                    const Shape& s, int64_t begin, int64_t end) {
  const int T = static_cast<int>(s.T), hs = static_cast<int>(s.hs);
  const int ld3 = static_cast<int>(s.ld), ldc = static_cast<int>(s.C);
  const float scale = s.scale;
  std::vector<float> dS(static_cast<size_t>(T) * T);
  for (int64_t bh = begin * s.group(); bh < end * s.group(); ++bh) {
    const int64_t b = bh / s.nh, h = bh % s.nh;
    const float kv_beta = h % s.group() == 0 ? 0.0f : 1.0f;  // the group's first head writes
    const float* row = qkv + b * s.T * s.ld;
    const float* q = row + s.q_at(h);
    const float* k = row + s.k_at(h);
    const float* v = row + s.v_at(h);
    const float* dO = dy + b * s.T * s.C + h * s.hs;
    float* drow = dqkv + b * s.T * s.ld;
    float* dq = drow + s.q_at(h);
    float* dk = drow + s.k_at(h);
    float* dv = drow + s.v_at(h);
    const float* P = att + bh * s.T * s.T;
    // Row blocks: dP = dO V^T, dS = softmax backward (scaled), dQ = dS K.
    for (int r0 = 0; r0 < T; r0 += kBlock) {
      const int r1 = std::min(T, r0 + kBlock), m = r1 - r0;
      float* dSr = dS.data() + static_cast<int64_t>(r0) * T;
      gemm(false, true, m, r1, hs, 1.0f, dO + static_cast<int64_t>(r0) * ldc, ldc, v, ld3, 0.0f,
           dSr, T);
      softmax_backward_block(P + static_cast<int64_t>(r0) * T, dSr, T, r0, r1, scale);
      gemm(false, false, m, hs, r1, 1.0f, dSr, T, k, ld3, 0.0f, dq + static_cast<int64_t>(r0) * ld3,
           ld3);
    }
    // Column blocks: keys c0..c1 are attended by queries c0..T-1 only: dV = P^T dO, dK = dS^T Q.
    for (int c0 = 0; c0 < T; c0 += kBlock) {
      const int c1 = std::min(T, c0 + kBlock), n = c1 - c0, rows = T - c0;
      const int64_t corner = static_cast<int64_t>(c0) * T + c0;
      gemm(true, false, n, hs, rows, 1.0f, P + corner, T, dO + static_cast<int64_t>(c0) * ldc, ldc,
           kv_beta, dv + static_cast<int64_t>(c0) * ld3, ld3);
      gemm(true, false, n, hs, rows, 1.0f, dS.data() + corner, T,
           q + static_cast<int64_t>(c0) * ld3, ld3, kv_beta, dk + static_cast<int64_t>(c0) * ld3,
           ld3);
    }
  }
}

// (y, att): att is defined only when `keep` (the probabilities the backward pass needs).
std::pair<torch::Tensor, torch::Tensor> attention_forward(const torch::Tensor& qkv, int64_t n_head,
                                                          int64_t n_kv_head, double scale,
                                                          bool keep) {
  const Shape s = shape_of(qkv, n_head, n_kv_head, scale);
  auto y = torch::empty({s.B, s.T, s.C}, qkv.options());
  torch::Tensor att;
  if (keep) att = torch::empty({s.B * s.nh, s.T, s.T}, qkv.options());
  const float* in = qkv.data_ptr<float>();
  float* out = y.data_ptr<float>();
  float* a = keep ? att.data_ptr<float>() : nullptr;
  at::parallel_for(0, s.B * s.nh, 1,
                   [&](int64_t begin, int64_t end) { forward_heads(in, out, a, s, begin, end); });
  return {y, att};
}

struct FusedAttentionFunction : torch::autograd::Function<FusedAttentionFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& qkv,
                               int64_t n_head, int64_t n_kv_head, double scale) {
    auto [y, att] = attention_forward(qkv, n_head, n_kv_head, scale, /*keep=*/true);
    ctx->save_for_backward({qkv, att});
    ctx->saved_data["n_head"] = n_head;
    ctx->saved_data["n_kv_head"] = n_kv_head;
    ctx->saved_data["scale"] = scale;
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const torch::Tensor& qkv = saved[0];
    const torch::Tensor& att = saved[1];
    const Shape s =
        shape_of(qkv, ctx->saved_data["n_head"].toInt(), ctx->saved_data["n_kv_head"].toInt(),
                 ctx->saved_data["scale"].toDouble());
    auto dy = grads[0].contiguous();
    auto dqkv = torch::empty_like(qkv);
    const float* q = qkv.data_ptr<float>();
    const float* a = att.data_ptr<float>();
    const float* g = dy.data_ptr<float>();
    float* out = dqkv.data_ptr<float>();
    at::parallel_for(0, s.B * s.nkv, 1, [&](int64_t begin, int64_t end) {
      backward_heads(q, a, g, out, s, begin, end);
    });
    return {dqkv, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};
}  // namespace

torch::Tensor dnnl_linear(const torch::Tensor& x_in, const torch::Tensor& w_in,
                          const torch::Tensor& b) {
  TORCH_CHECK(x_in.device().is_cpu() && x_in.scalar_type() == torch::kFloat &&
                  w_in.scalar_type() == torch::kFloat,
              "dnnl_linear: float32 CPU tensors only");
  auto x = x_in.contiguous(), w = w_in.contiguous();
  torch::Tensor y;
  if (torch::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad())) {
    y = DnnlLinearFunction::apply(x, w);
  } else {
    y = dnnl_matmul_wt(x, w);
  }
  return b.defined() ? y + b : y;
}

torch::Tensor fused_causal_attention_cpu(const torch::Tensor& qkv_in, int64_t n_head,
                                         int64_t n_kv_head, double scale) {
  TORCH_CHECK(qkv_in.device().is_cpu() && qkv_in.scalar_type() == torch::kFloat,
              "fused attention: float32 CPU tensors only");
  auto qkv = qkv_in.contiguous();
  if (torch::GradMode::is_enabled() && qkv.requires_grad())
    return FusedAttentionFunction::apply(qkv, n_head, n_kv_head, scale);
  return attention_forward(qkv, n_head, n_kv_head, scale, /*keep=*/false).first;
}
}  // namespace sl
