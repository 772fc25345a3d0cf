// Where a run executes: the device ("auto" = CUDA when available) and the CPU threading layer.
#pragma once
#include <torch/torch.h>

#include <string>

#include "core/status.h"

namespace sl {
// "cuda" without a usable GPU is an error (no silent fallback to the CPU).
absl::StatusOr<torch::Device> resolve_device(const std::string& name);
// One threading layer per process (docs/GPU.md): torch's intra-op pool gets `threads` (0 = all
// cores), OpenBLAS's own pool 1, so the two never oversubscribe the cores; inter-op pool 1.
void configure_threads(int threads);
int hardware_threads();
}  // namespace sl
