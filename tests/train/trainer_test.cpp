// The trainer end to end, in process: loss falls toward the data's entropy rate, a resumed run
// equals an uninterrupted one exactly (CPU), divergence is a status, bad input fails before step 1.
#include "train/trainer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/files.h"
#include "data/token_dataset.h"
#include "model/accounting.h"
#include "train/checkpoint.h"
#include "train_test_util.h"

namespace sl {
namespace {
using testing::metrics_without_timing;
using testing::temp_dir;
using testing::tiny_config;

RunOutcome run(const TrainConfig& c, const std::string& dir, int64_t stop_after = -1) {
  TrainOptions o;
  o.run_dir = dir;
  o.progress = false;
  o.stop_after_step = stop_after;
  auto out = train_run(c, o);
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? *out : RunOutcome{};
}

// A finished run's final val loss lies between the source's entropy rate (no model beats it) and
// well below its unigram entropy. Untrained: ~ln(256) = 5.5; a bigram model reaches the entropy
// rate; unigram statistics alone would stop at the unigram entropy.
void expect_learned_the_bigrams(const TrainConfig& c, const RunOutcome& out) {
  ASSERT_EQ(out.status, RunStatus::kDone);
  auto meta = read_dataset_meta(c.data.path + "/meta.json");
  ASSERT_TRUE(meta.ok());
  const double final_val = out.summary["final_val_loss"].get<double>();
  EXPECT_LT(final_val, meta->unigram_entropy_nats - 0.3);
  EXPECT_GT(final_val, meta->entropy_rate_nats - 0.05);
}

TEST(Trainer, LossFallsWellBelowTheUnigramEntropy) {
  TrainConfig c = tiny_config(80);
  auto dir = temp_dir("falls");
  RunOutcome out = run(c, dir.string());
  expect_learned_the_bigrams(c, out);
  auto rows = metrics_without_timing(dir.string());
  ASSERT_FALSE(rows.empty());
  EXPECT_GT(rows.front()["train_loss"].get<double>(),
            rows.back()["train_loss"].get<double>() + 1.0);
  // Every row carries tokens and FLOPs under the three conventions.
  const auto& last = rows.back();
  EXPECT_EQ(last["tokens"].get<int64_t>(), 80 * c.tokens_per_step());
  EXPECT_GT(last["flops_chinchilla"].get<double>(), last["flops_6n"].get<double>());
  EXPECT_TRUE(path_exists(dir.string() + "/summary.json"));
}

TEST(Trainer, ResumedRunEqualsUninterruptedRunExactly) {
  TrainConfig c = tiny_config(14);
  auto full = temp_dir("full"), resumed = temp_dir("resumed");
  run(c, full.string());
  EXPECT_EQ(run(c, resumed.string(), /*stop_after=*/5).status, RunStatus::kInterrupted);
  EXPECT_FALSE(path_exists(resumed.string() + "/summary.json"));
  EXPECT_EQ(run(c, resumed.string()).status, RunStatus::kDone);
  EXPECT_EQ(metrics_without_timing(full.string()), metrics_without_timing(resumed.string()));
}

TEST(Trainer, TwoResumesStillMatch) {
  TrainConfig c = tiny_config(14);
  auto full = temp_dir("full2"), resumed = temp_dir("resumed2");
  run(c, full.string());
  run(c, resumed.string(), 3);
  run(c, resumed.string(), 9);
  EXPECT_EQ(run(c, resumed.string()).status, RunStatus::kDone);
  EXPECT_EQ(metrics_without_timing(full.string()), metrics_without_timing(resumed.string()));
}

// optim.name: muon (Muon on the blocks' matrices, AdamW on the rest) learns the bigram statistics
// too, and its momentum buffers travel in the checkpoint: a resumed run equals an uninterrupted one.
TEST(Trainer, MuonLossFallsWellBelowTheUnigramEntropy) {
  TrainConfig c = tiny_config(80);
  c.optim.name = "muon";
  c.optim.muon_lr = 0.02;
  auto dir = temp_dir("muon_falls");
  RunOutcome out = run(c, dir.string());
  expect_learned_the_bigrams(c, out);
  auto ckpt = load_checkpoint(dir.string() + "/checkpoint.bin");
  ASSERT_TRUE(ckpt.ok()) << ckpt.status().message();
  ASSERT_EQ(ckpt->tensors.count("muon_momentum"), 1u);
  // 2 layers x (c_attn 3072 + c_proj 1024 + c_fc 4096 + c_proj 4096) hidden-matrix entries.
  EXPECT_EQ(ckpt->tensors.at("muon_momentum").numel(), 2 * (3072 + 1024 + 4096 + 4096));
  EXPECT_GT(ckpt->tensors.at("muon_momentum").abs().max().item<double>(), 0.0);
}

TEST(Trainer, MuonResumedRunEqualsUninterruptedRunExactly) {
  TrainConfig c = tiny_config(14);
  c.optim.name = "muon";
  auto full = temp_dir("muon_full"), resumed = temp_dir("muon_resumed");
  run(c, full.string());
  EXPECT_EQ(run(c, resumed.string(), /*stop_after=*/5).status, RunStatus::kInterrupted);
  EXPECT_EQ(run(c, resumed.string()).status, RunStatus::kDone);
  EXPECT_EQ(metrics_without_timing(full.string()), metrics_without_timing(resumed.string()));
}

// muP at m = 2 (d_model 32 over base_width 16): under adamw the hidden matrices are their own lr
// segment of the flat buffer (kHiddenFirst), under muon they are Muon's; both learn and resume
// exactly.
TrainConfig mup_config(int64_t steps, const std::string& optim) {
  TrainConfig c = tiny_config(steps);
  c.name = "mup_" + optim;
  c.model.parametrization = "mup";
  c.model.base_width = 16;
  c.optim.name = optim;
  c.optim.muon_lr = 0.02;
  return c;
}

TEST(Trainer, MupLossFallsWellBelowTheUnigramEntropy) {
  for (const std::string optim : {"adamw", "muon"}) {
    TrainConfig c = mup_config(30, optim);
    auto dir = temp_dir("mup_falls_" + optim);
    RunOutcome out = run(c, dir.string());
    ASSERT_EQ(out.status, RunStatus::kDone) << optim;
    auto rows = metrics_without_timing(dir.string());
    ASSERT_GE(rows.size(), 2u);
    EXPECT_GT(rows.front()["train_loss"].get<double>(),
              rows.back()["train_loss"].get<double>() + 1.0)
        << optim;
    EXPECT_EQ(out.summary["shape"].get<std::string>(), "L2-d32-h2-mup16");
  }
}

TEST(Trainer, MupResumedRunEqualsUninterruptedRunExactly) {
  for (const std::string optim : {"adamw", "muon"}) {
    TrainConfig c = mup_config(10, optim);
    auto full = temp_dir("mup_full_" + optim), resumed = temp_dir("mup_resumed_" + optim);
    run(c, full.string());
    EXPECT_EQ(run(c, resumed.string(), /*stop_after=*/5).status, RunStatus::kInterrupted);
    EXPECT_EQ(run(c, resumed.string()).status, RunStatus::kDone);
    EXPECT_EQ(metrics_without_timing(full.string()), metrics_without_timing(resumed.string()))
        << optim;
  }
}

TEST(Trainer, RowsPastTheCheckpointAreDroppedOnResume) {
  TrainConfig c = tiny_config(14);
  auto full = temp_dir("full3"), crashed = temp_dir("crashed");
  run(c, full.string());
  run(c, crashed.string(), 6);  // checkpoint at step 6
  // A session that died after writing rows it never checkpointed:
  ASSERT_TRUE(
      append_line(crashed.string() + "/metrics.jsonl", R"({"step": 8, "train_loss": 99})").ok());
  ASSERT_TRUE(
      append_line(crashed.string() + "/metrics.jsonl", R"({"step": 10, "trai)").ok());  // torn line
  run(c, crashed.string());
  EXPECT_EQ(metrics_without_timing(full.string()), metrics_without_timing(crashed.string()));
}

TEST(Trainer, DivergenceIsAStatusNotACrash) {
  TrainConfig c = tiny_config(20);
  c.optim.lr = 1e6;
  c.optim.grad_clip = 0;
  c.optim.warmup_fraction = 0;
  auto dir = temp_dir("diverge");
  RunOutcome out = run(c, dir.string());
  EXPECT_EQ(out.status, RunStatus::kDiverged);
  EXPECT_EQ(out.summary["status"], "diverged");
  EXPECT_NE(out.summary["reason"].get<std::string>().find("non-finite"), std::string::npos);
}

TEST(Trainer, ModelVocabSmallerThanTheDataFailsBeforeTraining) {
  TrainConfig c = tiny_config(4);
  c.model.vocab = 8;  // the Markov source writes byte ids above 8
  auto dir = temp_dir("vocab");
  TrainOptions o;
  o.run_dir = dir.string();
  o.progress = false;
  auto out = train_run(c, o);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("model.vocab"), std::string::npos)
      << out.status().message();
  EXPECT_FALSE(path_exists(dir.string() + "/metrics.jsonl"));
}

TEST(Trainer, ADifferentConfigInTheSameDirectoryIsRefused) {
  TrainConfig c = tiny_config(4);
  auto dir = temp_dir("differ");
  run(c, dir.string(), 2);
  TrainConfig other = c;
  other.optim.lr = 5e-3;
  TrainOptions o;
  o.run_dir = dir.string();
  o.progress = false;
  auto out = train_run(other, o);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("different config"), std::string::npos)
      << out.status().message();
}

TEST(Trainer, DataConstrainedRunReportsEpochs) {
  TrainConfig c = tiny_config(20);
  c.data.unique_tokens = 2048;  // 20 steps x 512 tokens = 10240 tokens = 5 epochs
  auto dir = temp_dir("epochs");
  RunOutcome out = run(c, dir.string());
  EXPECT_NEAR(out.summary["epochs"].get<double>(), 5.0, 1e-9);
}
}  // namespace
}  // namespace sl

