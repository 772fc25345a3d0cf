#include "train/bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_format.h"
#include "model/accounting.h"
#include "model/cuda_util.h"
#include "model/gpt.h"
#include "model/torch_compat.h"
#include "train/adamw.h"
#include "train/device.h"
#include "train/flat_params.h"
#include "train/train_step.h"

namespace sl {
namespace {
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

struct Preset {
  const char* name;
  int n_layer, d_model, n_head, ctx, batch, vocab;
  const char* model_preset;  // the architecture (model.preset)
};
// The same shapes as ../shared/tools/naive-bench and GPU.md's reference table; llama-tiny and
// nanochat-tiny are tiny's shape in the other architectures.
constexpr Preset kPresets[] = {
    {"tiny", 2, 128, 4, 128, 32, 256, "gpt2"},
    {"baby", 6, 384, 6, 256, 64, 65, "gpt2"},
    {"gpt2-small", 12, 768, 12, 1024, 12, 50304, "gpt2"},
    {"llama-tiny", 2, 128, 4, 128, 32, 256, "llama"},
    {"nanochat-tiny", 2, 128, 4, 128, 32, 256, "nanochat"},
};

// Dense bf16 tensor-core peaks (FLOP/s, without sparsity) of common cards, by a substring of the
// device name. Order matters: the first match wins.
struct CardPeak {
  const char* substring;
  double flops;
};
constexpr CardPeak kCardPeaks[] = {
    {"H200", 989.4e12},  {"H100 PCIe", 756.5e12}, {"H100", 989.4e12}, {"GH200", 989.4e12},
    {"B200", 2250e12},   {"A100", 312e12},        {"L40S", 362.1e12}, {"L40", 181e12},
    {"L4", 121e12},      {"A10G", 70e12},         {"A10", 125e12},    {"RTX 4090", 165.2e12},
    {"RTX 3090", 71e12}, {"A6000", 154.8e12},
};

double measure_cuda_bf16_peak(torch::Device device) {
  torch::NoGradGuard no_grad;
  const int64_t n = 8192;
  auto opts = torch::TensorOptions().dtype(torch::kBFloat16).device(device);
  auto a = torch::randn({n, n}, opts), b = torch::randn({n, n}, opts),
       c = torch::empty({n, n}, opts);
  torch::mm_out(c, a, b);
  device_synchronize(device);
  double best = 0;
  for (int i = 0; i < 5; ++i) {
    auto t0 = Clock::now();
    for (int k = 0; k < 10; ++k) torch::mm_out(c, a, b);
    device_synchronize(device);
    best = std::max(best, 10 * 2.0 * n * n * n / seconds_since(t0));
  }
  return best;
}

double peak_rss_bytes() {
  struct rusage u {};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024.0;  // Linux reports KiB
}
}  // namespace

std::vector<std::string> bench_preset_names() {
  std::vector<std::string> names;
  for (const auto& p : kPresets) names.emplace_back(p.name);
  return names;
}

absl::StatusOr<TrainConfig> bench_preset(const std::string& name) {
  for (const auto& p : kPresets) {
    if (name != p.name) continue;
    TrainConfig c;
    c.name = p.name;
    SL_RETURN_IF_ERROR(apply_gpt_preset(p.model_preset, &c.model));
    c.model.n_layer = p.n_layer;
    c.model.d_model = p.d_model;
    c.model.n_head = p.n_head;
    c.model.ctx = p.ctx;
    c.model.vocab = p.vocab;
    c.train.batch_size = p.batch;
    c.train.tokens = c.tokens_per_step();  // unused by the bench; keeps the config valid
    c.train.device = "auto";
    return c;
  }
  std::string known;
  for (const auto& p : kPresets) absl::StrAppend(&known, known.empty() ? "" : ", ", p.name);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown preset '", name, "'; the presets are ", known));
}

double measure_cpu_matmul_peak(int n) {
  // Through linear_forward, the path the model's matmuls take, so the peak has the step's GEMM
  // library (MKL in PyPI's LibTorch) and threads.
  torch::NoGradGuard no_grad;
  auto a = torch::randn({n, n}), b = torch::randn({n, n});
  auto c = linear_forward(a, b);  // first call: library buffers, thread start-up
  double best = 0;
  const auto start = Clock::now();
  for (int i = 0; i < 3 || (i < 20 && seconds_since(start) < 1.5); ++i) {
    auto t0 = Clock::now();
    c = linear_forward(a, b);
    best = std::max(best, 2.0 * n * n * n / seconds_since(t0));
  }
  return best;
}

absl::StatusOr<BenchResult> run_bench(const TrainConfig& cfg_in, const BenchOptions& opts) {
  TrainConfig cfg = cfg_in;
  if (!opts.device.empty()) cfg.train.device = opts.device;
  if (opts.threads >= 0) cfg.train.threads = opts.threads;
  SL_RETURN_IF_ERROR(validate_gpt_config(cfg.model));
  SL_ASSIGN_OR_RETURN(torch::Device device, resolve_device(cfg.train.device));
  const bool cuda = device.is_cuda();
  if (opts.cuda_graph) {
    if (!cuda)
      return absl::InvalidArgumentError("--cuda-graph needs the CUDA device (--device cuda)");
    if (!CudaGraphStep::available()) {
      return absl::FailedPreconditionError("--cuda-graph needs a LibTorch built with CUDA");
    }
    if (cfg.train.grad_accum != 1 || cfg.model.dropout > 0) {
      return absl::InvalidArgumentError("--cuda-graph supports grad_accum 1 and no dropout");
    }
  }
  configure_threads(cfg.train.threads);
  keep_freed_memory();
  if (cuda) enable_tf32();

  BenchResult r;
  r.name = cfg.name;
  r.shape = cfg.model.shape_name();
  r.device = device.str();
  r.device_name = cuda ? cuda_device_name(device) : "cpu";
  r.torch_version = torch_version_string();
  r.threads = torch::get_num_threads();
  r.cuda_graph = opts.cuda_graph;
  const ParamCounts pc = count_params(cfg.model);
  r.params = pc.total;
  r.params_nonembedding = pc.nonembedding;
  r.tokens_per_step = cfg.tokens_per_step();
  r.flops_per_token = flops_per_token(cfg.model).chinchilla.train;

  // The MFU denominator, measured before the model takes memory and cache.
  if (!cuda) {
    if (opts.measure_peak) {
      r.peak_flops_per_s = measure_cpu_matmul_peak(2048);
      r.peak_source = absl::StrFormat("measured float32 matmul 2048^3 with %d thread%s", r.threads,
                                      r.threads == 1 ? "" : "s");
    }
  } else {
    for (const auto& c : kCardPeaks) {
      if (r.device_name.find(c.substring) != std::string::npos) {
        r.peak_flops_per_s = c.flops;
        r.peak_source = absl::StrCat("dense bf16 peak of ", c.substring, " (table)");
        break;
      }
    }
    if (r.peak_flops_per_s == 0) {
      r.peak_flops_per_s = measure_cuda_bf16_peak(device);
      r.peak_source = "measured bf16 matmul 8192^3 (card not in the table)";
    }
  }

  Trainable trainable = init_trainable(cfg, device);
  Gpt& model = trainable.model;
  FlatParams& flat = trainable.flat;
  FlatOptimizer& optimizer = trainable.optimizer;
  const int B = cfg.train.batch_size, T = cfg.model.ctx, accum = cfg.train.grad_accum;
  // Synthetic tokens: a few steps' worth of random batches on the device, cycled.
  const int pool = 4 * accum;
  std::vector<Batch> batches;
  auto token_opts = torch::TensorOptions().dtype(torch::kLong).device(device);
  for (int i = 0; i < pool; ++i) {
    batches.push_back({torch::randint(cfg.model.vocab, {B, T}, token_opts),
                       torch::randint(cfg.model.vocab, {B, T}, token_opts)});
  }
  const StepSetup setup{device, cfg.train.bf16, accum, cfg.optim.grad_clip};
  auto loss_acc = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device));
  int64_t next = 0;  // micro-batch counter
  const double lr = cfg.optim.lr;
  std::function<void()> step;
  CudaGraphStep graph;
  Batch fixed;  // the graph's input buffers
  if (opts.cuda_graph) {
    fixed = {batches[0].x.clone(), batches[0].y.clone()};
    auto body = [&] {
      train_step(
          model, flat, optimizer, setup, [&](int) { return fixed; }, lr, loss_acc);
    };
    step = [&] {
      const Batch& b = batches[next++ % pool];
      fixed.x.copy_(b.x);
      fixed.y.copy_(b.y);
      graph.replay();
    };
    r.warmup = opts.warmup > 0 ? opts.warmup : 10;
    graph.capture(body, r.warmup);  // warm-up steps on a side stream, then the capture
  } else {
    step = [&] {
      train_step(
          model, flat, optimizer, setup, [&](int) { return batches[next++ % pool]; }, lr, loss_acc);
    };
    r.warmup = opts.warmup > 0 ? opts.warmup : (cuda ? 10 : 3);
  }

  // Warm-up; the last warm-up steps also estimate the step time for the default step count.
  double est = 0;
  {
    const int untimed = opts.cuda_graph ? 0 : std::max(0, r.warmup - 2);
    for (int i = 0; i < untimed; ++i) step();
    device_synchronize(device);
    const int probe = opts.cuda_graph ? 3 : std::min(2, r.warmup);
    auto t0 = Clock::now();
    for (int i = 0; i < probe; ++i) step();
    device_synchronize(device);
    est = probe > 0 ? seconds_since(t0) / probe : 0.0;
  }
  if (opts.steps > 0) {
    r.steps = opts.steps;
  } else {
    const double target_s = cuda ? 5.0 : 15.0;
    const int lo = cuda ? 20 : 3, hi = cuda ? 2000 : 100;
    r.steps = est > 0 ? std::clamp(static_cast<int>(std::lround(target_s / est)), lo, hi) : lo;
  }

  // Timed windows: every step on the CPU (its ops are synchronous); on CUDA five windows, each
  // ended by one device sync, so the queue stays full inside a window.
  const int window = cuda ? std::max(1, r.steps / 5) : 1;
  cuda_reset_peak_memory(device);
  loss_acc.zero_();
  int done = 0;
  while (done < r.steps) {
    const int n = std::min(window, r.steps - done);
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) step();
    device_synchronize(device);
    r.window_ms.push_back(seconds_since(t0) * 1e3 / n);
    done += n;
  }
  r.windows = static_cast<int>(r.window_ms.size());
  r.final_loss = loss_acc.item<double>() / r.steps;
  r.ms_per_step = median(r.window_ms);
  r.ms_per_step_min = *std::min_element(r.window_ms.begin(), r.window_ms.end());
  r.ms_per_step_max = *std::max_element(r.window_ms.begin(), r.window_ms.end());
  r.tokens_per_s = r.ms_per_step > 0 ? r.tokens_per_step / (r.ms_per_step / 1e3) : 0.0;
  r.model_flops_per_s = r.tokens_per_s * r.flops_per_token;
  r.mfu = r.peak_flops_per_s > 0 ? r.model_flops_per_s / r.peak_flops_per_s : 0.0;
  r.peak_memory_bytes =
      cuda ? static_cast<double>(cuda_peak_allocated_bytes(device)) : peak_rss_bytes();
  if (!std::isfinite(r.final_loss)) {
    return absl::InternalError(
        absl::StrCat("bench: the loss became non-finite (", r.final_loss, ")"));
  }
  return r;
}

