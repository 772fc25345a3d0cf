// `scalelab bench`: the trainer's own step (train/train_step.h), timed on synthetic tokens. Warm-up
// steps first, then timed windows of steps; the result is the median window. Model FLOPs per token
// come from the model's accounting (Chinchilla's full count: embeddings, attention, logits;
// training = 3 x forward); MFU divides the achieved model FLOP/s by the device's peak: on the CPU a
// float32 matmul measured at start with the same threads, on CUDA the card's dense bf16 peak.
#pragma once
#include <string>
#include <vector>

#include "core/status.h"
#include "nlohmann/json.hpp"
#include "train/train_config.h"

namespace sl {
// The shapes of ../shared/tools/naive-bench (and GPU.md's table): tiny, baby, gpt2-small.
std::vector<std::string> bench_preset_names();
// The preset as a train config (optimizer defaults, batch size and vocab of the preset).
absl::StatusOr<TrainConfig> bench_preset(const std::string& name);

struct BenchOptions {
  int steps = 0;       // timed steps; 0 = a default that fits the shape and device (about 10-30 s)
  int warmup = 0;      // untimed steps first; 0 = 3 on the CPU, 10 on CUDA
  std::string device;  // "" = the config's train.device
  int threads = -1;    // CPU threads; -1 = the config's train.threads (0 = all cores)
  bool cuda_graph = false;   // CUDA only: capture one step in a CUDA graph and replay it
  bool measure_peak = true;  // CPU: time a float32 matmul for the MFU denominator
};

struct BenchResult {
  std::string name, shape, device, device_name, torch_version;
  int threads = 0;
  int64_t params = 0, params_nonembedding = 0, tokens_per_step = 0;
  int steps = 0, warmup = 0, windows = 0;
  bool cuda_graph = false;
  double ms_per_step = 0;  // median over windows
  double ms_per_step_min = 0, ms_per_step_max = 0;
  double tokens_per_s = 0;     // tokens_per_step / median step time
  double flops_per_token = 0;  // Chinchilla training FLOPs per token
  double model_flops_per_s = 0;
  double peak_flops_per_s = 0;  // the MFU denominator
  std::string peak_source;      // "measured float32 matmul NxN" or "table: <card> dense bf16"
  double mfu = 0;
  double peak_memory_bytes = 0;  // CPU: peak resident set size of the process; CUDA: allocator peak
  double final_loss = 0;         // sanity: the loss of the last step (finite)
  std::vector<double> window_ms;  // per-step time of each timed window
};

absl::StatusOr<BenchResult> run_bench(const TrainConfig& cfg, const BenchOptions& opts);
nlohmann::json bench_result_json(const BenchResult& r);
// The human-readable report (several lines).
std::string bench_result_text(const BenchResult& r);

// Measured float32 matmul throughput (FLOP/s) of an n x n x n product on the CPU with the current
// threads and the GEMM library the model's linear layers use: best of a few repetitions.
double measure_cpu_matmul_peak(int n = 2048);
}  // namespace sl
