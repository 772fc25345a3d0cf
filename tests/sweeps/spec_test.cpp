// Sweep spec expansion: the grid, sizes -> shapes, budgets in the three modes, rules, axes, run ids
// that survive re-expansion, shared stable phases; and bad specs rejected with file, key, line and
// column.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "gtest/gtest.h"
#include "sweeps/spec.h"
#include "tests/config_test_values.h"
#include "tests/fit/quickstart_grid.h"
#include "tests/sweeps/spec_test_util.h"
#include "train/schedule.h"
#include "train/train_config.h"

namespace sl {
namespace {
const char* kBase = testing::kSpecBase;

absl::StatusOr<SweepPlan> expand(const std::string& body) {
  return expand_sweep_spec_text(std::string(kBase) + body, "spec.yaml", /*check_data=*/false);
}

std::string error_of(const std::string& body) {
  auto p = expand(body);
  EXPECT_FALSE(p.ok()) << "expected an error for:\n" << body;
  return p.ok() ? "" : std::string(p.status().message());
}
}  // namespace

TEST(SweepSpec, GridOfSizesTokensSeedsAndAxes) {
  auto p = expand(
      "models: {sizes: [20k, 50k], head_dim: 16}\ndata: {tokens: [2k, 4k, 8k]}\nseeds: [1, 2]\n"
      "optim.lr: [1e-3, 3e-3]\ntrain.eval_every: 7\n");
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->runs.size(), 2u * 3 * 2 * 2);
  std::set<std::string> ids;
  for (const auto& r : p->runs) {
    ids.insert(r.id);
    EXPECT_EQ(r.id, run_id(r.cfg));
    EXPECT_EQ(r.cfg.train.eval_every, 7);
    EXPECT_EQ(r.cfg.model.head_dim(), 16);
    EXPECT_NE(r.cfg.name.find("t-L"), std::string::npos) << r.cfg.name;
  }
  EXPECT_EQ(ids.size(), p->runs.size());
  // Sizes land within the default 10% of their targets.
  EXPECT_NEAR(p->runs.front().params_nonembedding, 20e3, 2e3);
  EXPECT_NEAR(p->runs.back().params_nonembedding, 50e3, 5e3);
  // Re-expanding finds the same runs.
  auto q = expand(
      "models: {sizes: [20k, 50k], head_dim: 16}\ndata: {tokens: [2k, 4k, 8k]}\nseeds: [1, 2]\n"
      "optim.lr: [1e-3, 3e-3]\ntrain.eval_every: 7\n");
  ASSERT_TRUE(q.ok());
  for (size_t i = 0; i < p->runs.size(); ++i) EXPECT_EQ(p->runs[i].id, q->runs[i].id);
}

TEST(SweepSpec, TokensPerParamAndIsoflopBudgets) {
  auto p = expand(
      "models: {shapes: [{n_layer: 2, d_model: 32, n_head: 2}]}\ndata: {tokens_per_param: [10, "
      "20]}\n");
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->runs.size(), 2u);
  EXPECT_EQ(p->runs[0].cfg.train.tokens, 10 * p->runs[0].params_nonembedding);
  EXPECT_EQ(p->runs[1].cfg.train.tokens, 20 * p->runs[1].params_nonembedding);

  auto q = expand(
      "models: {sizes: [20k, 50k], head_dim: 16}\ndata: {flops: [1e11, 1e12], flops_convention: "
      "6n}\n");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_TRUE(q->isoflop);
  for (const auto& r : q->runs) {
    ASSERT_GT(r.flops_budget, 0);
    // D = C / 6N up to whole-step rounding.
    EXPECT_NEAR(6.0 * r.params_nonembedding * r.cfg.train.tokens / r.flops_budget, 1.0, 1e-6);
    EXPECT_NEAR(r.flops_6n / r.flops_budget, 1.0, 0.05);
  }
}

TEST(SweepSpec, RulesByModelSizeAndTokens) {
  auto p = expand(
      "models: {sizes: [20k, 160k], head_dim: 16}\ndata: {tokens: [4k, 8k]}\n"
      "rules:\n  optim.lr: {value: 1e-3, at: 20k, exponent: -0.5}\n"
      "  optim.warmup_tokens: {coef: 0.25, exponent: 1, of: D}\n");
  ASSERT_TRUE(p.ok()) << p.status();
  for (const auto& r : p->runs) {
    EXPECT_NEAR(r.cfg.optim.lr, 1e-3 * std::pow(r.params_nonembedding / 20e3, -0.5), 1e-12);
    EXPECT_EQ(r.cfg.optim.warmup_tokens, r.cfg.train.tokens / 4);
  }
}

