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
// started through the CLI (GOMP_SPINCOUNT, core/cpu_tuning.h).
void configure_threads(int threads);
// glibc returns blocks above its mmap threshold (at most 32 MiB) to the kernel on free, so every
// step's large activations would come back as fresh zero pages: 6,000 page faults a step for the
// tiny model, 6% of its time in the kernel. This serves them from the heap and keeps them (once per
// process; training and benchmarking call it before their first step).
void keep_freed_memory();
}  // namespace sl
