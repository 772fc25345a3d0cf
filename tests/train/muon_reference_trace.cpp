// Writes a trace of FlatMuon (train/muon.h) for tests/python/muon_reference_test.py, which replays
// it through PyTorch's own torch.optim.Muon. Not a test by itself and no CLI command:
//   muon_reference_trace OUT.safetensors
// The file (core/safetensors.h, every tensor float32):
//   case<c>.params.0          (P) the flat buffer before the first step
//   case<c>.grads.<t>         (P) the gradient buffer handed to step t (t = 0 .. steps-1)
//   case<c>.params.<t+1>      (P) the buffer after step t
//   ns.<rows>x<cols>.input    (rows, cols) a matrix, and newton_schulz_orthogonalize of it, 5 steps:
//   ns.<rows>x<cols>.float32  (rows, cols) in float32 (FlatMuon's dtype on the CPU)
//   ns.<rows>x<cols>.bfloat16 (rows, cols) in bf16 (FlatMuon's dtype on CUDA), widened to float32
// and "__metadata__": "matrices" = "48x16,16x40,24x24" (the Muon matrices in buffer order, from
// offset 0; the last kAdamWTail entries of the buffer belong to no matrix and Muon must leave them
// alone), "steps", and per case "case<c>" = "momentum=0.95 nesterov=1 weight_decay=0.1
// lrs=0.02,0.015,...".
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/safetensors.h"
#include "train/flat_params.h"
#include "train/muon.h"
#include "train/train_config.h"

namespace sl {
namespace {
// Tall, wide and square, as a transformer's c_fc (4d x d), c_proj (d x 4d) and attention c_proj.
const std::vector<std::pair<int64_t, int64_t>> kShapes = {{48, 16}, {16, 40}, {24, 24}};
constexpr int64_t kAdamWTail = 8;  // buffer entries after the Muon matrices (gains, biases)
const std::vector<double> kLrs = {0.02, 0.015, 0.01, 0.006, 0.003};  // one per step, decaying

struct Case {
  double momentum;
  bool nesterov;
  double weight_decay;
};
// Nesterov on and off, two momenta, weight decay large enough that lr * wd * |W| (~1e-3 per step)
// is far above the comparison's float32 tolerance.
const std::vector<Case> kCases = {{0.95, true, 0.1}, {0.9, false, 0.3}};

std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.17g", x);
  return text;
}

// The tensors outlive the write: safetensors reads their bytes during write_safetensors.
struct Trace {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  void add(const std::string& name, const torch::Tensor& t) {
    tensors.emplace_back(name, t.to(torch::kFloat).contiguous().clone());
  }
};

FlatParams muon_buffer() {
  FlatParams flat;
  int64_t offset = 0;
  for (const auto& [rows, cols] : kShapes) {
    flat.muon_matrices.push_back(
        {std::to_string(rows) + "x" + std::to_string(cols), offset, rows, cols});
    offset += rows * cols;
  }
  flat.n_muon = offset;
  flat.n_decayed = offset;
  flat.params = torch::randn({offset + kAdamWTail});  // (P): W ~ N(0, 1), so decay shows
  flat.grads = torch::zeros_like(flat.params);        // (P)
  return flat;
}

void trace_case(int index, const Case& c, Trace& trace) {
  FlatParams flat = muon_buffer();
  OptimConfig config;
  config.name = "muon";
  config.muon_momentum = c.momentum;
  config.muon_nesterov = c.nesterov;
  config.muon_weight_decay = c.weight_decay;
  FlatMuon muon(flat, config);
  const std::string prefix = "case" + std::to_string(index) + ".";
  trace.add(prefix + "params.0", flat.params);
  for (size_t t = 0; t < kLrs.size(); ++t) {
    // Gradients of a training run's size, their scale changing from step to step so that the
    // momentum's mixing of old and new matters to the direction NS5 sees.
    flat.grads.copy_(torch::randn_like(flat.grads) * (0.01 * (1 + static_cast<double>(t % 3))));
    trace.add(prefix + "grads." + std::to_string(t), flat.grads);
    muon.step(kLrs[t]);
    trace.add(prefix + "params." + std::to_string(t + 1), flat.params);
  }
}

int write_trace(const std::string& path) {
  torch::manual_seed(2026);
  Trace trace;
  std::map<std::string, std::string> metadata;
  std::string matrices, lrs;
  for (const auto& [rows, cols] : kShapes) {
    matrices += (matrices.empty() ? "" : ",") + std::to_string(rows) + "x" + std::to_string(cols);
  }
  for (double lr : kLrs) lrs += (lrs.empty() ? "" : ",") + number(lr);
  metadata["matrices"] = matrices;
  metadata["adamw_tail"] = std::to_string(kAdamWTail);
  metadata["steps"] = std::to_string(kLrs.size());
  for (size_t i = 0; i < kCases.size(); ++i) {
    const Case& c = kCases[i];
    metadata["case" + std::to_string(i)] =
        "momentum=" + number(c.momentum) + " nesterov=" + (c.nesterov ? "1" : "0") +
        " weight_decay=" + number(c.weight_decay) + " lrs=" + lrs;
    trace_case(static_cast<int>(i), c, trace);
  }
  for (const auto& [rows, cols] : kShapes) {
    const std::string name = "ns." + std::to_string(rows) + "x" + std::to_string(cols) + ".";
    torch::Tensor g = torch::randn({rows, cols}) * 0.05;  // (rows, cols)
    trace.add(name + "input", g);
    trace.add(name + "float32",
              newton_schulz_orthogonalize(g, FlatMuon::kNewtonSchulzSteps, torch::kFloat));
    trace.add(name + "bfloat16",
              newton_schulz_orthogonalize(g, FlatMuon::kNewtonSchulzSteps, torch::kBFloat16));
  }
  std::vector<SafetensorsTensor> tensors;
  for (const auto& [name, t] : trace.tensors) {
    tensors.push_back({name, "F32", t.sizes().vec(), t.data_ptr(),
                       static_cast<size_t>(t.numel()) * sizeof(float)});
  }
  absl::Status written = write_safetensors(path, tensors, metadata);
  if (!written.ok()) {
    std::fprintf(stderr, "muon_reference_trace: %s\n", written.ToString().c_str());
    return 1;
  }
  std::printf("%s: %zu tensors\n", path.c_str(), tensors.size());
  return 0;
}
}  // namespace
}  // namespace sl

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: muon_reference_trace OUT.safetensors\n");
    return 2;
  }
  return sl::write_trace(argv[1]);
}
