// The training mixture: its share of the corpus, and no eval instance anywhere in the prepared
// train.bin (or val.bin), for every task.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/corpus_mix.h"
#include "data/prepare.h"
#include "gtest/gtest.h"
#include "probes/tasks/probe_mix.h"
#include "probes/tasks/probe_tasks.h"

namespace sl {
namespace {
namespace fs = std::filesystem;

std::string read_tokens_as_text(const fs::path& p) {  // byte tokenizer: uint16 ids -> bytes
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string raw = ss.str();
  std::string text(raw.size() / 2, '\0');
  for (size_t i = 0; i < text.size(); ++i) text[i] = raw[2 * i];
  return text;
}

TEST(ProbeMix, FractionAndEvenSpread) {
  Corpus c;
  c.source = "brownish";
  c.name = "b";
  for (int i = 0; i < 50; ++i)
    c.documents.push_back({"d" + std::to_string(i), std::string(2000, 'x')});
  ProbeMixSpec spec{{"arithmetic", "icl"}, 0.2, 4, 1000};
  ASSERT_TRUE(mix_probe_tasks(spec, &c).ok());
  int64_t mixed = 0, total = 0;
  int first_generated = -1, last_generated = -1;
  for (size_t i = 0; i < c.documents.size(); ++i) {
    total += c.documents[i].text.size();
    if (c.documents[i].name.rfind("probe-mix-", 0) == 0) {
      mixed += c.documents[i].text.size();
      if (first_generated < 0) first_generated = static_cast<int>(i);
      last_generated = static_cast<int>(i);
    }
  }
  EXPECT_NEAR(static_cast<double>(mixed) / total, 0.2, 0.01);
  EXPECT_LT(first_generated, 5);                                        // spread from the start...
  EXPECT_GT(last_generated, static_cast<int>(c.documents.size()) - 5);  // ...to the end
  EXPECT_EQ(c.source, "brownish+mix(arithmetic,icl;0.2;4)");
  ProbeMixSpec bad = spec;
  bad.fraction = 1.0;
  EXPECT_FALSE(mix_probe_tasks(bad, &c).ok());
  bad = spec;
  bad.tasks = {"poetry"};
  EXPECT_FALSE(mix_probe_tasks(bad, &c).ok());
}

TEST(ProbeMix, NoEvalInstanceOccursInThePreparedData) {
  const fs::path dir = fs::temp_directory_path() / "scalelab_probes_mix_heldout";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "corpus.txt") << std::string(20000, 'z') << "\n";
  PrepareOptions o;
  o.source = (dir / "corpus.txt").string();
  o.out_dir = (dir / "data").string();
  o.mix = {{"all"}, 0.9, 11, 2048};  // ~180 KB of task text
  o.split.val_fraction = 0.1;
  o.split.block_tokens = 4096;
  auto meta = prepare_dataset(o);
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_NE(meta->source.find("+mix(all;0.9;11)"), std::string::npos);
  const std::string train = read_tokens_as_text(dir / "data" / "train.bin");
  const std::string data = train + read_tokens_as_text(dir / "data" / "val.bin");
  ASSERT_GT(train.size(), 100000u);
  int checked = 0, train_hits_seen = 0;
  for (const auto& t : probe_tasks())
    for (int d : t.difficulties)
      for (int shots : t.default_shots)
        for (int i = 0; i < 40; ++i) {
          const int tmpl = i % t.templates;
          auto e = make_probe_instance(t.name, d, shots, tmpl, ProbeSplit::kEval, 1, i);
          ASSERT_TRUE(e.ok()) << e.status();
          // The held-out unit: the query line with its answer (for icl_map, any pair of the mapping
          // is held out, so the query line is too).
          const std::string probe =
              "\n" + e->prompt.substr(e->prompt.rfind('\n') + 1) + e->completion;
          EXPECT_EQ(data.find(probe), std::string::npos)
              << t.name << " eval instance found in the data: " << probe;
          ++checked;
          // Sanity: the same check does find train problems (the test can fail).
          if (t.family == "arithmetic" && d == 1 && shots == 0) {
            auto r = make_probe_instance(t.name, d, 0, tmpl, ProbeSplit::kTrain, 1, i);
            ASSERT_TRUE(r.ok());
            train_hits_seen += data.find(r->text()) != std::string::npos;
          }
        }
  EXPECT_GE(checked, 1500);
  EXPECT_GT(train_hits_seen, 100);  // 1-digit train problems are all over the mixture
}
}  // namespace
}  // namespace sl
