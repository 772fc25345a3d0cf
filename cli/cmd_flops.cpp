// `scalelab flops --n-layer L --d-model D --n-head H [--d-ff F] --ctx T --vocab V [--bias B]
// [--tied B] [--preset P] [--norm N] [--norm-gain B] [--pos P] [--mlp M] [--qk-norm B]
// [--n-kv-head K] [--json]`: parameter counts by group and under the four N conventions, and FLOPs
// per token under the three FLOP conventions. --preset sets the variant keys first; the other
// flags given win over it, as keys do in a config.
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "model/accounting.h"
#include "nlohmann/json.hpp"

namespace {
struct FlopsArgs {
  sl::GptConfig c;
  std::string preset;
  bool json = false;
};

void print_flops(FlopsArgs a, const CLI::App& cmd) {
  if (!a.preset.empty()) {  // the preset's keys, then every variant flag given on top
    const sl::GptConfig given = a.c;
    if (auto st = sl::apply_gpt_preset(a.preset, &a.c); !st.ok()) {
      std::cerr << "error: --preset: " << st.message() << "\n";
      sl::cli::exit_code() = 2;
      return;
    }
    if (cmd.count("--bias")) a.c.bias = given.bias;
    if (cmd.count("--tied")) a.c.tied = given.tied;
    if (cmd.count("--norm")) a.c.norm = given.norm;
    if (cmd.count("--norm-gain")) a.c.norm_gain = given.norm_gain;
    if (cmd.count("--pos")) a.c.pos = given.pos;
    if (cmd.count("--mlp")) a.c.mlp = given.mlp;
    if (cmd.count("--qk-norm")) a.c.qk_norm = given.qk_norm;
    if (cmd.count("--n-kv-head")) a.c.n_kv_head = given.n_kv_head;
  }
  if (auto st = sl::validate_gpt_config(a.c, "flops"); !st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    sl::cli::exit_code() = 2;
    return;
  }
  const sl::ParamCounts p = sl::count_params(a.c);
  const sl::FlopsPerToken f = sl::flops_per_token(a.c);
  if (a.json) {
    nlohmann::json ch;
    for (const auto& [name, v] : f.chinchilla.terms()) ch[name] = v;
    ch["forward"] = f.chinchilla.forward;
    ch["train"] = f.chinchilla.train;
    nlohmann::json out{{"shape", a.c.shape_name()},
                       {"params_total", p.total},
                       {"params_nonembedding", p.nonembedding},
                       {"params_token_embedding", p.token_embedding},
                       {"params_position_embedding", p.position_embedding},
                       {"params_head", p.head},
                       {"params_attention", p.attention},
                       {"params_mlp", p.mlp},
                       {"params_norms", p.norms},
                       {"params_with_head", p.with_head},
                       {"params_matrices", p.matrices},
                       {"flops_per_token",
                        {{"kaplan_6n", f.kaplan_6n},
                         {"kaplan_6n_attention", f.kaplan_6n_attention},
                         {"chinchilla", ch}}}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("shape %s (d_ff %d, ctx %d, vocab %d, bias %s, %s head)\n", a.c.shape_name().c_str(),
              a.c.ff(), a.c.ctx, a.c.vocab, a.c.bias ? "on" : "off", a.c.tied ? "tied" : "untied");
  std::printf("\n%-28s %16s\n", "parameters", "count");
  std::printf("%-28s %16lld\n", "total", static_cast<long long>(p.total));
  std::printf("%-28s %16lld\n", "non-embedding (Kaplan N)", static_cast<long long>(p.nonembedding));
  std::printf("%-28s %16lld\n", "token embedding", static_cast<long long>(p.token_embedding));
  std::printf("%-28s %16lld\n", "position embedding", static_cast<long long>(p.position_embedding));
  if (!a.c.tied) std::printf("%-28s %16lld\n", "output head", static_cast<long long>(p.head));
  std::printf("%-28s %16lld\n", "attention", static_cast<long long>(p.attention));
  std::printf("%-28s %16lld\n", "MLP", static_cast<long long>(p.mlp));
  std::printf("%-28s %16lld\n", "norms", static_cast<long long>(p.norms));
  std::printf("%-28s %16lld\n", "+ head (nanochat N)", static_cast<long long>(p.with_head));
  std::printf("%-28s %16lld\n", "block matrices", static_cast<long long>(p.matrices));
  std::printf("\n%-28s %16s\n", "training FLOPs per token", "FLOPs");
  std::printf("%-28s %16.6g\n", "kaplan 6N", f.kaplan_6n);
  std::printf("%-28s %16.6g\n", "kaplan 6N + attention", f.kaplan_6n_attention);
  std::printf("%-28s %16.6g\n", "chinchilla (appendix F)", f.chinchilla.train);
  std::printf("\n%-28s %16s %8s\n", "chinchilla forward terms", "FLOPs", "share");
  for (const auto& [name, v] : f.chinchilla.terms()) {
    std::printf("  %-26s %16.6g %7.1f%%\n", name.c_str(), v, 100 * v / f.chinchilla.forward);
  }
  std::printf("  %-26s %16.6g\n", "forward", f.chinchilla.forward);
  std::printf("  %-26s %16.6g\n", "train (3 x forward)", f.chinchilla.train);
}

void add_flops_command(CLI::App& app) {
  auto a = std::make_shared<FlopsArgs>();
  CLI::App* cmd =
      app.add_subcommand("flops", "Parameter counts and FLOPs per token of a model shape");
  cmd->add_option("--n-layer", a->c.n_layer, "Transformer blocks")->required();
  cmd->add_option("--d-model", a->c.d_model, "Residual width")->required();
  cmd->add_option("--n-head", a->c.n_head, "Attention heads")->required();
  cmd->add_option("--d-ff", a->c.d_ff,
                  "MLP width (default 4 d_model; Llama's rounding for swiglu)");
  cmd->add_option("--ctx", a->c.ctx, "Context length")->required();
  cmd->add_option("--vocab", a->c.vocab, "Vocabulary size")->required();
  cmd->add_option("--bias", a->c.bias, "Biases in Linear/LayerNorm (true|false)")
      ->capture_default_str();
  cmd->add_option("--tied", a->c.tied, "Head tied to the token embedding (true|false)")
      ->capture_default_str();
  cmd->add_option("--preset", a->preset, "gpt2 | llama | nanochat (the other flags win over it)");
  cmd->add_option("--norm", a->c.norm, "layernorm | rmsnorm")->capture_default_str();
  cmd->add_option("--norm-gain", a->c.norm_gain, "A learned gain in every norm (true|false)")
      ->capture_default_str();
  cmd->add_option("--pos", a->c.pos, "learned | rope")->capture_default_str();
  cmd->add_option("--mlp", a->c.mlp, "gelu | swiglu | relu2")->capture_default_str();
  cmd->add_option("--ff-multiple", a->c.ff_multiple, "SwiGLU's d_ff rounding")
      ->capture_default_str();
  cmd->add_option("--qk-norm", a->c.qk_norm, "RMSNorm of q and k (true|false)")
      ->capture_default_str();
  cmd->add_option("--n-kv-head", a->c.n_kv_head, "Key/value heads (0 = n_head)")
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->callback([a, cmd] { print_flops(*a, *cmd); });
}
}  // namespace

SL_REGISTER_COMMAND(20, add_flops_command);
