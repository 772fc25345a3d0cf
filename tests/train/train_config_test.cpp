// Train configs: defaults, overrides, canonical form, run ids, and errors with file:line:col.
#include "train/train_config.h"

#include <gtest/gtest.h>

#include <map>

#include "core/files.h"
#include "tests/config_test_values.h"
#include "core/yaml_util.h"

namespace sl {
namespace {
const char* kConfig =
    "name: demo\n"
    "model:\n"
    "  n_layer: 2\n"
    "  d_model: 64\n"
    "  n_head: 4\n"
    "  ctx: 32\n"
    "train:\n"
    "  tokens: 1M\n"
    "  batch_size: 8\n";

absl::StatusOr<TrainConfig> parse(const std::string& text) {
  SL_ASSIGN_OR_RETURN(YAML::Node doc, yaml_load_string(text, "cfg.yaml"));
  return train_config_from_yaml(doc, "cfg.yaml");
}

TEST(TrainConfig, ParsesWithDefaults) {
  auto c = parse(kConfig);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->name, "demo");
  EXPECT_EQ(c->model.d_model, 64);
  EXPECT_EQ(c->model.ff(), 256);
  EXPECT_EQ(c->train.tokens, 1000000);
  EXPECT_EQ(c->tokens_per_step(), 8 * 32);
  EXPECT_EQ(c->total_steps(), 1000000 / 256);
  EXPECT_EQ(c->optim.schedule, "cosine");
}

TEST(TrainConfig, CanonicalYamlRoundTripsAndFixesTheRunId) {
  auto c = parse(kConfig);
  ASSERT_TRUE(c.ok());
  auto again = parse(train_config_to_yaml(*c));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(train_config_to_yaml(*again), train_config_to_yaml(*c));
  EXPECT_EQ(run_id(*again), run_id(*c));
  EXPECT_EQ(run_id(*c).rfind("demo-", 0), 0u);
  TrainConfig d = *c;
  d.optim.lr *= 2;
  EXPECT_NE(run_id(d), run_id(*c));  // a changed config never reuses a run directory
  d = *c;
  d.train.threads = 7;
  EXPECT_EQ(run_id(d), run_id(*c));  // threads change speed, not the run
}

TEST(TrainConfig, UnknownKeyHasLineAndColumn) {
  auto c = parse(std::string(kConfig) + "  batchsize: 4\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("cfg.yaml:10:3"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("train.batchsize"), std::string::npos);
}

TEST(TrainConfig, WrongTypeHasLineAndColumn) {
  std::string text = kConfig;
  text.replace(text.find("batch_size: 8"), 13, "batch_size: big");
  auto c = parse(text);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("cfg.yaml:9:15"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("train.batch_size"), std::string::npos);
}

TEST(TrainConfig, ImpossibleShapePointsAtTheKey) {
  std::string text = kConfig;
  text.replace(text.find("n_head: 4"), 9, "n_head: 5");
  auto c = parse(text);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("cfg.yaml:5:11"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("model.n_head"), std::string::npos);
  EXPECT_NE(c.status().message().find("n_head: 4"), std::string::npos);  // the suggested fix
}

TEST(TrainConfig, BudgetBelowOneStepIsRejected) {
  std::string text = kConfig;
  text.replace(text.find("tokens: 1M"), 10, "tokens: 100");
  auto c = parse(text);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("less than one optimizer step"), std::string::npos) << c.status().message();
}

TEST(TrainConfig, MissingTokensIsRequired) {
  auto c = parse("model:\n  n_layer: 1\ntrain:\n  batch_size: 2\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("train.tokens"), std::string::npos) << c.status().message();
}

TEST(TrainConfig, OverridesApplyBeforeValidation) {
  auto doc = *yaml_load_string(kConfig, "cfg.yaml");
  ASSERT_TRUE(yaml_apply_override(doc, "optim.lr=3e-4").ok());
  ASSERT_TRUE(yaml_apply_override(doc, "train.tokens=2M").ok());
  auto c = train_config_from_yaml(doc, "cfg.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ(c->optim.lr, 3e-4);
  EXPECT_EQ(c->train.tokens, 2000000);
}
}  // namespace

// docs/train.md's key table is what the schema says.
TEST(TrainConfig, DocsKeyTableIsTheSchema) {
  auto docs = read_file(std::string(SCALELAB_SOURCE_DIR) + "/docs/train.md");
  ASSERT_TRUE(docs.ok());
  EXPECT_NE(docs->find(config_keys_markdown()), std::string::npos)
      << "docs/train.md's table differs from `scalelab config-keys`; paste its output:\n" << config_keys_markdown();
}

// A value other than the default for every key: each one set by an override survives the canonical YAML.
TEST(TrainConfig, EveryKeyRoundTripsThroughTheCanonicalYaml) {
  const auto& value = testing::nondefault_config_values();
  const std::string base = std::string(::testing::TempDir()) + "/roundtrip.yaml";
  ASSERT_TRUE(write_file_atomic(base, kConfig).ok());
  for (const auto& k : train_config_keys()) {
    if (k.key == "name") continue;
    ASSERT_TRUE(value.count(k.key)) << "give " << k.key << " a test value here";
    // The probes: section is written only when probes are on (tasks given).
    std::vector<std::string> with;
    if (k.key.rfind("probes.", 0) == 0 && k.key != "probes.tasks") with.push_back("probes.tasks=add");
    const std::string plain = train_config_to_yaml(*load_train_config(base, with));
    with.push_back(k.key + "=" + value.at(k.key));
    auto c = load_train_config(base, with);
    ASSERT_TRUE(c.ok()) << k.key << ": " << c.status().message();
    const std::string text = train_config_to_yaml(*c);
    EXPECT_NE(text, plain) << k.key << " did not change the canonical YAML";
    auto again = parse(text);
    ASSERT_TRUE(again.ok()) << k.key << ": " << again.status().message();
    EXPECT_EQ(train_config_to_yaml(*again), text) << k.key;
  }
}
}  // namespace sl
