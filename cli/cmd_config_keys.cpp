// `scalelab config-keys`: every key a train config (or a sweep's dotted override) may set, with its
// type, default and meaning; the table in docs/train.md is this output.
#include <iostream>

#include "cli/commands.h"
#include "train/train_config.h"

namespace {
void add_config_keys_command(CLI::App& app) {
  CLI::App* cmd =
      app.add_subcommand("config-keys", "List every config key with its type, default and meaning");
  cmd->callback([] { std::cout << sl::config_keys_markdown(); });
}
}  // namespace

SL_REGISTER_COMMAND(35, add_config_keys_command);
