// One optimizer step, exactly as the trainer takes it (train_run) and as `scalelab bench` times it:
// grad_accum micro-batches (forward under bf16 autocast on CUDA, backward into the flat gradient
// buffer), in a data-parallel run the gradients averaged over the ranks (one collective on the flat
// buffer), clipping by global norm, one flat optimizer update (AdamW, or Muon + AdamW), zeroing the gradients. Nothing here
// reads a value back to the host: the loss and the gradient norm stay device scalars until someone
// logs them.
#pragma once
#include <torch/torch.h>

#include <functional>

#include "model/gpt.h"
#include "train/batches.h"
#include "train/flat_params.h"
#include "train/optimizer.h"
#include "train/train_config.h"

namespace sl {
struct StepSetup {
  torch::Device device = torch::kCPU;
  bool bf16 = true;        // autocast on CUDA (ignored on the CPU)
  int grad_accum = 1;      // micro-batches per step
  double grad_clip = 1.0;  // max global gradient norm; <= 0 only measures it
  // Data-parallel runs: averages the flat gradient buffer over the ranks, in place, after the
  // backward passes and before clipping (train/data_parallel.h). Empty: one process.
  std::function<void(torch::Tensor&)> reduce_grads;
};

// A freshly initialised model (seeded with train.seed) on `device` in training mode, its parameters
// moved into flat storage (optim.name's layout), and the optimizer over them: what the trainer and
// the bench both start from.
struct Trainable {
  Gpt model;
  FlatParams flat;
  FlatOptimizer optimizer;
};
Trainable init_trainable(const TrainConfig& cfg, torch::Device device);

// Takes one step at learning rate `lr`. next_batch(m) gives micro-batch m (0 <= m < grad_accum) of
// this step. Adds the step's mean loss (sum over micro-batches of loss / grad_accum) to loss_acc, a
// device scalar, and returns the gradient norm before clipping (a device scalar).
torch::Tensor train_step(Gpt& model, FlatParams& flat, FlatOptimizer& optimizer,
                         const StepSetup& setup, const std::function<Batch(int)>& next_batch,
                         double lr, torch::Tensor& loss_acc);
}  // namespace sl
