// YAML reading: values with suffixes, unknown keys and wrong types reported with file:line:col.
#include "core/yaml_util.h"

#include <gtest/gtest.h>

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

TEST(YamlMap, ReadsTypedValuesAndKeepsDefaults) {
  auto doc = *yaml_load_string("a: 3\nb: 2.5e-3\nc: true\nd: hello\ne: 10k\n", "t.yaml");
  YamlMap m("t.yaml", "", doc);
  int a = 0; double b = 0; bool c = false; std::string d; int64_t e = 0; int missing = 7;
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

TEST(YamlLoad, SyntaxErrorHasPosition) {
  auto r = yaml_load_string("a: [1, 2\n", "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.yaml:"), std::string::npos);
}
}  // namespace
}  // namespace sl
