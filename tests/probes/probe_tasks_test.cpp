// Task generators against plain arithmetic, the held-out split, templates and bad input.
#include <set>
#include <string>

#include "absl/strings/numbers.h"
#include "core/yaml_util.h"
#include "gtest/gtest.h"
#include "probes/probe_config.h"
#include "probes/tasks/probe_tasks.h"

namespace sl {
namespace {
int64_t to_int(const std::string& s) {
  int64_t v = -1;
  EXPECT_TRUE(absl::SimpleAtoi(s, &v)) << s;
  return v;
}

// Parses the operands back out of the key ("add:12,39") and checks the answer with plain
// arithmetic.
void check_arith_instance(const ProbeInstance& p, bool mul) {
  const size_t colon = p.key.find(':'), comma = p.key.find(',');
  const int64_t a = to_int(p.key.substr(colon + 1, comma - colon - 1)),
                b = to_int(p.key.substr(comma + 1));
  const std::string expected = std::to_string(mul ? a * b : a + b);
  std::string answer = p.answer();
  if (p.task.find("_rev") != std::string::npos)
    answer = std::string(answer.rbegin(), answer.rend());
  EXPECT_EQ(answer, expected) << p.text();
  // The operands appear in the query (the last line of the prompt) as written numbers.
  const std::string query = p.prompt.substr(p.prompt.rfind('\n') + 1);
  EXPECT_NE(query.find(std::to_string(a)), std::string::npos) << query;
  EXPECT_NE(query.find(std::to_string(b)), std::string::npos) << query;
  // k-digit operands have exactly k digits (k = 1 allows 0..9).
  EXPECT_EQ(std::to_string(a).size(), static_cast<size_t>(p.difficulty));
  EXPECT_EQ(std::to_string(b).size(), static_cast<size_t>(p.difficulty));
  EXPECT_EQ(p.completion.back(), '\n');
  EXPECT_EQ(extract_final_answer(p.completion, p.answer_marker), p.answer());
}

TEST(ProbeTasks, ArithmeticAnswersMatchPlainArithmeticForThousandsOfInstances) {
  int checked = 0;
  for (const char* task : {"add", "add_rev", "add_pad", "mul", "mul_rev", "mul_pad"}) {
    const bool mul = task[0] == 'm';
    for (int k = 1; k <= (mul ? 3 : 5); ++k)
      for (int i = 0; i < 150; ++i)
        for (ProbeSplit split : {ProbeSplit::kTrain, ProbeSplit::kEval}) {
          auto p = make_probe_instance(task, k, i % 3, i % 3, split, 7, i);
          ASSERT_TRUE(p.ok()) << p.status();
          check_arith_instance(*p, mul);
          ++checked;
        }
  }
  EXPECT_GE(checked, 7000);
}

TEST(ProbeTasks, ScratchpadsShowTheWorking) {
  EXPECT_EQ(addition_scratchpad(57, 68), "7+8+0=15,5+6+1=12");
  EXPECT_EQ(addition_scratchpad(0, 0), "0+0+0=0");
  EXPECT_EQ(addition_scratchpad(999, 1), "9+1+0=10,9+0+1=10,9+0+1=10");
  EXPECT_EQ(multiplication_scratchpad(57, 68), "57*8=456,57*60=3420");
  EXPECT_EQ(multiplication_scratchpad(123, 405), "123*5=615,123*0=0,123*400=49200");
  auto p = make_probe_instance("add_pad", 2, 0, 0, ProbeSplit::kEval, 1, 0);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->answer_marker, " => ");
  EXPECT_EQ(p->completion.substr(p->answer_begin - 4, 4), " => ");
}

TEST(ProbeTasks, SplitIsDecidedByTheKeyAloneAndIsAboutOneFifth) {
  int eval = 0;
  for (int a = 10; a < 100; ++a)
    for (int b = 10; b < 100; ++b)
      eval += is_eval_key("add:" + std::to_string(a) + "," + std::to_string(b));
  EXPECT_NEAR(eval / 8100.0, kEvalPermille / 1000.0, 0.03);
  for (const auto& t : probe_tasks())
    for (int d : t.difficulties)
      for (int i = 0; i < 40; ++i) {
        auto e = make_probe_instance(t.name, d, t.default_shots.back(), i % t.templates,
                                     ProbeSplit::kEval, 3, i);
        auto r = make_probe_instance(t.name, d, t.default_shots.back(), i % t.templates,
                                     ProbeSplit::kTrain, 3, i);
        ASSERT_TRUE(e.ok() && r.ok()) << t.name;
        EXPECT_TRUE(is_eval_key(e->key)) << e->key;
        EXPECT_FALSE(is_eval_key(r->key)) << r->key;
      }
}

TEST(ProbeTasks, ShotsAreSolvedTrainExamplesInTheSameTemplate) {
  auto p = make_probe_instance("add", 2, 4, 1, ProbeSplit::kEval, 5, 3);
  ASSERT_TRUE(p.ok());
  // "\n" + 4 solved lines + the query.
  int lines = 0;
  for (char c : p->prompt) lines += c == '\n';
  EXPECT_EQ(lines, 5);
  EXPECT_EQ(p->prompt.find(" + "), p->prompt.find(" + "));  // template 1 uses spaced operators
  size_t pos = 1;
  for (int s = 0; s < 4; ++s) {
    const size_t end = p->prompt.find('\n', pos);
    const std::string line = p->prompt.substr(pos, end - pos);
    const size_t plus = line.find(" + "), eq = line.find(" = ");
    ASSERT_NE(plus, std::string::npos) << line;
    ASSERT_NE(eq, std::string::npos) << line;
    const std::string key =
        "add:" + line.substr(0, plus) + "," + line.substr(plus + 3, eq - plus - 3);
    EXPECT_FALSE(is_eval_key(key)) << "a shot must come from the train split: " << key;
    EXPECT_EQ(to_int(line.substr(eq + 3)),
              to_int(line.substr(0, plus)) + to_int(line.substr(plus + 3, eq - plus - 3)));
    pos = end + 1;
  }
}

TEST(ProbeTasks, IclQueryIsAShownKeyAndCopyContinuesTheSequence) {
  for (int i = 0; i < 200; ++i) {
    auto p = make_probe_instance("icl_map", 2, 4, 0, ProbeSplit::kEval, 1, i);
    ASSERT_TRUE(p.ok());
    const std::string query = p->prompt.substr(p->prompt.rfind('\n') + 1);  // "xy->"
    const std::string shown = query + p->answer() + "\n";
    EXPECT_NE(p->prompt.find("\n" + shown), std::string::npos) << p->text();
    auto c = make_probe_instance("copy", 3, 0, 0, ProbeSplit::kEval, 1, i);
    ASSERT_TRUE(c.ok());
    const std::string seq = c->key.substr(5);
    EXPECT_EQ(seq.size(), 10u);
    EXPECT_EQ(c->answer(), seq.substr(4));
    EXPECT_EQ(c->prompt, "\n" + seq + "|" + seq.substr(0, 4));
  }
}

TEST(ProbeTasks, TemplatesDifferButPoseTheSameProblem) {
  std::set<std::string> prompts, keys;
  for (int k = 0; k < 3; ++k) {
    auto p = make_probe_instance("mul", 2, 0, k, ProbeSplit::kEval, 9, 4);
    ASSERT_TRUE(p.ok());
    prompts.insert(p->prompt);
    keys.insert(p->key);
  }
  EXPECT_EQ(prompts.size(), 3u);
  EXPECT_EQ(keys.size(), 1u);
}

TEST(ProbeTasks, BadInputIsAClearError) {
  auto unknown = make_probe_instance("division", 1, 0, 0, ProbeSplit::kEval, 1, 0);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown probe task \"division\""), std::string::npos);
  EXPECT_NE(unknown.status().message().find("add_pad"), std::string::npos);
  auto hard = make_probe_instance("mul", 4, 0, 0, ProbeSplit::kEval, 1, 0);
  ASSERT_FALSE(hard.ok());
  EXPECT_NE(hard.status().message().find("no difficulty 4"), std::string::npos);
  EXPECT_FALSE(make_probe_instance("copy", 1, 0, 3, ProbeSplit::kEval, 1, 0).ok());
  auto fam = resolve_probe_tasks({"arithmetic", "copy", "add"});
  ASSERT_TRUE(fam.ok());
  EXPECT_EQ(fam->size(), 7u);
  EXPECT_FALSE(resolve_probe_tasks({"icl", "nope"}).ok());
}

