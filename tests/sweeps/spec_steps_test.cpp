// The steps of a spec's expansion on their own: parsing (what the spec says, nothing resolved),
// rules (the formula, clamps, integer keys), the grid's order and names, the stable-phase grouping
// and the whole-plan checks.
#include <cmath>

#include "gtest/gtest.h"
#include "sweeps/spec_grid.h"
#include "sweeps/spec_parse.h"
#include "sweeps/spec_rules.h"
#include "sweeps/spec_validate.h"
#include "sweeps/stable_phase.h"
#include "tests/sweeps/spec_test_util.h"

namespace sl {
namespace {
const char* kBase = testing::kSpecBase;

SweepSpec parse_ok(const std::string& body) {
  auto s = parse_sweep_spec(std::string(kBase) + body, "spec.yaml");
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : SweepSpec{};
}

// Steps 1 and 2 of a spec's expansion: the plan's runs before stable phases and validation.
SweepPlan grid_of(const SweepSpec& s) {
  SweepPlan plan;
  plan.name = s.name;
  auto base = read_sweep_base(s);
  EXPECT_TRUE(base.ok()) << base.status();
  if (!base.ok()) return plan;
  auto models = resolve_models(s, *base);
  EXPECT_TRUE(models.ok()) << models.status();
  if (!models.ok()) return plan;
  const absl::Status st = expand_grid(s, *base, *models, "", &plan);
  EXPECT_TRUE(st.ok()) << st;
  return plan;
}

TEST(SpecParse, ReadsEveryPartWithoutResolvingIt) {
  const SweepSpec s = parse_ok(
      "models: {sizes: [50k, 1.5M], head_dim: 16, aspect: 8}\n"
      "data: {flops: [1e12, 3e12], flops_convention: chinchilla}\n"
      "seeds: 3, 4\n"
      "optim.lr: [1e-3, 3e-3, 1e-2]\n"
      "optim.weight_decay: 0.05\n"
      "schedule: wsd\n"
      "rules: {train.batch_size: {coef: 2, exponent: 0.5}}\n");
  EXPECT_EQ(s.name, "t");
  ASSERT_EQ(s.sizes.size(), 2u);
  EXPECT_DOUBLE_EQ(s.sizes[1].number, 1.5e6);
  EXPECT_EQ(s.sizes[1].key, "models.sizes[1]");
  EXPECT_TRUE(s.shapes.empty());
  EXPECT_EQ(s.shape_rule.head_dim, 16);
  EXPECT_DOUBLE_EQ(s.shape_rule.aspect, 8);
  EXPECT_EQ(s.mode, BudgetMode::kFlops);
  EXPECT_EQ(s.convention, FlopsConvention::kChinchilla);
  ASSERT_EQ(s.budgets.size(), 2u);
  EXPECT_DOUBLE_EQ(s.budgets[1].number, 3e12);
  // "3, 4": the elements carry the scalar's position.
  ASSERT_EQ(s.seeds.size(), 2u);
  EXPECT_DOUBLE_EQ(s.seeds[1].number, 4);
  EXPECT_EQ(s.seeds[1].where, "spec.yaml:9:8");
  ASSERT_EQ(s.axes.size(), 1u);
  EXPECT_EQ(s.axes[0].key, "optim.lr");
  EXPECT_EQ(s.axes[0].values.size(), 3u);
  ASSERT_EQ(s.fixed.size(), 2u);  // optim.weight_decay, and schedule as optim.schedule
  EXPECT_EQ(s.fixed[1].first, "optim.schedule");
  ASSERT_EQ(s.rules.size(), 1u);
  EXPECT_EQ(s.rules[0].key, "train.batch_size");
  // The base is not parsed yet: a base the config reader would refuse still parses as a spec.
  EXPECT_TRUE(parse_sweep_spec("base: {model: {n_head: 0}}\nmodels: {sizes: [1k]}\n"
                               "data: {tokens: [1k]}\n",
                               "spec.yaml")
                  .ok());
}

TEST(SpecParse, ExpandingNeedsAValidBaseAndPlacesItsErrorInTheBase) {
  auto spec = parse_sweep_spec(
      "base: {model: {n_head: 0}}\nmodels: {sizes: [1k]}\n"
      "data: {tokens: [1k]}\n",
      "spec.yaml");
  ASSERT_TRUE(spec.ok());
  auto base = read_sweep_base(*spec);
  ASSERT_FALSE(base.ok());
  EXPECT_NE(std::string(base.status().message()).find("model.n_head"), std::string::npos)
      << base.status();
}

TEST(SpecRules, ValueAtAndCoefFormsWithClamps) {
  Rule r;
  r.value = 3e-3;
  r.at = 1e6;
  r.exponent = -0.5;
  EXPECT_DOUBLE_EQ(r.eval({4e6, 0}), 1.5e-3);  // 3e-3 * 4^-0.5
  r.min = 2e-3;
  EXPECT_DOUBLE_EQ(r.eval({4e6, 0}), 2e-3);
  Rule c;
  c.use_coef = true;
  c.coef = 0.25;
  c.exponent = 1;
  c.of = RuleVar::kD;
  EXPECT_DOUBLE_EQ(c.eval({123, 8000}), 2000);
  c.max = 1000;
  EXPECT_DOUBLE_EQ(c.eval({123, 8000}), 1000);
}

TEST(SpecRules, IntegerKeysAreRoundedAndOthersKeptAsNumbers) {
  const SweepSpec s = parse_ok(
      "models: {sizes: [20k], head_dim: 16}\ndata: {tokens: [4k]}\n"
      "rules:\n  train.batch_size: {coef: 1, exponent: 0.5}\n"
      "  optim.lr: {value: 1e-3, at: 10k, exponent: 1}\n");
  YAML::Node doc(YAML::NodeType::Map);
  YamlOrigins origins;
  ASSERT_TRUE(apply_rules(s.rules, s.file, {20e3, 30.0}, doc, &origins).ok());
  EXPECT_EQ(doc["train"]["batch_size"].Scalar(), "141");  // sqrt(20k) = 141.4
  EXPECT_DOUBLE_EQ(doc["optim"]["lr"].as<double>(), 2e-3);
  ASSERT_NE(yaml_origin(origins, "optim.lr"), nullptr);
  EXPECT_EQ(yaml_origin(origins, "optim.lr")->rfind("spec.yaml:", 0), 0u);
  // A whole number no config can hold is an error at the rule.
  const SweepSpec big = parse_ok(
      "models: {sizes: [20k], head_dim: 16}\ndata: {tokens: [4k]}\n"
      "rules: {train.batch_size: {coef: 1e30, exponent: 1}}\n");
  auto st = apply_rules(big.rules, big.file, {20e3, 1}, doc, &origins);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(std::string(st.message()).rfind("spec.yaml:9:9: key 'rules.train.batch_size'", 0), 0u)
      << st;
}

TEST(SpecRules, ARuleOnAnAxisOrAnUnknownKeyIsRefused) {
  auto both = parse_sweep_spec(std::string(kBase) +
                                   "models: {sizes: [20k]}\ndata: {tokens: [4k]}\n"
                                   "optim.lr: [1e-3, 2e-3]\n"
                                   "rules: {optim.lr: {coef: 1, exponent: 0}}\n",
                               "spec.yaml");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(std::string(both.status().message()).find("also an axis"), std::string::npos);
  auto unknown = parse_sweep_spec(std::string(kBase) +
                                      "models: {sizes: [20k]}\ndata: {tokens: [4k]}\n"
                                      "rules: {optim.lrr: {coef: 1, exponent: 0}}\n",
                                  "spec.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message()).find("key 'rules.optim.lrr'"),
            std::string::npos);
}

TEST(SpecGrid, OrderIsModelsBudgetsSeedsAxesAndNamesCarryTheAxes) {
  const SweepSpec s = parse_ok(
      "models: {sizes: [20k, 80k], head_dim: 16}\ndata: {tokens: [4k, 8k]}\n"
      "seeds: [1, 2]\noptim.lr: [1e-3, 2e-3]\n");
  SweepPlan plan = grid_of(s);
  ASSERT_EQ(plan.runs.size(), 16u);
  // The last axis varies fastest, the model slowest.
  EXPECT_DOUBLE_EQ(plan.runs[0].cfg.optim.lr, 1e-3);
  EXPECT_DOUBLE_EQ(plan.runs[1].cfg.optim.lr, 2e-3);
  EXPECT_EQ(plan.runs[0].cfg.train.seed, 1);
  EXPECT_EQ(plan.runs[2].cfg.train.seed, 2);
  EXPECT_EQ(plan.runs[0].tokens(), 4000);
  EXPECT_EQ(plan.runs[4].tokens(), 8000);
  EXPECT_EQ(plan.runs[7].cfg.model.d_model, plan.runs[0].cfg.model.d_model);
  EXPECT_GT(plan.runs[8].cfg.model.d_model, plan.runs[0].cfg.model.d_model);
  EXPECT_DOUBLE_EQ(plan.runs[8].target_params, 80e3);
  EXPECT_EQ(plan.runs[1].cfg.name,
            sweep_run_name("t", plan.runs[1].cfg.model, 4000, 1, {{"optim.lr", "2e-3"}}));
  EXPECT_NE(plan.runs[1].cfg.name.find("-lr2e-3"), std::string::npos) << plan.runs[1].cfg.name;
  // Ids are not set until validation.
  EXPECT_TRUE(plan.runs[0].id.empty());
  ASSERT_TRUE(validate_runs(s, /*check_data=*/false, &plan).ok());
  EXPECT_FALSE(plan.runs[0].id.empty());
  EXPECT_GT(plan.runs[0].params_nonembedding, 0);
  EXPECT_GT(plan.runs[0].flops_6n, 0);
}

TEST(SpecValidate, TwoRunsOfOneConfigAreRefused) {
  const SweepSpec s = parse_ok("models: {sizes: [20k], head_dim: 16}\ndata: {tokens: [4k]}\n");
  auto base = read_sweep_base(s);
  ASSERT_TRUE(base.ok());
  SweepPlan plan;
  PlannedRun r;
  r.cfg = base->cfg;
  plan.runs = {r, r};
  auto st = validate_runs(s, /*check_data=*/false, &plan);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("two runs expand to the same config"),
            std::string::npos);
}

TEST(StablePhase, GroupsRunsEqualButForDAndBranchesFromTheLongest) {
  const SweepSpec s = parse_ok(
      "models: {sizes: [20k, 80k], head_dim: 16}\ndata: {tokens: [2k, 8k]}\nschedule: wsd\n"
      "share_stable_phase: true\n");
  SweepPlan plan = grid_of(s);
  ASSERT_TRUE(share_stable_phases(s, &plan).ok());
  ASSERT_EQ(plan.runs.size(), 4u);
  // Per size: the 8k run is the source, the 2k run branches from it.
  for (int m = 0; m < 2; ++m) {
    const PlannedRun& shorter = plan.runs[2 * m];
    const PlannedRun& longer = plan.runs[2 * m + 1];
    EXPECT_EQ(shorter.branch_source, run_id(longer.cfg));
    EXPECT_TRUE(longer.branch_source.empty());
    EXPECT_EQ(longer.snapshot_steps, std::vector<int64_t>{shorter.branch_step});
  }
}

// OLMo-core's ladder (batch 327,680 tokens x (N/108M)^(2/3) as sequences of ctx 64, lr 0.0047 x
// (N/108M)^(-1/3), beta2 0.99 below 524,288-token batches else 0.95, warmup = N tokens), at 108M
// and at 8 x 108M, where the batch crosses 524K tokens.
TEST(SpecRules, OlmoLadderBatchLrBeta2AndWarmup) {
  const SweepSpec s = parse_ok(
      "models: {sizes: [20k], head_dim: 16}\ndata: {tokens: [4k]}\n"
      "rules:\n"
      "  train.batch_size: {value: 5120, at: 108M, exponent: 0.6666667}\n"
      "  optim.lr: {value: 0.0047, at: 108M, exponent: -0.3333333}\n"
      "  optim.beta2: {of: B, steps: [[0, 0.99], [524288, 0.95]]}\n"
      "  optim.warmup_tokens: {coef: 1, exponent: 1}\n");
  for (double scale : {1.0, 8.0}) {
    YAML::Node doc = YAML::Load("model: {ctx: 64}\n");
    YamlOrigins origins;
    ASSERT_TRUE(apply_rules(s.rules, s.file, {108e6 * scale, 1e9, 768}, doc, &origins).ok());
    const int64_t batch = doc["train"]["batch_size"].as<int64_t>();
    EXPECT_EQ(batch, scale == 1.0 ? 5120 : 20480);  // 327,680 and 1,310,720 tokens
    EXPECT_NEAR(doc["optim"]["lr"].as<double>(), scale == 1.0 ? 0.0047 : 0.00235, 1e-8);
    EXPECT_DOUBLE_EQ(doc["optim"]["beta2"].as<double>(), scale == 1.0 ? 0.99 : 0.95);
    EXPECT_EQ(doc["optim"]["warmup_tokens"].as<int64_t>(), static_cast<int64_t>(108e6 * scale));
  }
}

// Marin: lr = 0.33 sqrt(batch) / d_model, batch (sequences per step) as the rule above it set it; nanochat: weight decay ~ 1/width^2 (0.2 at 768 -> 0.8 at 384).
TEST(SpecRules, MarinLrOfBatchAndWidthAndNanochatDecayOfWidth) {
  const SweepSpec s = parse_ok(
      "models: {sizes: [20k], head_dim: 16}\ndata: {tokens: [4k]}\n"
      "rules:\n"
      "  train.batch_size: {coef: 16, exponent: 0}\n"
      "  optim.lr: {coef: 0.33, of: batch, exponent: 0.5, times: {width: -1}}\n"
      "  optim.weight_decay: {value: 0.2, at: 768, of: width, exponent: -2}\n");
  YAML::Node doc = YAML::Load("model: {ctx: 64}\ntrain: {batch_size: 4}\n");
  YamlOrigins origins;
  ASSERT_TRUE(apply_rules(s.rules, s.file, {1e6, 1e7, 384}, doc, &origins).ok());
  EXPECT_DOUBLE_EQ(doc["optim"]["lr"].as<double>(), 0.33 * 4 / 384);
  EXPECT_DOUBLE_EQ(doc["optim"]["weight_decay"].as<double>(), 0.8);
  // The same rules in the grid: the run's own width (d_model) and batch.
  const SweepPlan plan = grid_of(s);
  ASSERT_EQ(plan.runs.size(), 1u);
  const TrainConfig& c = plan.runs[0].cfg;
  EXPECT_EQ(c.train.batch_size, 16);
  EXPECT_DOUBLE_EQ(c.optim.lr, 0.33 * 4 / c.model.d_model);
  EXPECT_DOUBLE_EQ(c.optim.weight_decay, 0.2 * std::pow(768.0 / c.model.d_model, 2));
}

TEST(SpecRules, BadStepsAndBatchRulesOfBAreRefused) {
  auto error_of = [](const std::string& rules) {
    auto s = parse_sweep_spec(
        std::string(kBase) + "models: {sizes: [20k]}\ndata: {tokens: [4k]}\nrules:\n" + rules,
        "spec.yaml");
    return s.ok() ? std::string("ok") : std::string(s.status().message());
  };
  EXPECT_NE(error_of("  optim.beta2: {of: B, steps: [[1k, 0.99], [2k, 0.95]]}\n")
                .find("first step must start at 0"),
            std::string::npos);
  EXPECT_NE(error_of("  optim.beta2: {of: B, steps: [[0, 0.99], [0, 0.95]]}\n")
                .find("starts must increase"),
            std::string::npos);
  EXPECT_NE(error_of("  optim.beta2: {of: B, steps: [[0, 0.99]], value: 1}\n")
                .find("takes only of, steps"),
            std::string::npos);
  EXPECT_NE(error_of("  train.batch_size: {coef: 1, of: B, exponent: 1}\n")
                .find("cannot depend on B or batch"),
            std::string::npos);
  EXPECT_NE(error_of("  optim.lr: {value: 1, at: 1, times: {width: -1}}\n").find("goes with coef"),
            std::string::npos);
  EXPECT_NE(error_of("  optim.lr: {coef: 1, of: C}\n").find("B (tokens per step) or batch"),
            std::string::npos);
  EXPECT_EQ(error_of("  optim.beta2: {of: B, steps: [[0, 0.99], [524k, 0.95]]}\n"), "ok");
}
}  // namespace
}  // namespace sl
