// Subcommands register themselves: each cli/cmd_<name>.cpp defines an add function and registers it
// with SL_REGISTER_COMMAND, so a new subcommand is one new file. No logic a test would want to
// reach lives in cli/: commands parse options and call the libraries.
#pragma once
#include <vector>

#include "CLI/CLI.hpp"

namespace sl::cli {
// Set by a subcommand's callback; main() returns it.
int& exit_code();

struct CommandRegistration {
  int order;  // position in --help
  void (*add)(CLI::App& app);
};
std::vector<CommandRegistration>& command_registry();
bool register_command(int order, void (*add)(CLI::App&));
}  // namespace sl::cli

#define SL_REGISTER_COMMAND(order, add_fn) \
  static const bool sl_registered_##add_fn = ::sl::cli::register_command(order, add_fn)