TEST(SweepSpec, SharedStablePhaseBranchesShortRunsFromTheLongest) {
  auto p = expand(
      "models: {sizes: [20k], head_dim: 16}\ndata: {tokens: [2k, 4k, 8k]}\n"
      "schedule: wsd\nshare_stable_phase: true\n");
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->runs.size(), 3u);
  const PlannedRun& longest = p->runs[2];
  EXPECT_TRUE(longest.branch_source.empty());
  EXPECT_EQ(longest.snapshot_steps.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const PlannedRun& r = p->runs[i];
    EXPECT_EQ(r.branch_source, longest.id);
    EXPECT_EQ(r.branch_step, wsd_decay_start(r.cfg.optim, r.cfg.total_steps()));
    EXPECT_GT(r.cfg.optim.warmup_tokens, 0);
    EXPECT_EQ(r.cfg.optim.warmup_tokens, longest.cfg.optim.warmup_tokens);
  }
  EXPECT_GT(p->tokens_saved(), 0);
  EXPECT_NE(
      error_of(
          "models: {sizes: [20k], head_dim: 16}\ndata: {tokens: [2k]}\nshare_stable_phase: true\n")
          .find("wsd"),
      std::string::npos);
}

// Each bad spec names spec.yaml, the key, and its line:column.
TEST(SweepSpec, UnknownKeyIsRejectedWithPosition) {
  std::string e = error_of("models: {sizes: [25k]}\ndata: {tokens: [2k]}\nsedes: [1]\n");
  EXPECT_NE(e.find("spec.yaml:9:1"), std::string::npos) << e;
  EXPECT_NE(e.find("sedes"), std::string::npos) << e;
  e = error_of("models: {sizes: [25k]}\ndata: {tokens: [2k]}\noptim.lrr: [1e-3]\n");
  EXPECT_NE(e.find("spec.yaml:9:1"), std::string::npos) << e;
  EXPECT_NE(e.find("optim.lrr"), std::string::npos) << e;
  e = error_of("models: {sizes: [25k], head_size: 16}\ndata: {tokens: [2k]}\n");
  EXPECT_NE(e.find("spec.yaml:7"), std::string::npos) << e;
  EXPECT_NE(e.find("models.head_size"), std::string::npos) << e;
}

// Found by fuzz/fuzz_sweep_spec: `base: .` threw std::ios_failure out of the YAML reader.
TEST(SweepSpec, BaseThatIsADirectoryNamesTheSpecKey) {
  auto p = expand_sweep_spec_text(
      "name: t\nbase: .\nmodels: {sizes: [25k]}\ndata: {tokens: [2k]}\n", "spec.yaml",
      /*check_data=*/false);
  ASSERT_FALSE(p.ok());
  const std::string e(p.status().message());
  EXPECT_NE(e.find("spec.yaml:2:7"), std::string::npos) << e;
  EXPECT_NE(e.find("is a directory; name a train config file"), std::string::npos) << e;
  // Also found by fuzzing: a name longer than the system takes threw std::filesystem_error.
  p = expand_sweep_spec_text("name: t\nbase: " + std::string(5000, 'b') +
                                 "\nmodels: {sizes: [25k]}\ndata: {tokens: [2k]}\n",
                             "spec.yaml", /*check_data=*/false);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("spec.yaml:2:7: key 'base': train config 'bbb"),
            std::string::npos)
      << p.status();
  EXPECT_NE(p.status().message().find("File name too long"), std::string::npos) << p.status();
}

TEST(SweepSpec, EmptyAxisIsRejectedWithPosition) {
  std::string e = error_of("models: {sizes: [25k]}\ndata:\n  tokens: []\n");
  EXPECT_NE(e.find("spec.yaml:9:11"), std::string::npos) << e;
  EXPECT_NE(e.find("data.tokens"), std::string::npos) << e;
  EXPECT_NE(e.find("empty"), std::string::npos) << e;
  e = error_of("models: {sizes: [25k]}\ndata: {tokens: [2k]}\noptim.lr: []\n");
  EXPECT_NE(e.find("spec.yaml:9:11"), std::string::npos) << e;
  EXPECT_NE(e.find("optim.lr"), std::string::npos) << e;
}

