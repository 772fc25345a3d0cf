// Train configs: defaults, overrides, canonical form, run ids, and errors with file:line:col.
#include "train/train_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <map>

#include "core/files.h"
#include "core/machine.h"
#include "core/yaml_util.h"
#include "tests/config_test_values.h"

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

TEST(TrainConfig, TheLogIsWrittenOnlyWhenSetAndLeavesTheRunIdAlone) {
  auto c = parse(kConfig);
  ASSERT_TRUE(c.ok());
  const std::string plain = train_config_to_yaml(*c);
  EXPECT_EQ(plain.find("log:"), std::string::npos) << plain;  // existing configs keep their text
  auto on = parse(std::string(kConfig) + "  log: tensorboard\n");
  ASSERT_TRUE(on.ok()) << on.status().message();
  EXPECT_EQ(on->train.log, "tensorboard");
  EXPECT_NE(train_config_to_yaml(*on).find("  log: tensorboard\n"), std::string::npos);
  EXPECT_EQ(run_id(*on), run_id(*c));  // output only: the same run
  auto bad = parse(std::string(kConfig) + "  log: wandb\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cfg.yaml:10:8: key 'train.log': unknown log 'wandb'"),
            std::string::npos)
      << bad.status().message();
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
  EXPECT_NE(c.status().message().find("less than one optimizer step"), std::string::npos)
      << c.status().message();
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
TEST(TrainConfig, BudgetBelowOneStepPointsAtTrainTokens) {
  std::string text = kConfig;
  text.replace(text.find("tokens: 1M"), 10, "tokens: 100");
  auto c = parse(text);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().rfind(
                "cfg.yaml:8:11: key 'train.tokens': 100 is less than one optimizer step", 0),
            0u)
      << c.status().message();
}

// ---- bad input that used to pass silently ----

