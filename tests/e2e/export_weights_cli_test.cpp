// `scalelab export-weights` as a user runs it: the default file beside checkpoint.bin with the
// config and step in its metadata, --logits-for's JSON, and the errors (not a run, no checkpoint,
// bad ids, an unknown format) with their exit codes. tests/python/ reads the files with PyTorch.
#include <gtest/gtest.h>

#include "cli_util.h"
#include "core/files.h"
#include "nlohmann/json.hpp"

namespace sl::testing {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

// One run trained for 8 steps, shared by the tests of this binary.
const fs::path& trained_run() {
  static const fs::path run = [] {
    fs::path data = prepare_markov("export_weights_data", 150000, 4);
    fs::path dir = e2e_dir("export_weights");
    write_file(dir / "cfg.yaml",
               "name: ew\nmodel:\n  n_layer: 1\n  d_model: 16\n  n_head: 2\n  ctx: 8\n"
               "  vocab: 256\ndata:\n  path: " +
                   data.string() +
                   "\ntrain:\n  tokens: 256\n  batch_size: 4\n  threads: 1\n  eval_every: 100\n"
                   "  eval_tokens: 64\n  checkpoint_every: 0\n");
    CliResult r = run_cli("train " + (dir / "cfg.yaml").string() + " --run-dir " +
                          (dir / "run").string() + " --no-progress");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return dir / "run";
  }();
  return run;
}

json header_of(const std::string& bytes) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  return json::parse(bytes.substr(8, n));
}

TEST(ExportWeightsCli, WritesModelSafetensorsBesideTheCheckpoint) {
  CliResult r = run_cli("export-weights " + trained_run().string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path file = trained_run() / "model.safetensors";
  // wte, wpe, 6 weights in the block, ln_f and lm_head (tied, no biases)
  EXPECT_NE(r.output.find("wrote " + file.string() + ": 10 float32 tensors in nanoGPT's layout"),
            std::string::npos)
      << r.output;
  auto bytes = read_file(file.string());
  ASSERT_TRUE(bytes.ok());
  json h = header_of(*bytes);
  EXPECT_EQ(h["__metadata__"]["n_layer"], "1");
  EXPECT_EQ(h["__metadata__"]["n_embd"], "16");
  EXPECT_EQ(h["__metadata__"]["block_size"], "8");
  EXPECT_EQ(h["__metadata__"]["bias"], "false");
  EXPECT_EQ(h["__metadata__"]["step"], "8");  // 256 tokens / (4 x 8)
  EXPECT_EQ(h["transformer.h.0.attn.c_attn.weight"]["shape"], (json{48, 16}));
  EXPECT_EQ(h["lm_head.weight"]["shape"], (json{256, 16}));
  EXPECT_FALSE(h.contains("transformer.ln_f.bias"));

  const fs::path other = trained_run().parent_path() / "elsewhere.safetensors";
  CliResult to = run_cli("export-weights " + trained_run().string() + " --out " + other.string() +
                         " --format safetensors");
  ASSERT_EQ(to.exit_code, 0) << to.output;
  EXPECT_EQ(*read_file(other.string()), *bytes);  // the same checkpoint, the same bytes
}

TEST(ExportWeightsCli, LogitsForPrintsOneJsonObject) {
  // stdout alone: run_shell adds 2>&1 to the whole line, so stderr is dropped inside the braces.
  CliResult r = run_shell("{ " + std::string(SCALELAB_BIN) + " export-weights " +
                          trained_run().string() + " --logits-for 1,2,300 2>/dev/null; }");
  EXPECT_EQ(r.exit_code, 2);  // 300 is outside the vocabulary of 256
  r = run_shell("{ " + std::string(SCALELAB_BIN) + " export-weights " + trained_run().string() +
                " --logits-for 5,0,255 2>/dev/null; }");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json j = json::parse(r.output);  // stdout holds nothing else
  EXPECT_EQ(j["tokens"], (json{5, 0, 255}));
  EXPECT_EQ(j["step"], 8);
  ASSERT_EQ(j["logits"].size(), 3u);
  EXPECT_EQ(j["logits"][0].size(), 256u);
  EXPECT_NE(j["logits"][0][0].get<double>(), j["logits"][1][0].get<double>());
}

TEST(ExportWeightsCli, ErrorsSayWhatIsMissingAndHowToFixIt) {
  fs::path dir = e2e_dir("export_weights_errors");
  fs::create_directories(dir / "untrained");
  fs::copy_file(trained_run() / "config.yaml", dir / "untrained" / "config.yaml");
  CliResult r = run_cli("export-weights " + (dir / "untrained").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("has no checkpoint.bin yet; train it first: scalelab train " +
                          (dir / "untrained" / "config.yaml").string() + " --run-dir " +
                          (dir / "untrained").string()),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "untrained" / "model.safetensors"));

  r = run_cli("export-weights " + (dir / "nowhere").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("is not a run directory (no config.yaml)"), std::string::npos)
      << r.output;

  r = run_cli("export-weights " + trained_run().string() + " --format onnx");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("safetensors"), std::string::npos) << r.output;

  r = run_cli("export-weights " + trained_run().string() + " --logits-for 1,1,1,1,1,1,1,1,1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("give 1 to model.ctx = 8 token ids, not 9"), std::string::npos)
      << r.output;
}
}  // namespace
}  // namespace sl::testing