TEST(SweepSpec, SizeWithoutAValidShapeIsRejectedWithPosition) {
  // 100 parameters: the smallest shape with head_dim 32 has ~12k.
  std::string e = error_of("models:\n  sizes: [25k, 100]\ndata: {tokens: [2k]}\n");
  EXPECT_NE(e.find("spec.yaml:8:16"), std::string::npos) << e;
  EXPECT_NE(e.find("models.sizes[1]"), std::string::npos) << e;
  EXPECT_NE(e.find("no valid shape"), std::string::npos) << e;
  // An explicit shape whose heads do not divide d_model.
  // At the shape's n_head (yaml-cpp's Clone had made it 1:1).
  e = error_of("models:\n  shapes: [{n_layer: 2, d_model: 30, n_head: 4}]\ndata: {tokens: [2k]}\n");
  EXPECT_NE(e.find("spec.yaml:8:46: key 'models.shapes[0].n_head'"), std::string::npos) << e;
}

TEST(SweepSpec, BudgetBelowOneOptimizerStepIsRejectedWithPosition) {
  // One step is batch 4 x ctx 16 = 64 tokens.
  std::string e = error_of("models: {sizes: [25k]}\ndata:\n  tokens: [2k, 50]\n");
  EXPECT_NE(e.find("spec.yaml:9:16"), std::string::npos) << e;
  EXPECT_NE(e.find("data.tokens[1]"), std::string::npos) << e;
  EXPECT_NE(e.find("less than one optimizer step"), std::string::npos) << e;
  // The same from an IsoFLOP budget.
  e = error_of("models: {sizes: [25k]}\ndata:\n  flops: [1e3]\n");
  EXPECT_NE(e.find("data.flops[0]"), std::string::npos) << e;
  EXPECT_NE(e.find("less than one optimizer step"), std::string::npos) << e;
}

// ---- bad input that used to pass, crash or point at the wrong place ----

// A repeated seeds: kept the first list without a word.
TEST(SweepSpec, RepeatedKeyIsAnError) {
  std::string e =
      error_of("models: {sizes: [25k]}\ndata: {tokens: [2k]}\nseeds: [1, 2]\nseeds: [3]\n");
  EXPECT_EQ(e, "spec.yaml:10:1: key 'seeds' appears twice (first at line 9); keep one");
  e = error_of("models: {sizes: [25k]}\ndata: {tokens: [2k]}\noptim.lr: [1e-3]\noptim.lr: 3e-3\n");
  EXPECT_NE(e.find("spec.yaml:10:1: key 'optim.lr' appears twice"), std::string::npos) << e;
  e = error_of("models: {sizes: [25k]}\ndata: {tokens: [2k], tokens: [4k]}\n");
  EXPECT_NE(e.find("key 'data.tokens' appears twice"), std::string::npos) << e;
}

// `name: ..` made the sweep directory out/sweeps/.. (that is, out/).
TEST(SweepSpec, SweepNameMustBeADirectoryName) {
  for (const char* bad : {"..", "../x", "a/b", "\"\"", ".s"}) {
    auto p =
        expand_sweep_spec_text(std::string("name: ") + bad + "\n" + std::string(kBase).substr(8) +
                                   "models: {sizes: [25k]}\ndata: {tokens: [2k]}\n",
                               "spec.yaml", false);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().message().rfind("spec.yaml:1:7: key 'name': run name '", 0), 0u)
        << p.status();
  }
  // The runs' names (the sweep's name plus shape, budget, seed and axes) are held to the same rule.
  auto p = expand_sweep_spec_text(std::string("name: ") + std::string(95, 's') + "\n" +
                                      std::string(kBase).substr(8) +
                                      "models: {sizes: [25k]}\ndata: {tokens: [2k]}\n",
                                  "spec.yaml", false);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("makes a run name that is not usable"), std::string::npos)
      << p.status();
}

