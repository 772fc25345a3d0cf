// Data as an experimental variable, through the binary: a sweep over data.tokenizer prepares each
// vocabulary's dataset once (keyed by a hash, reused by a second sweep), sets model.vocab, and
// reports exact bits per byte; a data.mix run reports val loss per source and the mixture's as
// their weighted mean; sources with different tokenizers are refused naming both, and mix once
// one is encoded with the other's model (--tokenizer-from); model.ctx is an
// axis whose values reach the export.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "cli_util.h"
#include "core/files.h"
#include "nlohmann/json.hpp"
#include "train/metrics_log.h"

namespace sl {
namespace fs = std::filesystem;
using nlohmann::json;
using testing::e2e_dir;
using testing::run_cli;
using testing::write_file;

namespace {
// A directory of seeded English-like text (200 KB): enough for BPE 300 and a few windows.
fs::path english_dir(const fs::path& root, const std::string& name, uint64_t seed) {
  static const char* kWords[] = {"the",  "of",   "and",    "to",     "a",     "in",    "was",
                                 "her",  "she",  "that",   "it",     "not",   "be",    "had",
                                 "as",   "with", "for",    "Emma",   "Darcy", "could", "would",
                                 "very", "much", "letter", "sister", "house", "walk",  "dear"};
  std::mt19937_64 rng(seed);
  for (int d = 0; d < 4; ++d) {
    std::string text;
    while (text.size() < 50000) {
      for (int w = 0; w < 12; ++w) {
        text += kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))];
        text += w == 11 ? ".\n" : " ";
      }
    }
    write_file(root / name / ("doc" + std::to_string(d) + ".txt"), text);
  }
  return root / name;
}

json read_json(const fs::path& p) {
  auto text = read_file(p.string());
  EXPECT_TRUE(text.ok()) << p;
  return text.ok() ? json::parse(*text) : json();
}

std::string header_of(const fs::path& csv) {
  auto text = read_file(csv.string());
  return text.ok() ? "," + text->substr(0, text->find('\n')) + "," : "";
}

const char* kTinyRun =
    "  model: {n_layer: 1, d_model: 16, n_head: 1, ctx: 16}\n"
    "  optim: {lr: 0.01}\n"
    "  train: {batch_size: 4, eval_every: 10, eval_tokens: 512, log_every: 5, checkpoint_every: "
    "100, threads: 1}\n";
}  // namespace