nlohmann::json bench_result_json(const BenchResult& r) {
  return nlohmann::json{{"name", r.name},
                        {"shape", r.shape},
                        {"device", r.device},
                        {"device_name", r.device_name},
                        {"torch_version", r.torch_version},
                        {"threads", r.threads},
                        {"params", r.params},
                        {"params_nonembedding", r.params_nonembedding},
                        {"tokens_per_step", r.tokens_per_step},
                        {"warmup", r.warmup},
                        {"steps", r.steps},
                        {"windows", r.windows},
                        {"cuda_graph", r.cuda_graph},
                        {"ms_per_step", r.ms_per_step},
                        {"ms_per_step_min", r.ms_per_step_min},
                        {"ms_per_step_max", r.ms_per_step_max},
                        {"tokens_per_s", r.tokens_per_s},
                        {"flops_per_token", r.flops_per_token},
                        {"flops_convention", "chinchilla"},
                        {"model_flops_per_s", r.model_flops_per_s},
                        {"peak_flops_per_s", r.peak_flops_per_s},
                        {"peak_source", r.peak_source},
                        {"mfu", r.mfu},
                        {"peak_memory_bytes", r.peak_memory_bytes},
                        {"mean_loss", r.final_loss},
                        {"window_ms", r.window_ms}};
}