// yaml-cpp keeps the first of two equal keys, so the second lr (or the second optim: section) was
// dropped without a word.
TEST(TrainConfig, RepeatedKeyOrSectionIsAnError) {
  auto c = parse(std::string(kConfig) + "  batch_size: 16\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "cfg.yaml:10:3: key 'train.batch_size' appears twice (first at line 9); keep one");
  c = parse(std::string(kConfig) + "model:\n  n_layer: 4\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "cfg.yaml:10:1: key 'model' appears twice (first at line 2); keep one");
}

// `lr: ~` became the default lr.
TEST(TrainConfig, EmptyValueIsAnErrorButAnEmptySectionIsFine) {
  auto c = parse(std::string(kConfig) + "optim:\n  lr: ~\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "cfg.yaml:11:3: key 'optim.lr': is empty (~/null); give a value or delete the line");
  c = parse(std::string(kConfig) + "optim:\n  lr:\n  beta1: 0.8\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("cfg.yaml:11:3: key 'optim.lr': is empty"), std::string::npos)
      << c.status();
  c = parse(std::string(kConfig) + "optim:\ndata:\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_DOUBLE_EQ(c->optim.lr, OptimConfig{}.lr);
}

// `optim.lr: 0x10` was read as 16 (strtod takes hexadecimal).
TEST(TrainConfig, HexadecimalAndInfAreNotNumbers) {
  for (const char* bad : {"0x10", "0x1p-4", "inf", "nan"}) {
    auto c = parse(std::string(kConfig) + "optim:\n  lr: " + bad + "\n");
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.status().message().find("cfg.yaml:11:7: key 'optim.lr': '"), std::string::npos)
        << c.status();
  }
  std::string text = kConfig;
  text.replace(text.find("batch_size: 8"), 13, "batch_size: 0x8");
  EXPECT_FALSE(parse(text).ok());
  auto c = parse(std::string(kConfig) + "probes:\n  tasks: [copy]\n  shots: [0x1]\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("key 'probes.shots'"), std::string::npos) << c.status();
}

// The hostile inputs of fuzz/seeds/train_config (docs/reliability.md): each is a clear error at its
// file:line:col, found at once: huge numbers, NaN and infinities, a name that is not UTF-8, and
// nesting far deeper than any config (the loader's bound).
TEST(TrainConfig, HugeNumbersNanNonUtf8AndDeepNestingAreClearErrors) {
  struct Case {
    std::string from, to, error;  // kConfig with `from` replaced by `to`
  };
  const std::vector<Case> cases = {
      {"n_layer: 2", "n_layer: 1e400",
       "cfg.yaml:3:12: key 'model.n_layer': '1e400' is not a number"},
      {"n_layer: 2", "n_layer: 99999999999999999999999", "cfg.yaml:3:12: key 'model.n_layer'"},
      {"d_model: 64", "d_model: .nan",
       "cfg.yaml:4:12: key 'model.d_model': '.nan' is not a number"},
      {"batch_size: 8\n", "batch_size: 8\noptim:\n  lr: -.inf\n", "cfg.yaml:11:7: key 'optim.lr'"},
      {"name: demo", "name: \xff\xfe\x80run", "cfg.yaml:1:7: key 'name': run name"},
      {"batch_size: 8\n",
       "batch_size: 8\nextra: " + std::string(100, '[') + std::string(100, ']') + "\n",
       "cfg.yaml: nests deeper than 64 levels"},
  };
  for (const Case& k : cases) {
    std::string text = kConfig;
    text.replace(text.find(k.from), k.from.size(), k.to);
    auto c = parse(text);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.status().message().find(k.error), std::string::npos) << c.status();
  }
}

// `name: ../../evil` trained into out/runs/../../evil-<hash>, `name: a/b` into a subdirectory.
TEST(TrainConfig, RunNameMustBeADirectoryName) {
  for (const std::string& bad :
       {std::string("../../evil"), std::string("\"\""), std::string(".."), std::string(".hidden"),
        std::string("a/b"), std::string("\"a\\0b\""), std::string("'a b'"),
        std::string(101, 'x')}) {
    std::string text = kConfig;
    text.replace(0, text.find('\n'), "name: " + bad);
    auto c = parse(text);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.status().message().rfind("cfg.yaml:1:7: key 'name': run name '", 0), 0u)
        << c.status();
    EXPECT_NE(c.status().message().find(
                  "1 to 100 letters, digits, '.', '_' or '-', not starting with '.'"),
              std::string::npos)
        << c.status();
  }
  std::string text = kConfig;
  text.replace(0, text.find('\n'), "name: \"a\\0b\"");
  EXPECT_NE(parse(text).status().message().find("run name 'a\\000b'"), std::string::npos)
      << parse(text).status();
  for (const std::string& good :
       {std::string("tiny_austen"), std::string("a.b-c_1"), std::string(100, 'x')}) {
    std::string t = kConfig;
    t.replace(0, t.find('\n'), "name: " + good);
    auto c = parse(t);
    ASSERT_TRUE(c.ok()) << good << ": " << c.status();
    EXPECT_EQ(c->name, good);
  }
  // Without a name: key the file's stem is the name, and must be one too.
  auto doc =
      *yaml_load_string(std::string(kConfig).substr(std::string(kConfig).find('\n') + 1), "x");
  auto c = train_config_from_yaml(doc, "configs/my config.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("configs/my config.yaml: the config has no name: key"),
            std::string::npos)
      << c.status();
  EXPECT_NE(c.status().message().find("e.g. my_config"), std::string::npos) << c.status();
}

// train.threads: 100000 kept spawning threads for minutes; 1e9 died inside libgomp.
TEST(TrainConfig, ThreadsBeyondTheCoresAreRejectedForARunOnThisMachine) {
  const int cores = available_cores();
  for (const std::string& threads :
       {std::to_string(cores + 1), std::string("100000"), std::string("1e9")}) {
    auto doc = *yaml_load_string(std::string(kConfig) + "  threads: " + threads + "\n", "cfg.yaml");
    auto c = train_config_from_yaml(doc, "cfg.yaml", {}, ConfigUse::kRunHere);
    ASSERT_FALSE(c.ok()) << threads;
    const std::string n = std::to_string(cores);
    EXPECT_NE(c.status().message().find("cfg.yaml:10:12: key 'train.threads': "), std::string::npos)
        << c.status();
    EXPECT_NE(c.status().message().find(" is more than the " + n +
                                        " cores of this machine; use 0 (all cores) or 1.." + n),
              std::string::npos)
        << c.status();
    // A run directory's config.yaml from a bigger machine still reads (status, export, resume).
    EXPECT_TRUE(train_config_from_yaml(doc, "cfg.yaml").ok()) << threads;
  }
  for (const std::string& threads : {std::string("0"), std::to_string(cores)}) {
    auto doc = *yaml_load_string(std::string(kConfig) + "  threads: " + threads + "\n", "cfg.yaml");
    EXPECT_TRUE(train_config_from_yaml(doc, "cfg.yaml", {}, ConfigUse::kRunHere).ok()) << threads;
  }
}

// 12 of these 23 errors pointed at cfg.yaml:1:1 (the override's value is parsed on its own, so its
// position is 1:1 of the override text), the others at the file without saying an override set it.
TEST(TrainConfig, ErrorAboutAnOverriddenValueNamesTheOverride) {
  const auto path =
      std::filesystem::temp_directory_path() / ("cfg_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << kConfig;
  for (const std::string o : {"optim.lr=fast",
                              "optim.lr=-1",
                              "optim.lr=0x10",
                              "optim.lr=[1,2]",
                              "optim.lr={a: 1}",
                              "optim.lr=",
                              "optim.schedule=linear",
                              "optim.beta1=2",
                              "optim.lrr=1",
                              "optim..lr=1",
                              "train.batch_size=0",
                              "train.batch_size=1.5",
                              "train.tokens=10",
                              "train.tokens=abc",
                              "train.device=tpu",
                              "train.bf16=maybe",
                              "train.threads=-1",
                              "train=5",
                              "model.n_head=3",
                              "model.d_model=0",
                              "model.vocab=1",
                              "model.ctx=0",
                              "model.dropout=1",
                              "model=5",
                              "model={d_model: 64, d_model: 32}",
                              "data.path=[a]",
                              "name=[a]",
                              "name=a/b",
                              "probes.tasks=nosuch",
                              "probes.instances=-1",
                              "probes.shots=[-1]",
                              "probes.what=1",
                              "a.b.c=1"}) {
    auto c = load_train_config(path.string(), {o});
    ASSERT_FALSE(c.ok()) << o;
    const std::string msg(c.status().message());
    EXPECT_NE(msg.find("override '" + o + "'"), std::string::npos) << o << " -> " << msg;
    EXPECT_EQ(msg.find(":1:1"), std::string::npos) << o << " -> " << msg;
  }
  // Where a later error (the memory check) finds a key: the override, the file, or just the file.
  EXPECT_EQ(train_config_where(path.string(), {"model.d_model=96"}, "model.d_model"),
            "override 'model.d_model=96'");
  EXPECT_EQ(train_config_where(path.string(), {}, "model.d_model"), path.string() + ":4:12");
  EXPECT_EQ(train_config_where(path.string(), {}, "model.vocab"),
            path.string() + ":3:3");  // its section
  std::filesystem::remove(path);
}
}  // namespace

// docs/train.md's key table is what the schema says.
TEST(TrainConfig, DocsKeyTableIsTheSchema) {
  auto docs = read_file(std::string(SCALELAB_SOURCE_DIR) + "/docs/train.md");
  ASSERT_TRUE(docs.ok());
  EXPECT_NE(docs->find(config_keys_markdown()), std::string::npos)
      << "docs/train.md's table differs from `scalelab config-keys`; paste its output:\n"
      << config_keys_markdown();
}

// A value other than the default for every key: each one set by an override survives the canonical
// YAML.
TEST(TrainConfig, EveryKeyRoundTripsThroughTheCanonicalYaml) {
  const auto& value = testing::nondefault_config_values();
  const std::string base = std::string(::testing::TempDir()) + "/roundtrip.yaml";
  ASSERT_TRUE(write_file_atomic(base, kConfig).ok());
  for (const auto& k : train_config_keys()) {
    if (k.key == "name") continue;
    ASSERT_TRUE(value.count(k.key)) << "give " << k.key << " a test value here";
    // The probes: section is written only when probes are on (tasks given).
    std::vector<std::string> with;
    if (k.key.rfind("probes.", 0) == 0 && k.key != "probes.tasks")
      with.push_back("probes.tasks=add");
    if (k.key == "data.mix_weights") with.push_back("data.mix=/data/a");  // one weight per source
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

namespace sl {
// config.yaml prints numbers as written (lr: 0.003, not 0.0030000000000000001), reads back to the
// same doubles, and run ids stay what they were: tiny_austen-97d7cdf4 is the id the 17-digit
// canonical text gave this config before (a run directory made then must still resume).
TEST(TrainConfigYaml, NumbersPrintShortestAndRunIdsKeepTheirValue) {
  auto cfg = load_train_config(std::string(SCALELAB_SOURCE_DIR) + "/configs/train/tiny_austen.yaml",
                               {"optim.beta2=0.99"});
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  const std::string text = train_config_to_yaml(*cfg);
  for (const char* line : {"  lr: 0.003\n", "  beta2: 0.99\n", "  min_lr_ratio: 0.1\n",
                           "  warmup_fraction: 0.05\n", "  eps: 1e-08\n", "  dropout: 0\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  EXPECT_EQ(text.find("00000000"), std::string::npos) << text;
  EXPECT_EQ(run_id(*cfg), "tiny_austen-97d7cdf4");

  // The printed text is the same config: parsed back, equal text and equal id.
  const std::string path = ::testing::TempDir() + "/shortest_config.yaml";
  ASSERT_TRUE(write_file_atomic(path, text).ok());
  auto back = load_train_config(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->optim.lr, 0.003);
  EXPECT_EQ(back->optim.beta2, 0.99);
  EXPECT_EQ(train_config_to_yaml(*back), text);
  EXPECT_EQ(run_id(*back), run_id(*cfg));
}
}  // namespace sl
