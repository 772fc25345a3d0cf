#include "train/train_step.h"

#include "model/torch_compat.h"

namespace sl {
Trainable init_trainable(const TrainConfig& cfg, torch::Device device) {
  torch::manual_seed(cfg.train.seed);
  Gpt model(cfg.model);
  model->to(device);
  model->train();
  FlatParams flat = flatten_parameters(*model, flat_layout_for(cfg.optim, cfg.model));
  FlatOptimizer optimizer(flat, cfg.optim, hidden_adam_lr_mult(cfg.optim, cfg.model));
  return Trainable{model, flat, optimizer};
}

torch::Tensor train_step(Gpt& model, FlatParams& flat, FlatOptimizer& optimizer,
                         const StepSetup& setup, const std::function<Batch(int)>& next_batch,
                         double lr, torch::Tensor& loss_acc) {
  const int accum = setup.grad_accum;
  for (int m = 0; m < accum; ++m) {
    Batch b = next_batch(m);
    torch::Tensor loss;
    {
      AutocastGuard autocast(setup.device, setup.bf16);
      loss = model->loss(b.x, b.y);
    }
    (accum == 1 ? loss : loss / accum).backward();
    loss_acc += loss.detach() / accum;
  }
  if (setup.reduce_grads) setup.reduce_grads(flat.grads);
  torch::Tensor grad_norm = clip_grad_norm(flat.grads, setup.grad_clip);
  optimizer.step(lr);
  flat.grads.zero_();
  return grad_norm;
}
}  // namespace sl
