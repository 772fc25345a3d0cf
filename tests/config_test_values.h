// A valid value other than the default for every config key (tests/train/train_config_test.cpp and
// tests/sweeps/spec_test.cpp set each one in turn). A new key needs its line here: both tests say
// so.
#pragma once
#include <map>
#include <string>

namespace sl::testing {
inline const std::map<std::string, std::string>& nondefault_config_values() {
  static const std::map<std::string, std::string> values{{"model.n_layer", "3"},
                                                         {"model.d_model", "96"},
                                                         {"model.n_head", "8"},
                                                         {"model.d_ff", "200"},
                                                         {"model.ctx", "64"},
                                                         {"model.vocab", "300"},
                                                         {"model.bias", "true"},
                                                         {"model.tied", "false"},
                                                         {"model.dropout", "0.1"},
                                                         {"model.preset", "nanochat"},
                                                         {"model.norm", "rmsnorm"},
                                                         {"model.norm_gain", "false"},
                                                         {"model.pos", "rope"},
                                                         {"model.rope_theta", "500000"},
                                                         {"model.mlp", "swiglu"},
                                                         {"model.ff_multiple", "64"},
                                                         {"model.qk_norm", "true"},
                                                         {"model.n_kv_head", "2"},
                                                         {"data.path", "/data/x"},
                                                         {"data.unique_tokens", "5000"},
                                                         {"data.tokenizer", "bpe:2000"},
                                                         {"data.mix", "/data/a"},
                                                         {"data.mix_weights", "3"},
                                                         {"optim.lr", "0.002"},
                                                         {"optim.min_lr_ratio", "0.2"},
                                                         {"optim.weight_decay", "0.05"},
                                                         {"optim.beta1", "0.8"},
                                                         {"optim.beta2", "0.99"},
                                                         {"optim.eps", "1e-7"},
                                                         {"optim.grad_clip", "0.5"},
                                                         {"optim.schedule", "wsd"},
                                                         {"optim.warmup_fraction", "0.1"},
                                                         {"optim.decay_fraction", "0.3"},
                                                         {"optim.warmup_tokens", "1024"},
                                                         {"train.tokens", "2M"},
                                                         {"train.batch_size", "2"},
                                                         {"train.grad_accum", "2"},
                                                         {"train.seed", "7"},
                                                         {"train.device", "cpu"},
                                                         {"train.threads", "1"},
                                                         {"train.bf16", "false"},
                                                         {"train.log_every", "3"},
                                                         {"train.eval_every", "9"},
                                                         {"train.eval_tokens", "4096"},
                                                         {"train.checkpoint_every", "11"},
                                                         {"train.log", "tensorboard"},
                                                         {"train.ranks", "2"},
                                                         {"probes.tasks", "add"},
                                                         {"probes.difficulties", "2"},
                                                         {"probes.shots", "0"},
                                                         {"probes.templates", "1"},
                                                         {"probes.instances", "8"},
                                                         {"probes.seed", "5"}};
  return values;
}
}  // namespace sl::testing