namespace sl {
// The progress line carries the learning rate and the gradient norm of the row it reports.
TEST(TrainerProgress, LineShowsLossLrAndGradNorm) {
  nlohmann::json row{{"step", 40},
                     {"lr", 0.003},
                     {"train_loss", 3.41274},
                     {"grad_norm", 0.8412},
                     {"tokens_per_s", 12345.0},
                     {"wall_s", 1.0}};
  EXPECT_EQ(progress_detail_text(row, std::nan("")),
            "loss 3.4127 | lr 3.0e-03 | gnorm 0.841 | 12.3k tok/s");
  EXPECT_EQ(progress_detail_text(row, 3.50119),
            "loss 3.4127 val 3.5012 | lr 3.0e-03 | gnorm 0.841 | 12.3k tok/s");
}
}  // namespace sl

namespace sl {
namespace {
// Every architecture preset (and grouped-query attention) trains, reports its own N under the four
// conventions, and resumes exactly.
struct ArchCase {
  const char* name;
  const char* preset;
  int n_kv_head;
};
class ArchitectureTraining : public ::testing::TestWithParam<ArchCase> {};

TrainConfig arch_config(const ArchCase& a, int64_t steps) {
  TrainConfig c = testing::tiny_config(steps);
  c.name = a.name;
  EXPECT_TRUE(apply_gpt_preset(a.preset, &c.model).ok());
  c.model.n_kv_head = a.n_kv_head;
  c.model.ff_multiple = 32;  // SwiGLU: 2/3 * 128 -> 96
  return c;
}

TEST_P(ArchitectureTraining, LossFallsAndTheSummaryCountsItsOwnParameters) {
  TrainConfig c = arch_config(GetParam(), 30);
  auto dir = temp_dir(std::string("arch_falls_") + GetParam().name);
  RunOutcome out = run(c, dir.string());
  ASSERT_EQ(out.status, RunStatus::kDone);
  auto rows = metrics_without_timing(dir.string());
  ASSERT_GE(rows.size(), 2u);
  // From ~ln(256) = 5.5 nats: 30 steps of lr 1e-2 on the Markov source take every variant well
  // below the start.
  EXPECT_GT(rows.front()["train_loss"].get<double>(),
            rows.back()["train_loss"].get<double>() + 1.0);
  const ParamCounts p = count_params(c.model);
  EXPECT_EQ(out.summary["params_total"].get<int64_t>(), p.total);
  EXPECT_EQ(out.summary["params_nonembedding"].get<int64_t>(), p.nonembedding);
  EXPECT_EQ(out.summary["params_with_head"].get<int64_t>(), p.with_head);
  EXPECT_EQ(out.summary["params_matrices"].get<int64_t>(), p.matrices);
  EXPECT_EQ(out.summary["shape"].get<std::string>(), c.model.shape_name());
}

TEST_P(ArchitectureTraining, ResumedRunEqualsUninterruptedRunExactly) {
  TrainConfig c = arch_config(GetParam(), 10);
  auto full = temp_dir(std::string("arch_full_") + GetParam().name);
  auto resumed = temp_dir(std::string("arch_resumed_") + GetParam().name);
  run(c, full.string());
  EXPECT_EQ(run(c, resumed.string(), /*stop_after=*/5).status, RunStatus::kInterrupted);
  EXPECT_EQ(run(c, resumed.string()).status, RunStatus::kDone);
  EXPECT_EQ(metrics_without_timing(full.string()), metrics_without_timing(resumed.string()));
}

INSTANTIATE_TEST_SUITE_P(Presets, ArchitectureTraining,
                         ::testing::Values(ArchCase{"llama", "llama", 0},
                                           ArchCase{"nanochat", "nanochat", 0},
                                           ArchCase{"llama_gqa", "llama", 1}),
                         [](const auto& info) { return std::string(info.param.name); });
}  // namespace
}  // namespace sl
