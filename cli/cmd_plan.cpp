// `scalelab plan --flops C`: the compute-optimal N, D, loss and a concrete model shape, from a
// fit.json or a published fit. fit/planner.h does the work.
#include <iostream>

#include "cli/commands.h"
#include "fit/planner.h"
#include "fit/published_fits.h"

namespace {
struct PlanFlags {
  std::string flops, params, tokens, fit, published = "besiroglu2024", convention = "6n";
  sl::PlanRequest request;
  bool json = false;
};

absl::Status run_plan_command(PlanFlags& f) {
  if (!f.flops.empty()) {
    SL_ASSIGN_OR_RETURN(f.request.flops, sl::parse_quantity(f.flops, "--flops"));
  }
  if (!f.params.empty()) {
    SL_ASSIGN_OR_RETURN(f.request.params, sl::parse_quantity(f.params, "--params"));
  }
  if (!f.tokens.empty()) {
    SL_ASSIGN_OR_RETURN(f.request.tokens, sl::parse_quantity(f.tokens, "--tokens"));
  }
  SL_ASSIGN_OR_RETURN(f.request.convention, sl::parse_flops_convention(f.convention));
  SL_RETURN_IF_ERROR(sl::validate_gpt_config(f.request.base, "plan"));
  sl::PlanLaw law;
  if (f.fit.empty()) {
    SL_ASSIGN_OR_RETURN(law, sl::plan_law_published(f.published));
  } else {
    SL_ASSIGN_OR_RETURN(law, sl::plan_law_from_fit_json(f.fit));
  }
  SL_ASSIGN_OR_RETURN(sl::PlanResult plan, sl::make_plan(law, f.request));
  if (f.json) {
    std::cout << plan.json.dump(2) << "\n";
    for (const std::string& w : plan.warnings) std::cerr << "warning: " << w << "\n";
  } else {
    std::cout << plan.table;  // ends with the warnings
  }
  return absl::OkStatus();
}

void add_plan_command(CLI::App& app) {
  auto flags = std::make_shared<PlanFlags>();
  CLI::App* cmd =
      app.add_subcommand("plan", "Compute-optimal model size, tokens, loss and shape for a budget");
  cmd->add_option("--flops", flags->flops, "Compute budget C in FLOPs (1e18, 2.5e17...)");
  cmd->add_option("--params", flags->params,
                  "Model size N (50k, 1.5M...): best D for it, or D = C/6N with --flops");
  cmd->add_option("--tokens", flags->tokens,
                  "Training tokens D: best N for it, or N = C/6D with --flops");
  cmd->add_option("--fit", flags->fit, "fit.json from `scalelab fit` (default: a published fit)");
  cmd->add_option("--published", flags->published,
                  "Published fit without --fit: besiroglu2024 | hoffmann2022")
      ->capture_default_str();
  cmd->add_option("--ctx", flags->request.base.ctx, "Context length of the shape")
      ->capture_default_str();
  cmd->add_option("--vocab", flags->request.base.vocab, "Vocabulary size of the shape")
      ->capture_default_str();
  cmd->add_option("--aspect", flags->request.rule.aspect, "Shape rule: d_model / n_layer")
      ->capture_default_str();
  cmd->add_option("--head-dim", flags->request.rule.head_dim, "Shape rule: d_model / n_head")
      ->capture_default_str();
  cmd->add_option("--flops-convention", flags->convention,
                  "FLOPs per token for the shape's tokens: 6n | 6n_attention | chinchilla")
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "Print JSON instead of the table");
  cmd->callback([flags] {
    absl::Status st = run_plan_command(*flags);
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      sl::cli::exit_code() = 1;
    }
  });
}
}  // namespace

SL_REGISTER_COMMAND(70, add_plan_command);