// tokens: [1e30] reported "-9223372036854775808 tokens"; a size of 1e20 overflowed the shape
// search.
TEST(SweepSpec, BudgetsAndSizesBeyondInt64AreRejectedWithTheLimit) {
  std::string e = error_of("models: {sizes: [25k]}\ndata:\n  tokens: [2k, 1e30]\n");
  EXPECT_EQ(e.rfind("spec.yaml:9:16: key 'data.tokens[1]': gives 1e+30 tokens for ", 0), 0u) << e;
  EXPECT_NE(e.find("at most 9.2e+18 tokens"), std::string::npos) << e;
  EXPECT_EQ(e.find("-9223372036854775808"), std::string::npos) << e;
  e = error_of("models: {sizes: [25k]}\ndata:\n  tokens_per_param: [1e20]\n");
  EXPECT_NE(e.find("key 'data.tokens_per_param[0]'"), std::string::npos) << e;
  EXPECT_NE(e.find("at most 9.2e+18 tokens"), std::string::npos) << e;
  e = error_of("models:\n  sizes: [1e20]\ndata: {tokens: [2k]}\n");
  EXPECT_NE(e.find("spec.yaml:8:11: key 'models.sizes[0]': 1e+20 parameters is beyond"),
            std::string::npos)
      << e;
}

// sizes: [1e15] passed the dry run (and crashed in the estimate or the run with std::bad_alloc).
TEST(SweepSpec, SizeThatCannotFitThisMachinesMemoryIsRejected) {
  std::string e = error_of("models:\n  sizes: [25k, 1e15]\ndata: {tokens: [2k]}\n");
  EXPECT_NE(e.find("spec.yaml:8:16: key 'models.sizes[1]': gives L"), std::string::npos) << e;
  EXPECT_NE(e.find("which cannot train on this machine"), std::string::npos) << e;
  EXPECT_NE(e.find("memory this machine has"), std::string::npos) << e;
  // On CUDA the host's memory says nothing (train/memory_check.h): not checked.
  EXPECT_TRUE(expand_sweep_spec_text(
                  std::string(kBase) + "models:\n  sizes: [1e15]\ndata: {tokens: [2k]}\n",
                  "spec.yaml", false, "cuda")
                  .ok());
}

// Values a spec sets in each run's config come from clones of its nodes (positions 1:1) and were
// reported as positions in the base file, at the last axis whatever the key.
TEST(SweepSpec, BadValueFromAnAxisOrFixedKeyPointsAtItInTheSpec) {
  std::string e = error_of(
      "models: {sizes: [25k]}\ndata: {tokens: [2k]}\noptim.lr: [1e-3, 0x10]\ntrain.eval_every: "
      "[5]\n");
  EXPECT_EQ(e.rfind("spec.yaml:9:18: key 'optim.lr': '0x10' is not a number", 0), 0u) << e;
  EXPECT_NE(
      e.find("(in the run of models.sizes[0], data.tokens[0], optim.lr[1], train.eval_every[0])"),
      std::string::npos)
      << e;
  e = error_of("models: {sizes: [25k]}\ndata: {tokens: [2k]}\noptim.lr: ~\n");
  EXPECT_EQ(e.rfind("spec.yaml:9:11: key 'optim.lr': is empty (~/null)", 0), 0u) << e;
  e = error_of("models: {sizes: [25k]}\ndata: {tokens: [2k]}\ntrain.threads: 100000\n");
  EXPECT_EQ(e.rfind("spec.yaml:9:16: key 'train.threads': 100000 is more than the ", 0), 0u) << e;
  // A bad value in the base keeps its own position (the base was cloned too).
  auto p = expand_sweep_spec_text(
      "name: t\nbase:\n  model: {ctx: 16}\n  optim: {lr: fast}\n  train: {batch_size: 4}\n"
      "models: {sizes: [25k]}\ndata: {tokens: [2k]}\n",
      "spec.yaml", false);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("spec.yaml:4:15: key 'optim.lr': 'fast' is not a number"),
            std::string::npos)
      << p.status();
  e = error_of("models: {sizes: [25k]}\ndata: {tokens: [2k]}\nseeds: [1, 0x2]\n");
  EXPECT_EQ(e.rfind("spec.yaml:9:12: key 'seeds[1]': must be an integer", 0), 0u) << e;
  e = error_of("models: {sizes: [25k]}\ndata: {tokens: [2k]}\nseeds: ~\n");
  EXPECT_NE(e.find("key 'seeds': is empty"), std::string::npos) << e;
}