TEST(DataAxes, TokenizerAxisPreparesOnceSetsTheVocabularyAndReportsBitsPerByte) {
  const fs::path root = e2e_dir("tokenizer_axis");
  const fs::path src = english_dir(root, "text", 1);
  const fs::path base = root / "data" / "text";
  ASSERT_EQ(run_cli("prepare --source " + src.string() + " --out " + base.string()).exit_code, 0);
  const fs::path spec = root / "vocab.yaml";
  write_file(spec, "name: vocab\nbase:\n  data: {path: " + base.string() + "}\n" + kTinyRun +
                       "models: {shapes: [{n_layer: 1, d_model: 16, n_head: 1}]}\n"
                       "data: {tokens: [1280]}\ndata.tokenizer: [byte, bpe:300]\n");
  auto r = run_cli("sweep " + spec.string() + " --dir " + (root / "sweep").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // One variant directory beside the base, named by the tokenizer and a hash.
  std::vector<fs::path> variants;
  for (const auto& e : fs::directory_iterator(root / "data"))
    if (e.is_directory() && e.path().filename().string().rfind("text-bpe300-", 0) == 0)
      variants.push_back(e.path());
  ASSERT_EQ(variants.size(), 1u);
  const auto meta = read_json(variants[0] / "meta.json");
  EXPECT_EQ(meta["tokenizer_spec"], "bpe:300");
  EXPECT_EQ(meta["vocab_size"], 300);
  const auto stamp = fs::last_write_time(variants[0] / "train.bin");
  // Exact bits per byte: each run's val_bpb is its val_loss over ln 2 and the bytes per eval
  // token: 1 for bytes; for BPE the bytes under its own eval windows, close to the corpus mean.
  int runs = 0;
  for (const auto& e : fs::directory_iterator(root / "sweep" / "runs")) {
    const auto s = read_json(e.path() / "summary.json");
    ASSERT_EQ(s["status"], "done") << e.path();
    const bool bpe = s["tokenizer"] == "bpe:300";
    EXPECT_EQ(s["vocab"], bpe ? 300 : 256);
    EXPECT_EQ(s["params_embedding"].get<int64_t>(),
              s["params_total"].get<int64_t>() - s["params_nonembedding"].get<int64_t>());
    const double ratio = s["final_val_loss"].get<double>() / std::log(2.0) /
                         s["final_val_bpb"].get<double>();  // bytes per eval token
    if (bpe) {
      const double mean = meta["bytes_per_token"].get<double>();
      EXPECT_GT(mean, 1.2);
      EXPECT_NEAR(ratio, mean, 0.1 * mean);
      EXPECT_NE(ratio, mean) << "the eval windows' own bytes, not the corpus mean";
    } else {
      EXPECT_NEAR(ratio, 1.0, 1e-9);
    }
    ++runs;
  }
  EXPECT_EQ(runs, 2);
  ASSERT_EQ(run_cli("export " + (root / "sweep").string()).exit_code, 0);
  const std::string h = header_of(root / "sweep" / "export" / "summary.csv");
  for (const char* col : {",params_embedding,", ",vocab,", ",data.tokenizer,"})
    EXPECT_NE(h.find(col), std::string::npos) << col << " in " << h;
  // A second sweep with the same settings reuses the variant as it is.
  r = run_cli("sweep " + spec.string() + " --dir " + (root / "sweep2").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(fs::last_write_time(variants[0] / "train.bin"), stamp);
}

TEST(DataAxes, MixtureReportsValLossPerSourceAndRefusesTwoTokenizers) {
  const fs::path root = e2e_dir("mixture");
  const fs::path a = root / "data" / "alpha", b = root / "data" / "beta";
  ASSERT_EQ(
      run_cli("prepare --source " + english_dir(root, "ta", 2).string() + " --out " + a.string())
          .exit_code,
      0);
  ASSERT_EQ(
      run_cli("prepare --source 'synthetic:markov?symbols=8&tokens=60000' --out " + b.string())
          .exit_code,
      0);
  const fs::path cfg = root / "mix.yaml";
  std::string text = "name: mix\ndata:\n  mix: [" + a.string() + ", " + b.string() +
                     "]\n  mix_weights: [1, 3]\nmodel: {n_layer: 1, d_model: 16, n_head: 1, ctx: "
                     "16}\noptim: {lr: 0.01}\ntrain: {tokens: 1280, batch_size: 4, eval_every: "
                     "10, eval_tokens: 512, log_every: 5, checkpoint_every: 100, threads: 1}\n";
  write_file(cfg, text);
  auto r = run_cli("train " + cfg.string() + " --run-dir " + (root / "run").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto rows = metrics_read((root / "run" / "metrics.jsonl").string());
  ASSERT_TRUE(rows.ok());
  int evals = 0;
  for (const auto& row : *rows) {
    if (!row.contains("val_loss")) continue;
    ++evals;
    const double la = row["val_loss_alpha"].get<double>(), lb = row["val_loss_beta"].get<double>();
    EXPECT_NEAR(row["val_loss"].get<double>(), 0.25 * la + 0.75 * lb, 1e-9);
    EXPECT_TRUE(row.contains("val_bpb_alpha") && row.contains("val_bpb_beta"));
  }
  EXPECT_GE(evals, 1);
  const auto s = read_json(root / "run" / "summary.json");
  EXPECT_TRUE(s.contains("final_val_loss_alpha") && s.contains("final_val_loss_beta")) << s.dump();

  // A BPE source beside a byte one: refused before training, naming both.
  const fs::path c = root / "data" / "gamma";
  ASSERT_EQ(run_cli("prepare --tokenizer bpe:300 --source " + english_dir(root, "tc", 3).string() +
                    " --out " + c.string())
                .exit_code,
            0);
  text.replace(text.find(b.string()), b.string().size(), c.string());
  write_file(cfg, text);
  r = run_cli("train " + cfg.string() + " model.vocab=300 --run-dir " + (root / "run2").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("one tokenizer"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(c.string()), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(root / "run2" / "checkpoint.bin"));

  // Encoded with gamma's model (--tokenizer-from), another corpus mixes with gamma.
  const fs::path d = root / "data" / "delta";
  ASSERT_EQ(run_cli("prepare --tokenizer-from " + c.string() + " --source " +
                    english_dir(root, "td", 4).string() + " --out " + d.string())
                .exit_code,
            0);
  text.replace(text.find(a.string()), a.string().size(), d.string());
  write_file(cfg, text);
  r = run_cli("train " + cfg.string() + " model.vocab=300 --run-dir " + (root / "run3").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto s3 = read_json(root / "run3" / "summary.json");
  EXPECT_TRUE(s3.contains("final_val_bpb_delta") && s3.contains("final_val_bpb_gamma"))
      << s3.dump();
}

TEST(DataAxes, ContextLengthIsAnAxisToTheExport) {
  const fs::path root = e2e_dir("ctx_axis");
  const fs::path data = testing::prepare_markov("ctx_axis_data", 40000, 1);
  const fs::path spec = root / "ctx.yaml";
  write_file(spec, "name: ctx\nbase:\n  data: {path: " + data.string() + "}\n" + kTinyRun +
                       "models: {shapes: [{n_layer: 1, d_model: 16, n_head: 1}]}\n"
                       "data: {tokens: [2560]}\nmodel.ctx: [16, 32]\n");
  auto r = run_cli("sweep " + spec.string() + " --dir " + (root / "sweep").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(run_cli("export " + (root / "sweep").string()).exit_code, 0);
  auto csv = read_file((root / "sweep" / "export" / "summary.csv").string());
  ASSERT_TRUE(csv.ok());
  // Both contexts are there, each with its own FLOPs (6N plus attention grows with ctx).
  EXPECT_NE(csv->find(",16,"), std::string::npos) << *csv;
  EXPECT_NE(csv->find(",32,"), std::string::npos) << *csv;
  double attn[2] = {0, 0};
  for (const auto& e : fs::directory_iterator(root / "sweep" / "runs")) {
    const auto s = read_json(e.path() / "summary.json");
    ASSERT_EQ(s["status"], "done");
    attn[s["ctx"] == 16 ? 0 : 1] =
        s["flops_6n_attention"].get<double>() - s["flops_6n"].get<double>();
  }
  EXPECT_GT(attn[1], attn[0] * 1.5) << "attention FLOPs per token grow with ctx";
}
}  // namespace sl
