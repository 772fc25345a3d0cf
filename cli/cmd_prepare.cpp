// `scalelab prepare`: turn a corpus into train.bin/val.bin/meta.json (logic in data/prepare.h).
#include <cstdio>
#include <iostream>
#include <memory>

#include "absl/strings/str_split.h"
#include "cli/commands.h"
#include "data/prepare.h"

namespace {
void add_prepare_command(CLI::App& app) {
  auto options = std::make_shared<sl::PrepareOptions>();
  CLI::App* cmd = app.add_subcommand(
      "prepare", "Turn a corpus into token files: DIR/train.bin, DIR/val.bin, DIR/meta.json");
  cmd->add_option(
         "--source", options->source,
         "A text file, a directory of text files, `austen` (Jane Austen's six novels, from "
         "Debian's r-cran-janeaustenr: the default), `kjv` (the King James Bible, Debian's "
         "bible-kjv), `pydoc` (Python's manual, Debian's python3-doc), `brown` (fetched with "
         "npm), or "
         "`synthetic:markov[?symbols=16&order=1&alpha=0.2&tokens=2000000&seed=1]`")
      ->capture_default_str();
  cmd->add_option("--out", options->out_dir,
                  "Output directory (default: out/data/<name>, e.g. out/data/austen)");
  cmd->add_option("--val-fraction", options->split.val_fraction,
                  "Fraction of tokens held out in val.bin")
      ->capture_default_str();
  cmd->add_option("--seed", options->split.seed, "Seed of the train/val split")
      ->capture_default_str();
  cmd->add_option("--block-tokens", options->split.block_tokens,
                  "Split unit: documents longer than this are cut into blocks of this many tokens")
      ->capture_default_str();
  cmd->add_option("--tokenizer", options->tokenizer,
                  "byte (one token per byte), or bpe:VOCAB / unigram:VOCAB: a SentencePiece "
                  "model trained on the train split, stored in the output directory")
      ->capture_default_str();
  cmd->add_option("--tokenizer-from", options->tokenizer_from,
                  "Reuse the trained tokenizer of this prepared directory instead of training one "
                  "(datasets sharing a tokenizer can be mixed with data.mix)");
  auto format = std::make_shared<std::string>("nanogpt");
  cmd->add_option("--format", *format,
                  "Token file layout: nanogpt (bare uint16 ids) or llmc (llm.c's 256 x int32 "
                  "header, magic 20240520, version 1, then uint16 ids)")
      ->check(CLI::IsMember({"nanogpt", "llmc"}))
      ->capture_default_str();
  auto mix_tasks = std::make_shared<std::string>();
  cmd->add_option(
      "--mix", *mix_tasks,
      "Mix generated probe-task text (train-split problems only) into the corpus: task "
      "names or families, comma-separated (arithmetic, icl, induction, all, add, add_pad, ...)");
  cmd->add_option("--mix-fraction", options->mix.fraction,
                  "Share of the mixed corpus's bytes that is task text")
      ->capture_default_str();
  cmd->add_option("--mix-seed", options->mix.seed, "Seed of the generated task text")
      ->capture_default_str();
  cmd->add_option("--cache-dir", options->cache_dir, "Where downloads are cached")
      ->capture_default_str();
  cmd->callback([options, mix_tasks, format] {
    options->layout = *format == "llmc" ? sl::TokenLayout::kLlmc : sl::TokenLayout::kNanoGpt;
    options->mix.tasks = absl::StrSplit(*mix_tasks, ',', absl::SkipEmpty());
    auto meta = sl::prepare_dataset(*options);
    if (!meta.ok()) {
      std::cerr << "error: " << meta.status().message() << "\n";
      sl::cli::exit_code() = 1;
      return;
    }
    const std::string out =
        options->out_dir.empty() ? sl::default_out_dir(*options) : options->out_dir;
    std::printf("%s: %lld train tokens, %lld val tokens, vocab %d (%s), %.3f bytes/token\n",
                out.c_str(), static_cast<long long>(meta->train_tokens),
                static_cast<long long>(meta->val_tokens), meta->vocab_size, meta->tokenizer.c_str(),
                meta->bytes_per_token);
    std::printf("unigram entropy of train: %.4f nats/token\n", meta->unigram_entropy_nats);
    if (meta->entropy_rate_nats >= 0)
      std::printf("entropy rate of the source: %.4f nats/token (the irreducible loss)\n",
                  meta->entropy_rate_nats);
  });
}
}  // namespace

SL_REGISTER_COMMAND(10, add_prepare_command);