TEST(SweepSpec, MissingDataIsReportedBeforeAnyRun) {
  auto p = expand_sweep_spec_text(
      std::string(kBase) + "models: {sizes: [25k]}\ndata: {tokens: [2k]}\n", "spec.yaml", true);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("/nonexistent"), std::string::npos) << p.status();
}
}  // namespace sl

namespace sl {
// Every documented key a sweep may set is accepted as a dotted key and reaches the run's config
// (probes.* included: the known-key list once came from a default config without a probes section).
TEST(SweepSpec, EveryConfigKeyCanBeSetFromASweep) {
  const auto& value = testing::nondefault_config_values();
  const std::set<std::string> not_from_a_sweep{"name", "train.tokens",
                                               "train.seed"};  // data:, seeds:
  const std::set<std::string> shape{"model.n_layer", "model.d_model", "model.n_head",
                                    "model.d_ff"};  // models:
  for (const auto& k : train_config_keys()) {
    if (not_from_a_sweep.count(k.key)) continue;
    ASSERT_TRUE(value.count(k.key)) << "give " << k.key << " a test value here";
    const std::string spec =
        std::string(
            "name: t\nbase:\n  model: {ctx: 64, vocab: 256}\n  data: {path: /nonexistent}\n"
            "models: {shapes: [{n_layer: 2, d_model: 32, n_head: 2}]}\ndata: {tokens: [16k]}\n") +
        (k.key.rfind("probes.", 0) == 0 && k.key != "probes.tasks" ? "probes.tasks: add\n" : "") +
        (k.key == "data.mix_weights" ? "data.mix: /data/a\n" : "") + k.key + ": " +
        value.at(k.key) + "\n";
    auto p = expand_sweep_spec_text(spec, "spec.yaml", /*check_data=*/false);
    ASSERT_TRUE(p.ok()) << k.key << ": " << p.status().message();
    ASSERT_EQ(p->runs.size(), 1u);
    if (shape.count(k.key)) continue;  // the models: axis sets the shape
    const std::string leaf = k.key.substr(k.key.find('.') + 1);
    const std::string text = train_config_to_yaml(p->runs[0].cfg);
    auto doc = YAML::Load(text);
    if (k.key ==
        "model.preset") {  // written as the keys it sets (nanochat: relu2, qk_norm), not by name
      EXPECT_FALSE(doc["model"]["preset"]) << text;
      EXPECT_EQ(doc["model"]["mlp"].as<std::string>(""), "relu2") << text;
      EXPECT_TRUE(doc["model"]["qk_norm"].as<bool>(false)) << text;
      continue;
    }
    const std::string section = k.key.substr(0, k.key.find('.'));
    ASSERT_TRUE(doc[section] && doc[section][leaf]) << k.key << " missing from\n" << text;
    const YAML::Node got = doc[section][leaf];
    const YAML::Node want = YAML::Load(value.at(k.key));
    double g, w;
    if (YAML::convert<double>::decode(got, g) && YAML::convert<double>::decode(want, w)) {
      EXPECT_DOUBLE_EQ(g, w) << k.key;
    } else {
      const std::string text_got =
          got.IsSequence() && got.size() == 1 ? got[0].as<std::string>() : YAML::Dump(got);
      EXPECT_EQ(text_got, want.as<std::string>()) << k.key;
    }
  }
}
}  // namespace sl

namespace sl {
namespace {
// The coverage test of the fit (tests/fit/quickstart_coverage_test.cpp) simulates the quickstart's
// (N, D) as export writes them: they must be the runs configs/sweeps/quickstart.yaml plans.
TEST(QuickstartSpec, PlansTheGridTheCoverageTestSimulates) {
  auto plan =
      expand_sweep_spec(std::string(SCALELAB_SOURCE_DIR) + "/configs/sweeps/quickstart.yaml",
                        /*check_data=*/false);
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::multiset<std::pair<double, double>> planned, simulated;
  for (const auto& r : plan->runs) {
    // The export's D: the tokens of the whole steps the run takes.
    const int64_t per_step = r.cfg.tokens_per_step();
    planned.insert({static_cast<double>(r.params_nonembedding),
                    static_cast<double>(r.cfg.train.tokens / per_step * per_step)});
  }
  for (const auto& g : testing::quickstart_grid()) simulated.insert({g.n, g.d});
  EXPECT_EQ(planned, simulated);
}
}  // namespace
}  // namespace sl
