// nanoGPT's state-dict layout of our Gpt, so that nanoGPT's model.py (GPT(GPTConfig(...))
// .load_state_dict) and any loader of its names read a scalelab model. The modules are built alike
// (model/gpt.h): Linear weights are (out, in) as in nn.Linear, c_attn's output is [q | k | v] with
// the heads side by side, LayerNorm's eps is 1e-5 and the GELU is exact. So the mapping renames and
// never transposes or reorders (C = d_model, F = d_ff, V = vocab, T = ctx):
//   wte.weight                    transformer.wte.weight              (V, C)
//   wpe.weight                    transformer.wpe.weight              (T, C)
//   blocks.{i}.ln_1.weight, .bias transformer.h.{i}.ln_1.weight, .bias (C)
//   blocks.{i}.attn.c_attn.*      transformer.h.{i}.attn.c_attn.*     (3C, C), (3C)
//   blocks.{i}.attn.c_proj.*      transformer.h.{i}.attn.c_proj.*     (C, C), (C)
//   blocks.{i}.ln_2.*             transformer.h.{i}.ln_2.*            (C)
//   blocks.{i}.mlp.c_fc.*         transformer.h.{i}.mlp.c_fc.*        (F, C), (F)
//   blocks.{i}.mlp.c_proj.*       transformer.h.{i}.mlp.c_proj.*      (C, F), (C)
//   ln_f.weight, .bias            transformer.ln_f.weight, .bias      (C)
//   lm_head.weight (untied)       lm_head.weight                      (V, C)
// A tied model (the default) has no lm_head of its own: lm_head.weight is wte's matrix written a
// second time, as nanoGPT's state_dict() lists it. bias: false omits every .bias, as nanoGPT's
// bias=False does; an untied head with bias: true adds lm_head.bias, which nanoGPT lacks.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "model/gpt.h"

namespace sl {
struct NamedTensor {
  std::string name;
  torch::Tensor value;  // the module's own parameter (no copy)
};

// Every parameter of `model` under its nanoGPT name, in the order of nanoGPT's state_dict().
std::vector<NamedTensor> nanogpt_state_dict(const GptImpl& model);

// nanoGPT's GPTConfig fields as strings (block_size, vocab_size, n_layer, n_head, n_embd, dropout;
// bias "true" or "false"), plus tied ("true"/"false") and d_ff, which GPTConfig does not have, and
// each architecture key (model.norm, norm_gain, pos, rope_theta, mlp, qk_norm, n_kv_head) whose
// value is not GPT-2's, under its model: name, so a loader can rebuild any variant.
std::map<std::string, std::string> nanogpt_config_metadata(const GptConfig& c);

// What nanoGPT's own model.py cannot hold, one sentence each; empty when it loads the model
// exactly. (It always ties the head, has a 4 * n_embd MLP and no lm_head bias.)
std::vector<std::string> nanogpt_model_py_gaps(const GptConfig& c);
}  // namespace sl
