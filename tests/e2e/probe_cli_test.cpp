// `scalelab probe` and a config's `probes:` section as a user runs them: rows land in probes.jsonl,
// and the bad inputs (unknown task, shots beyond the context length, a run without
// checkpoints) fail with a message naming what is wrong and what to change, before any work is
// lost.
#include <gtest/gtest.h>

#include "cli_util.h"
#include "nlohmann/json.hpp"
#include "train/metrics_log.h"

namespace sl::testing {
namespace {
namespace fs = std::filesystem;

// Byte-level Markov data: the probe tasks' text (digits, letters, '+', '=') is byte tokens too.
const fs::path& data_dir() {
  static const fs::path dir = prepare_markov("probe_data", 150000, 3);
  return dir;
}

// ctx 32: an 8-shot letter mapping (about 9 x 6 bytes) cannot fit; 1-digit addition can.
std::string config_text(const std::string& probes = "") {
  return "name: probe_e2e\n"
         "model:\n  n_layer: 1\n  d_model: 16\n  n_head: 2\n  ctx: 32\n  vocab: 256\n"
         "data:\n  path: " +
         data_dir().string() +
         "\n"
         "train:\n  tokens: 8192\n  batch_size: 8\n  threads: 1\n"
         "  log_every: 8\n  eval_every: 16\n  eval_tokens: 1024\n  checkpoint_every: 16\n" +
         probes;
}

// One trained run (with its final checkpoint) shared by the tests of this binary.
const fs::path& trained_run() {
  static fs::path run = [] {
    fs::path dir = e2e_dir("probe_run");
    write_file(dir / "cfg.yaml", config_text());
    CliResult r =
        run_cli("train " + (dir / "cfg.yaml").string() + " --run-dir " + (dir / "run").string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return dir / "run";
  }();
  return run;
}

TEST(ProbeCli, ProbesARunAndWritesOneRowPerCellAndTemplate) {
  const fs::path& run = trained_run();
  CliResult r = run_cli("probe " + run.string() + " --tasks add --difficulties 1,2 --instances 4");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto rows = metrics_read((run / "probes.jsonl").string());
  ASSERT_TRUE(rows.ok()) << rows.status();
  // add at difficulties 1 and 2, 3 templates each: 6 cells, each one row holding every metric.
  ASSERT_EQ(rows->size(), 6u);
  for (const auto& row : *rows) {
    EXPECT_EQ(row.at("task"), "add");
    const double em = row.at("exact_match").get<double>();
    EXPECT_GE(em, 0.0);
    EXPECT_LE(em, 1.0);
    EXPECT_LT(row.at("loglik").get<double>(), 0.0);  // a log-probability of a non-empty answer
  }
}

TEST(ProbeCli, UnknownTaskIsRejectedWithTheKnownNames) {
  CliResult r = run_cli("probe " + trained_run().string() + " --tasks add,divide");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("unknown probe task \"divide\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("icl_map"), std::string::npos) << r.output;  // lists what exists
}

TEST(ProbeCli, ShotsBeyondTheContextNameTheCellAndTheFix) {
  const fs::path& run = trained_run();
  const int rows_before = count_lines(run / "probes.jsonl");
  CliResult r = run_cli("probe " + run.string() + " --tasks icl_map --shots 8");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("probe task icl_map"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("8 shots"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ctx = 32"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("use fewer shots"), std::string::npos) << r.output;
  EXPECT_EQ(count_lines(run / "probes.jsonl"), rows_before);  // nothing written, nothing lost
}

TEST(ProbeCli, ShotsBeyondTheContextInAConfigFailBeforeTraining) {
  fs::path dir = e2e_dir("probe_cfg_shots");
  write_file(dir / "cfg.yaml", config_text("probes:\n  tasks: [icl_map]\n  shots: [8]\n"));
  CliResult r =
      run_cli("train " + (dir / "cfg.yaml").string() + " --run-dir " + (dir / "run").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("probes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ctx = 32"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "run" / "checkpoint.bin"));  // no step was trained
  EXPECT_LE(count_lines(dir / "run" / "metrics.jsonl"), 0);
}

TEST(ProbeCli, RunWithoutCheckpointSaysToTrainItFirst) {
  fs::path dir = e2e_dir("probe_no_ckpt");
  fs::create_directories(dir / "run");
  fs::copy_file(trained_run() / "config.yaml",
                dir / "run" / "config.yaml");  // a run that never checkpointed
  CliResult r = run_cli("probe " + (dir / "run").string() + " --tasks add");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("has no checkpoint.bin yet; train it first"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "run" / "probes.jsonl"));

  CliResult not_a_run = run_cli("probe " + (dir / "nowhere").string());
  EXPECT_NE(not_a_run.exit_code, 0);
}

TEST(ProbeCli, SweepWithAnUnfinishedRunProbesTheOthers) {
  fs::path sweep = e2e_dir("probe_sweep");
  fs::create_directories(sweep / "runs" / "a_unfinished");
  fs::copy_file(trained_run() / "config.yaml", sweep / "runs" / "a_unfinished" / "config.yaml");
  fs::copy(trained_run(), sweep / "runs" / "b_done", fs::copy_options::recursive);
  fs::remove(sweep / "runs" / "b_done" / "probes.jsonl");
  CliResult r = run_cli("probe " + sweep.string() + " --tasks add --difficulties 1 --instances 4");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("a_unfinished has no checkpoint.bin yet"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 of 2 runs were not probed"), std::string::npos) << r.output;
  EXPECT_EQ(count_lines(sweep / "runs" / "b_done" / "probes.jsonl"),
            3);  // add, difficulty 1, 3 templates
}
}  // namespace
}  // namespace sl::testing
