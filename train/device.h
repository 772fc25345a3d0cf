// Where a run executes: the device ("auto" = CUDA when available) and the CPU threading layer.
#pragma once
#include <torch/torch.h>

#include <string>

#include "core/status.h"

namespace sl {
// "cuda" without a usable GPU is an error (no silent fallback to the CPU). On CUDA, float32 matmuls
// outside autocast may use TF32.
absl::StatusOr<torch::Device> resolve_device(const std::string& name);
// One threading layer per process (docs/bench.md): LibTorch's OpenMP pool gets `threads` (0 = all
// cores) and runs everything, the matmuls included (oneDNN's sgemm threads with that pool); an
// OpenBLAS loaded beside it is held at 1 thread so the two never oversubscribe the cores; the
// inter-op pool is 1. Idle OpenMP workers spin only briefly before they sleep when the process was
// started through the CLI (GOMP_SPINCOUNT, core/cpu_tuning.h). Also keeps freed memory in the process (glibc malloc without
// mmap for large blocks), so a step's big activations do not page-fault fresh pages every step.
void configure_threads(int threads);
int hardware_threads();
}  // namespace sl
