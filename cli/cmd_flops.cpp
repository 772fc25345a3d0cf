// `scalelab flops --n-layer L --d-model D --n-head H [--d-ff F] --ctx T --vocab V [--bias B]
// [--tied B] [--json]`: parameter counts and FLOPs per token under the three conventions.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "model/accounting.h"
#include "nlohmann/json.hpp"

namespace {
struct FlopsArgs {
  sl::GptConfig c;
  bool json = false;
};

void print_flops(const FlopsArgs& a) {
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
  cmd->add_option("--d-ff", a->c.d_ff, "MLP width (default 4 d_model)");
  cmd->add_option("--ctx", a->c.ctx, "Context length")->required();
  cmd->add_option("--vocab", a->c.vocab, "Vocabulary size")->required();
  cmd->add_option("--bias", a->c.bias, "Biases in Linear/LayerNorm (true|false)")
      ->capture_default_str();
  cmd->add_option("--tied", a->c.tied, "Head tied to the token embedding (true|false)")
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->callback([a] { print_flops(*a); });
}
}  // namespace

SL_REGISTER_COMMAND(20, add_flops_command);
