#include "model/nanogpt_layout.h"

#include <cmath>

#include "core/format.h"

namespace sl {
namespace {
// name.weight and, when the layer has one, name.bias.
// name.weight and name.bias, each when the layer has it (a parameter-free norm has neither).
void add(std::vector<NamedTensor>& out, const std::string& name, const torch::Tensor& weight,
         const torch::Tensor& bias) {
  if (weight.defined()) out.push_back({name + ".weight", weight});
  if (bias.defined()) out.push_back({name + ".bias", bias});
}
}  // namespace

std::vector<NamedTensor> nanogpt_state_dict(const GptImpl& model) {
  std::vector<NamedTensor> out;
  out.push_back({"transformer.wte.weight", model.wte->weight});
  if (model.wpe) out.push_back({"transformer.wpe.weight", model.wpe->weight});  // not under RoPE
  for (size_t i = 0; i < model.blocks->size(); ++i) {
    const BlockImpl& b = model.blocks->at<BlockImpl>(i);
    const std::string h = "transformer.h." + std::to_string(i);
    add(out, h + ".ln_1", b.ln_1->weight, b.ln_1->bias);
    add(out, h + ".attn.c_attn", b.attn->c_attn->weight, b.attn->c_attn->bias);
    add(out, h + ".attn.c_proj", b.attn->c_proj->weight, b.attn->c_proj->bias);
    add(out, h + ".ln_2", b.ln_2->weight, b.ln_2->bias);
    add(out, h + ".mlp.c_fc", b.mlp->c_fc->weight, b.mlp->c_fc->bias);
    add(out, h + ".mlp.c_proj", b.mlp->c_proj->weight, b.mlp->c_proj->bias);
  }
  add(out, "transformer.ln_f", model.ln_f->weight, model.ln_f->bias);
  if (model.config.tied) {
    out.push_back({"lm_head.weight", model.wte->weight});
  } else {
    add(out, "lm_head", model.lm_head->weight, model.lm_head->bias);
  }
  return out;
}

std::map<std::string, std::string> nanogpt_config_metadata(const GptConfig& c) {
  std::map<std::string, std::string> m{
      {"block_size", std::to_string(c.ctx)},  {"vocab_size", std::to_string(c.vocab)},
      {"n_layer", std::to_string(c.n_layer)}, {"n_head", std::to_string(c.n_head)},
      {"n_embd", std::to_string(c.d_model)},  {"dropout", format_shortest(c.dropout)},
      {"bias", c.bias ? "true" : "false"},    {"tied", c.tied ? "true" : "false"},
      {"d_ff", std::to_string(c.ff())}};
  const GptConfig gpt2;
  auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  if (c.norm != gpt2.norm) m["norm"] = c.norm;
  if (c.norm_gain != gpt2.norm_gain) m["norm_gain"] = flag(c.norm_gain);
  if (c.pos != gpt2.pos) m["pos"] = c.pos;
  if (c.rope()) m["rope_theta"] = format_shortest(c.rope_theta);
  if (c.mlp != gpt2.mlp) m["mlp"] = c.mlp;
  if (c.qk_norm != gpt2.qk_norm) m["qk_norm"] = flag(c.qk_norm);
  if (c.kv_heads() != c.n_head) m["n_kv_head"] = std::to_string(c.kv_heads());
  if (c.mup()) {
    m["parametrization"] = c.parametrization;
    m["logit_mult"] = format_shortest(c.logit_mult());
    m["attn_scale"] = format_shortest(c.attn_scale());
  }
  return m;
}

std::vector<std::string> nanogpt_model_py_gaps(const GptConfig& c) {
  std::vector<std::string> gaps;
  if (!c.tied) {
    gaps.push_back(
        "the head is untied (model.tied: false) but nanoGPT's model.py ties lm_head to wte: its "
        "load_state_dict would put lm_head.weight into both");
  }
  if (c.ff() != 4 * c.d_model) {
    gaps.push_back("the MLP is " + std::to_string(c.ff()) + " wide (model.d_ff) but nanoGPT's " +
                   "model.py builds 4 * n_embd = " + std::to_string(4 * c.d_model) +
                   ": its load_state_dict refuses the shapes");
  }
  if (!c.tied && c.bias) {
    gaps.push_back("the untied head has a bias (lm_head.bias), which nanoGPT's model.py lacks");
  }
  const GptConfig gpt2;
  if (c.norm != gpt2.norm || c.norm_gain != gpt2.norm_gain) {
    gaps.push_back("the norms are " + c.norm + (c.norm_gain ? "" : " without a gain") +
                   " (model.norm, model.norm_gain) but nanoGPT's model.py has LayerNorm with a "
                   "gain: the numbers would load into a different function");
  }
  if (c.rope()) {
    gaps.push_back(
        "positions are rotary (model.pos: rope), so there is no transformer.wpe.weight, "
        "which nanoGPT's model.py needs");
  }
  if (c.mlp != gpt2.mlp) {
    gaps.push_back("the MLP is " + c.mlp + " (model.mlp) but nanoGPT's model.py applies GELU" +
                   (c.swiglu() ? ", and c_fc holds [gate | up] (2 d_ff rows)" : ""));
  }
  if (c.qk_norm) {
    gaps.push_back(
        "q and k are RMS-normalised per head (model.qk_norm), which nanoGPT's model.py "
        "does not do");
  }
  if (c.kv_heads() != c.n_head) {
    gaps.push_back("attention is grouped (model.n_kv_head " + std::to_string(c.kv_heads()) +
                   "): c_attn has " + std::to_string(c.d_model + 2 * c.kv_dim()) +
                   " rows, not nanoGPT's 3 * n_embd");
  }
  if (c.mup() && (c.logit_mult() != 1.0 || c.attn_scale() != 1.0 / std::sqrt(c.head_dim()))) {
    gaps.push_back("the model is muP away from its base width (model.parametrization: mup, m = " +
                   format_shortest(c.width_mult()) + "): its logits are multiplied by " +
                   format_shortest(c.logit_mult()) + " and attention scores by " +
                   format_shortest(c.attn_scale()) +
                   ", which nanoGPT's model.py does not do (the metadata has both)");
  }
  return gaps;
}
}  // namespace sl