std::string bench_result_text(const BenchResult& r) {
  std::string s =
      absl::StrFormat("%s (%s): %.2fM parameters, %d tokens/step, %s%s, torch %s, %d thread%s\n",
                      r.name, r.shape, r.params / 1e6, r.tokens_per_step, r.device,
                      r.device == "cpu" ? "" : " (" + r.device_name + ")", r.torch_version,
                      r.threads, r.threads == 1 ? "" : "s");
  absl::StrAppendFormat(&s, "  %d warm-up + %d timed steps%s (median of %d window%s)\n", r.warmup,
                        r.steps, r.cuda_graph ? " replayed from a CUDA graph" : "", r.windows,
                        r.windows == 1 ? "" : "s");
  absl::StrAppendFormat(&s, "  %.0f tokens/s, %.2f ms/step (min %.2f, max %.2f)\n", r.tokens_per_s,
                        r.ms_per_step, r.ms_per_step_min, r.ms_per_step_max);
  absl::StrAppendFormat(&s, "  model %.2f GFLOP/s (%.3g FLOP/token, chinchilla)",
                        r.model_flops_per_s / 1e9, r.flops_per_token);
  if (r.peak_flops_per_s > 0) {
    absl::StrAppendFormat(&s, ", MFU %.1f%% of %.1f GFLOP/s (%s)", 100 * r.mfu,
                          r.peak_flops_per_s / 1e9, r.peak_source);
  }
  absl::StrAppendFormat(
      &s, "\n  peak memory %.1f MiB (%s), mean loss %.3f\n", r.peak_memory_bytes / (1 << 20),
      r.device == "cpu" ? "resident set of the process" : "CUDA allocator", r.final_loss);
  return s;
}
}  // namespace sl