// A negative probes.instances was reported as an error of probes.tasks (and passed without tasks).
TEST(ProbeConfig, BadCountsAreReportedOnTheirOwnKey) {
  auto read = [](const std::string& text) {
    YAML::Node doc = *yaml_load_string(text, "cfg.yaml");
    YamlMap m("cfg.yaml", "probes", doc);
    return probe_config_from_yaml(m);
  };
  auto c = read("tasks: [copy]\ninstances: -3\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(
      c.status().message(),
      "cfg.yaml:2:12: key 'probes.instances': must be >= 1 (eval instances per cell), got -3");
  c = read("instances: 0\n");  // no tasks: still wrong
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("key 'probes.instances'"), std::string::npos) << c.status();
  c = read("tasks: [copy]\nshots: [1, -2]\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "cfg.yaml:2:8: key 'probes.shots': must be >= 0, got -2");
  c = read("tasks: \"copy]\"\n");  // a scalar list that is not one: an error, not a YAML exception
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("key 'probes.tasks': must be a list"), std::string::npos)
      << c.status();
  c = read("tasks: ~\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("key 'probes.tasks': is empty"), std::string::npos)
      << c.status();
  c = read("tasks: copy\ninstances: 8\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->instances, 8);
}

TEST(ProbeTasks, ExtractFinalAnswer) {
  EXPECT_EQ(extract_final_answer("123\nxyz", ""), "123");
  EXPECT_EQ(extract_final_answer("7+8+0=15 => 15\n", " => "), "15");
  EXPECT_EQ(extract_final_answer("7+8+0=15 => 1 => 16", " => "), "16");
  EXPECT_EQ(extract_final_answer("7+8+0=15", " => "), "");
}
}  // namespace
}  // namespace sl
