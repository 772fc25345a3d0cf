// `scalelab check DATA...`: verify prepared datasets against their meta.json (sizes, token ids,
// checksums), the full scan that training does only at a run's first session.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/exit_codes.h"
#include "data/token_dataset.h"
#include "data/tokenizer.h"

namespace {
void add_check_command(CLI::App& app) {
  auto dirs = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand(
      "check", "Verify dataset directories: token counts, ids and checksums against meta.json");
  cmd->add_option("DATA", *dirs, "Dataset directories (e.g. out/data/austen)")->required();
  cmd->callback([dirs] {
    int bad = 0;
    for (const auto& dir : *dirs) {
      auto ds = sl::open_token_dataset(dir, /*verify_checksums=*/true);
      if (!ds.ok()) {
        std::cerr << "error: " << ds.status().message() << "\n";
        ++bad;
        continue;
      }
      // A trained tokenizer's model file: present, matching its checksum, the vocabulary's size.
      if (!ds->meta.tokenizer_model.empty()) {
        auto tokenizer = sl::make_tokenizer(ds->meta, dir);
        if (!tokenizer.ok()) {
          std::cerr << "error: " << tokenizer.status().message() << "\n";
          ++bad;
          continue;
        }
      }
      const bool summed = !ds->meta.train_checksum.empty() && !ds->meta.val_checksum.empty();
      std::printf("%s: ok (%lld train + %lld val tokens, largest id %d < vocab %d, %s)\n",
                  dir.c_str(), static_cast<long long>(ds->train->size()),
                  static_cast<long long>(ds->val->size()), ds->max_token, ds->meta.vocab_size,
                  summed ? "checksums match" : "no checksums in meta.json to compare");
    }
    if (bad > 0) sl::cli::exit_code() = sl::kExitFailed;
  });
}
}  // namespace

SL_REGISTER_COMMAND(15, add_check_command);
