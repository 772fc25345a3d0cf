// Training and evaluation batches on the run's device. The token file is viewed as an int16 tensor
// (zero-copy on CPU; uploaded once on CUDA) and windows are gathered by index arithmetic, so a step
// never waits on a host copy. Window starts come from WindowSampler in chunks of many steps.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "data/mixture_sampler.h"
#include "data/token_dataset.h"

namespace sl {
struct Batch {
  torch::Tensor x, y;  // (B, T) int64 inputs and next-token targets
};

class BatchSource {
 public:
  // Windows of ctx+1 tokens from `files` (a mixture: data.mix) drawn by MixtureSampler with
  // relative `weights`; one file is WindowSampler(seed, unique_tokens)'s stream, read in place.
  BatchSource(const std::vector<const TokenFile*>& files, const std::vector<double>& weights,
              int ctx, uint64_t seed, int64_t unique_tokens, torch::Device device);
  // Windows [first, first + batch) of the sample stream.
  Batch get(int64_t first, int batch);

 private:
  void refill(int64_t first);
  torch::Tensor tokens_;  // (N) int16 view of the uint16 file (files, end to end), on the device
  std::vector<int64_t> base_;  // where each file starts in tokens_
  torch::Tensor offsets_;      // (T+1) int64 0..T, on the device
  torch::Tensor
      starts_;  // (chunk) int64 window starts for indices [chunk_first_, +chunk), on the device
  MixtureSampler sampler_;
  int ctx_;
  torch::Device device_;
  int64_t chunk_first_ = -1, chunk_size_ = 0;
};

// The fixed held-out set: the first `windows` windows of val's sample stream with a fixed seed, on
// the device as (windows, ctx+1) int64.
torch::Tensor eval_windows(const TokenFile& val, int ctx, int64_t windows, torch::Device device);
}  // namespace sl
