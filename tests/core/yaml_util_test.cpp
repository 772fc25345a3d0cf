// YAML reading: values with suffixes, unknown keys and wrong types reported with file:line:col.
#include "core/yaml_util.h"

#include <gtest/gtest.h>

#include "absl/strings/str_format.h"

#include <filesystem>
#include <fstream>

namespace sl {
namespace {
TEST(ParseCount, AcceptsSuffixesAndSeparators) {
  EXPECT_DOUBLE_EQ(*parse_count("50k"), 50e3);
  EXPECT_DOUBLE_EQ(*parse_count("1.5M"), 1.5e6);
  EXPECT_DOUBLE_EQ(*parse_count("2e9"), 2e9);
  EXPECT_DOUBLE_EQ(*parse_count("5_000_000"), 5e6);
  EXPECT_DOUBLE_EQ(*parse_count("3T"), 3e12);
  EXPECT_FALSE(parse_count("abc").ok());
  EXPECT_FALSE(parse_count("12q").ok());
}

// strtod alone read "0x10" as 16, "0x1p3" as 8, and took leading blanks: only plain decimals now.
TEST(ParseCount, RejectsHexadecimalInfNanAndBlanks) {
  for (const char* bad : {"0x10", "0X10", "0x1p3", "0x10k", "inf", "-inf", "infinity", "nan", "NAN",
                          " 5", "5 ", "1e", "e5", ".", "+", "-", "1e+", "1.2.3", "1e400"}) {
    EXPECT_FALSE(parse_count(bad).ok()) << "'" << bad << "' was read as " << *parse_count(bad);
  }
  EXPECT_NE(parse_count("0x10").status().message().find("hexadecimal"), std::string::npos);
  EXPECT_DOUBLE_EQ(*parse_count(".5"), 0.5);
  EXPECT_DOUBLE_EQ(*parse_count("5."), 5);
  EXPECT_DOUBLE_EQ(*parse_count("-3"), -3);
  EXPECT_DOUBLE_EQ(*parse_count("+2e-3"), 2e-3);
  EXPECT_DOUBLE_EQ(*parse_count("1E3"), 1e3);
  EXPECT_DOUBLE_EQ(*parse_count("0010"), 10);
}

TEST(YamlMap, ReadsTypedValuesAndKeepsDefaults) {
  auto doc = *yaml_load_string("a: 3\nb: 2.5e-3\nc: true\nd: hello\ne: 10k\n", "t.yaml");
  YamlMap m("t.yaml", "", doc);
  int a = 0;
  double b = 0;
  bool c = false;
  std::string d;
  int64_t e = 0;
  int missing = 7;
  ASSERT_TRUE(m.get("a", &a).ok());
  ASSERT_TRUE(m.get("b", &b).ok());
  ASSERT_TRUE(m.get("c", &c).ok());
  ASSERT_TRUE(m.get("d", &d).ok());
  ASSERT_TRUE(m.get("e", &e).ok());
  ASSERT_TRUE(m.get("zz", &missing).ok());
  EXPECT_EQ(a, 3);
  EXPECT_DOUBLE_EQ(b, 2.5e-3);
  EXPECT_TRUE(c);
  EXPECT_EQ(d, "hello");
  EXPECT_EQ(e, 10000);
  EXPECT_EQ(missing, 7);
  EXPECT_TRUE(m.finish().ok());
}

TEST(YamlMap, UnknownKeyNamesFileLineColumnAndKnownKeys) {
  auto doc = *yaml_load_string("model:\n  n_layer: 2\n  n_layers: 3\n", "cfg.yaml");
  YamlMap root("cfg.yaml", "", doc);
  auto model = root.child("model");
  ASSERT_TRUE(model.ok());
  int n = 0;
  ASSERT_TRUE(model->get("n_layer", &n).ok());
  absl::Status st = model->finish();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cfg.yaml:3:3"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("model.n_layers"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("n_layer"), std::string::npos) << st.message();
}

TEST(YamlMap, WrongTypeNamesKeyAndPosition) {
  auto doc = *yaml_load_string("lr: fast\n", "o.yaml");
  YamlMap m("o.yaml", "optim", doc);
  double lr = 0;
  absl::Status st = m.get("lr", &lr);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("o.yaml:1:5"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("optim.lr"), std::string::npos) << st.message();
}

TEST(YamlOverride, SetsNestedValues) {
  auto doc = *yaml_load_string("optim:\n  lr: 1\n", "x");
  ASSERT_TRUE(yaml_apply_override(doc, "optim.lr=3e-4").ok());
  ASSERT_TRUE(yaml_apply_override(doc, "train.seed=5").ok());
  EXPECT_DOUBLE_EQ(doc["optim"]["lr"].as<double>(), 3e-4);
  EXPECT_EQ(doc["train"]["seed"].as<int>(), 5);
  EXPECT_FALSE(yaml_apply_override(doc, "noequals").ok());
}

// yaml-cpp keeps the first of two equal keys: the second `lr:` was dropped without a word.
TEST(YamlLoad, DuplicateKeyNamesBothLines) {
  auto r = yaml_load_string("a: 1\nb:\n  c: 2\n  c: 3\n", "t.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.yaml:4:3: key 'b.c' appears twice (first at line 3); keep one");
  r = yaml_load_string("optim:\n  lr: 1\ntrain: {}\noptim:\n  lr: 2\n", "t.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.yaml:4:1: key 'optim' appears twice (first at line 1); keep one");
  r = yaml_load_string("s: [{a: 1}, {a: 1, b: 2, a: 3}]\n", "t.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("key 's[1].a' appears twice"), std::string::npos)
      << r.status();
  // The same for files.
  const auto path =
      std::filesystem::temp_directory_path() / ("dup_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << "seeds: [1]\nseeds: [2]\n";
  r = yaml_load_file(path.string());
  std::filesystem::remove(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            path.string() + ":2:1: key 'seeds' appears twice (first at line 1); keep one");
  // Equal keys in different mappings are fine.
  EXPECT_TRUE(yaml_load_string("a: {x: 1}\nb: {x: 2}\n", "t.yaml").ok());
}

TEST(YamlLoad, KeyThatIsAListOrEmptyIsAnError) {
  auto r = yaml_load_string("[1, 2]: 3\n", "t.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("t.yaml:1:1: a key is a list or mapping"), std::string::npos)
      << r.status();
  r = yaml_load_string("model:\n  ~: 3\n", "t.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("t.yaml:2:3: a key in 'model' is empty"), std::string::npos)
      << r.status();
}

// `lr: ~` used to leave the default in place, as if the line were not there.
TEST(YamlMap, EmptyValueIsAnErrorNotTheDefault) {
  auto doc = *yaml_load_string("lr: ~\nbeta:\nname: null\nsection:\nn: 3\n", "t.yaml");
  YamlMap m("t.yaml", "optim", doc);
  double lr = 1e-3;
  absl::Status st = m.get("lr", &lr);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(),
            "t.yaml:1:1: key 'optim.lr': is empty (~/null); give a value or delete the line");
  double beta = 0.9;
  EXPECT_EQ(m.get("beta", &beta).message().rfind("t.yaml:2:1: key 'optim.beta': is empty", 0), 0u);
  std::string name = "x";
  EXPECT_NE(m.get("name", &name).message().find("key 'optim.name': is empty"), std::string::npos);
  EXPECT_NE(m.require("lr").message().find("is empty"), std::string::npos);
  EXPECT_TRUE(m.reject_null("n").ok());
  EXPECT_FALSE(m.reject_null("lr").ok());
  // An empty section is allowed: all its keys keep their defaults.
  auto section = m.child("section");
  ASSERT_TRUE(section.ok()) << section.status();
  int x = 7;
  EXPECT_TRUE(section->get("x", &x).ok());
  EXPECT_EQ(x, 7);
}

TEST(YamlMap, WholeNumberOutOfRangeSaysTheLimit) {
  auto doc = *yaml_load_string("tokens: 1e30\nbatch: 1.5\n", "t.yaml");
  YamlMap m("t.yaml", "train", doc);
  int64_t tokens = 0, batch = 0;
  EXPECT_EQ(m.get("tokens", &tokens).message(),
            "t.yaml:1:9: key 'train.tokens': 1e+30 is out of range (at most 9e18)");
  EXPECT_EQ(m.get("batch", &batch).message(),
            "t.yaml:2:8: key 'train.batch': expected a whole number, got 1.5");
}

TEST(YamlOrigin, LongestCoveringKeyWins) {
  YamlOrigins o{{"model", "A"}, {"model.d_model", "B"}, {"optim.lr", "C"}};
  EXPECT_EQ(*yaml_origin(o, "model.n_head"), "A");
  EXPECT_EQ(*yaml_origin(o, "model.d_model"), "B");
  EXPECT_EQ(*yaml_origin(o, "model"), "A");
  EXPECT_EQ(*yaml_origin(o, "optim.lr[0]"), "C");
  EXPECT_EQ(yaml_origin(o, "optim.lrx"), nullptr);
  EXPECT_EQ(yaml_origin(o, "optim"), nullptr);
}

// A value set by an override was parsed on its own, so its position was 1:1 of the override text,
// reported as 1:1 of the config file. Errors now name the override.
TEST(YamlOverride, ErrorsAboutAnOverriddenValueNameTheOverride) {
  auto doc = *yaml_load_string("optim:\n  lr: 1\n", "cfg.yaml");
  YamlOrigins origins;
  ASSERT_TRUE(yaml_apply_override(doc, "optim.lr=0x10", &origins).ok());
  ASSERT_TRUE(yaml_apply_override(doc, "optim.lrr=1", &origins).ok());
  ASSERT_TRUE(yaml_apply_override(doc, "optim.beta1=", &origins).ok());
  ASSERT_TRUE(yaml_apply_override(doc, "model=5", &origins).ok());
  YamlMap root("cfg.yaml", "", doc, origins);
  auto optim = root.child("optim");
  ASSERT_TRUE(optim.ok());
  double lr = 0, beta1 = 0;
  absl::Status st = optim->get("lr", &lr);
  EXPECT_EQ(
      st.message(),
      "override 'optim.lr=0x10': key 'optim.lr': '0x10' is not a number (write e.g. 5000, 5e6, "
      "50k, 1.5M; hexadecimal is not read, write the decimal value)");
  st = optim->get("beta1", &beta1);
  EXPECT_EQ(st.message(),
            "override 'optim.beta1=': key 'optim.beta1': is empty (~/null); give a value");
  st = optim->finish();
  EXPECT_EQ(st.message().rfind("override 'optim.lrr=1': unknown key 'optim.lrr'", 0), 0u)
      << st.message();
  auto model = root.child("model");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().message(),
            "override 'model=5': key 'model' must be a mapping of key: value");
  // Never "cfg.yaml:1:1", and the value from the file keeps its own position.
  EXPECT_EQ(yaml_key_where("cfg.yaml", doc, origins, "optim.lr"), "override 'optim.lr=0x10'");
  EXPECT_EQ(yaml_key_where("cfg.yaml", doc, {}, "optim"), "cfg.yaml:2:3");
  EXPECT_EQ(yaml_key_where("cfg.yaml", doc, {}, "optim.beta2"),
            "cfg.yaml:2:3");          // absent: its section
  EXPECT_TRUE(doc["optim"].IsMap());  // the lookups leave the document as it was
  EXPECT_TRUE(doc["optim"]["lr"].IsScalar());
}

TEST(YamlOverride, BadKeysAndRepeatedKeysInTheValueAreErrors) {
  auto doc = *yaml_load_string("optim:\n  lr: 1\n", "cfg.yaml");
  absl::Status st = yaml_apply_override(doc, "optim..lr=1");
  EXPECT_NE(st.message().find("override 'optim..lr=1': key 'optim..lr' has an empty part"),
            std::string::npos)
      << st;
  EXPECT_FALSE(yaml_apply_override(doc, "optim.=1").ok());
  st = yaml_apply_override(doc, "model={d_model: 64, d_model: 32}");
  EXPECT_EQ(
      st.message(),
      "override 'model={d_model: 64, d_model: 32}': key 'model.d_model' appears twice; keep one");
}

TEST(YamlLoad, SyntaxErrorHasPosition) {
  auto r = yaml_load_string("a: [1, 2\n", "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.yaml:"), std::string::npos);
}
// Found by fuzz/fuzz_train_config: nine aliases of nine aliases... expand to billions of values in
// every walk of the document; the loader refuses such a document before any walk.
TEST(YamlLoad, AliasBombIsRefusedQuicklyWithTheFile) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    const char prev = c - 1;
    text += absl::StrFormat("%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c, c, prev,
                            prev, prev, prev, prev, prev, prev, prev, prev);
  }
  auto doc = yaml_load_string(text, "bomb.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("bomb.yaml: expands to more than 100000 values"),
            std::string::npos)
      << doc.status();
  // An alias inside its own anchor is a cycle (found by fuzz/fuzz_sweep_spec: a stack overflow).
  auto cycle = yaml_load_string("a: 1\nc: &c [1, *c, *c]\n", "cycle.yaml");
  ASSERT_FALSE(cycle.ok());
  EXPECT_NE(cycle.status().message().find("cycle.yaml: nests deeper than 64 levels"),
            std::string::npos)
      << cycle.status();
  // A few aliases, as a config may use them, are fine.
  EXPECT_TRUE(yaml_load_string("base: &b {lr: 1e-3}\nother: *b\n", "ok.yaml").ok());
}

// Found by fuzzing: an override on a document that is a scalar or a list threw YAML::BadSubscript.
TEST(YamlOverride, OnADocumentThatIsNotAMappingIsAnError) {
  for (const char* text : {"just a string", "[1, 2]"}) {
    YAML::Node doc = YAML::Load(text);
    const absl::Status s = yaml_apply_override(doc, "optim.lr=3e-4", nullptr);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_NE(s.message().find("override 'optim.lr=3e-4': the document is a"), std::string::npos)
        << s;
  }
}

// Found by fuzzing the sweep spec (`base: .`): a directory escaped yaml-cpp as std::ios_failure.
TEST(YamlLoad, ADirectoryIsAnErrorNotAnException) {
  const std::string dir = std::filesystem::temp_directory_path().string();
  auto doc = yaml_load_file(dir);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("is a directory"), std::string::npos) << doc.status();
}

}  // namespace
}  // namespace sl
