// `scalelab sample RUN_DIR --prompt TEXT --tokens N --temperature T --seed S`
#include <iostream>

#include "cli/commands.h"
#include "train/sample.h"

namespace {
void add_sample_command(CLI::App& app) {
  auto run_dir = std::make_shared<std::string>();
  auto o = std::make_shared<sl::SampleOptions>();
  CLI::App* cmd = app.add_subcommand("sample", "Generate text from a run's checkpoint");
  cmd->add_option("run_dir", *run_dir, "Run directory (holds config.yaml and checkpoint.bin)")
      ->required();
  cmd->add_option("--prompt", o->prompt, "Text to continue")->capture_default_str();
  cmd->add_option("--tokens", o->tokens, "Tokens to generate")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--temperature", o->temperature, "Sampling temperature (0 = greedy)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--top-k", o->top_k, "Keep only the k most likely tokens (0 = all)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Sampling seed")->capture_default_str();
  cmd->callback([run_dir, o] {
    auto text = sl::sample_from_run(*run_dir, *o);
    if (!text.ok()) {
      std::cerr << "error: " << text.status().message() << "\n";
      sl::cli::exit_code() = 1;
      return;
    }
    std::cout << o->prompt << *text << "\n";
  });
}
}  // namespace

SL_REGISTER_COMMAND(40, add_sample_command);
