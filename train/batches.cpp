#include "train/batches.h"

#include <algorithm>

namespace sl {
namespace {
constexpr int64_t kChunkWindows = 1
                                  << 16;  // starts uploaded per refill: one host copy per ~2k steps

torch::Tensor token_tensor(const TokenFile& file, torch::Device device) {
  // uint16 tensors support few operators (no index): view the bits as int16 and mask back to
  // 0..65535 after gather.
  auto cpu = torch::from_blob(const_cast<uint16_t*>(file.data()), {file.size()}, torch::kShort);
  return device.is_cpu() ? cpu : cpu.to(device);
}

torch::Tensor gather_windows(const torch::Tensor& tokens, const torch::Tensor& starts,
                             const torch::Tensor& offsets) {
  auto idx = starts.unsqueeze(1) + offsets.unsqueeze(0);  // (B, T+1)
  return tokens.index({idx}).to(torch::kLong).bitwise_and(0xFFFF);
}
}  // namespace

namespace {
std::vector<int64_t> sizes_of(const std::vector<const TokenFile*>& files) {
  std::vector<int64_t> sizes;
  for (const TokenFile* f : files) sizes.push_back(f->size());
  return sizes;
}
}  // namespace

BatchSource::BatchSource(const std::vector<const TokenFile*>& files,
                         const std::vector<double>& weights, int ctx, uint64_t seed,
                         int64_t unique_tokens, torch::Device device)
    : sampler_(sizes_of(files), weights, ctx + 1, seed, unique_tokens), ctx_(ctx), device_(device) {
  if (files.size() == 1) {
    tokens_ = token_tensor(*files[0], device);
    base_ = {0};
  } else {
    std::vector<torch::Tensor> parts;
    int64_t at = 0;
    for (const TokenFile* f : files) {
      parts.push_back(token_tensor(*f, torch::kCPU));
      base_.push_back(at);
      at += f->size();
    }
    tokens_ = torch::cat(parts).to(device);  // one copy of the sources, end to end
  }
  offsets_ = torch::arange(ctx + 1, torch::TensorOptions().dtype(torch::kLong).device(device));
}

void BatchSource::refill(int64_t first) {
  // On CUDA the chunk goes through pinned memory and uploads asynchronously: the copy is queued
  // behind the running step instead of stalling the host (the caching host allocator keeps the
  // buffer alive until the copy is done).
  auto host = torch::empty(
      {kChunkWindows}, torch::TensorOptions().dtype(torch::kLong).pinned_memory(device_.is_cuda()));
  auto* p = host.data_ptr<int64_t>();
  for (int64_t i = 0; i < kChunkWindows; ++i) {
    const MixedWindow w = sampler_.window(first + i);
    p[i] = base_[w.source] + w.start;
  }
  starts_ = device_.is_cuda() ? host.to(device_, /*non_blocking=*/true) : host;
  chunk_first_ = first;
  chunk_size_ = kChunkWindows;
}

Batch BatchSource::get(int64_t first, int batch) {
  if (chunk_first_ < 0 || first < chunk_first_ || first + batch > chunk_first_ + chunk_size_)
    refill(first);
  auto starts = starts_.narrow(0, first - chunk_first_, batch);
  auto xy = gather_windows(tokens_, starts, offsets_);  // (B, T+1)
  return {xy.narrow(1, 0, ctx_), xy.narrow(1, 1, ctx_)};
}

torch::Tensor eval_windows(const TokenFile& val, int ctx, int64_t windows, torch::Device device) {
  WindowSampler sampler(val.size(), ctx + 1, /*seed=*/0x5eedULL, 0);
  auto starts = torch::empty({windows}, torch::kLong);
  auto* p = starts.data_ptr<int64_t>();
  for (int64_t i = 0; i < windows; ++i) p[i] = sampler.start(i);
  auto tokens = torch::from_blob(const_cast<uint16_t*>(val.data()), {val.size()}, torch::kShort);
  return gather_windows(tokens, starts, torch::arange(ctx + 1, torch::kLong)).to(device);
}
}  // namespace sl
