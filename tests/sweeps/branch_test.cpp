// Shared WSD stable phase: a run branched from a longer run's stable-phase checkpoint equals a
// direct WSD run of its own length (CPU, one thread): lr, val loss and final parameters exactly;
// the train loss rows to 1e-12 relative (the double sum over a logging window is split at the
// branch step).
#include <unistd.h>

#include <filesystem>

#include "core/files.h"
#include "core/run_paths.h"
#include "data/token_dataset.h"
#include "gtest/gtest.h"
#include "train/checkpoint.h"
#include "train/metrics_log.h"
#include "train/trainer.h"

namespace sl {
namespace fs = std::filesystem;
namespace {
fs::path fresh_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = fs::temp_directory_path() /
             (std::string("scalelab_branch_") + info->name() + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_dataset(const fs::path& dir) {
  fs::create_directories(dir);
  std::vector<uint16_t> train(20000), val(4000);
  uint64_t x = 1;
  for (auto& t : train)
    t = static_cast<uint16_t>((x = x * 6364136223846793005ull + 1442695040888963407ull) >> 58);
  for (auto& t : val)
    t = static_cast<uint16_t>((x = x * 6364136223846793005ull + 1442695040888963407ull) >> 58);
  ASSERT_TRUE(write_token_file((dir / "train.bin").string(), train).ok());
  ASSERT_TRUE(write_token_file((dir / "val.bin").string(), val).ok());
  DatasetMeta m;
  m.train_tokens = 20000;
  m.val_tokens = 4000;
  ASSERT_TRUE(write_file_atomic((dir / "meta.json").string(), dataset_meta_to_json(m)).ok());
}

TrainConfig tiny(const fs::path& data, int64_t steps) {
  TrainConfig c;
  c.name = "wsd";
  c.model.n_layer = 1;
  c.model.d_model = 16;
  c.model.n_head = 1;
  c.model.ctx = 16;
  c.data.path = data.string();
  c.optim.lr = 3e-3;
  c.optim.schedule = "wsd";
  c.optim.decay_fraction = 0.2;
  c.optim.warmup_tokens = 3 * 64;
  c.train.batch_size = 4;
  c.train.tokens = steps * 64;
  c.train.device = "cpu";
  c.train.threads = 1;
  c.train.log_every = 3;
  c.train.eval_every = 5;
  c.train.eval_tokens = 256;
  c.train.checkpoint_every = 0;
  return c;
}

std::vector<nlohmann::json> rows_of(const fs::path& dir) {
  auto r = metrics_read((dir / "metrics.jsonl").string());
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::vector<nlohmann::json>{};
}
}  // namespace

TEST(WsdBranch, BranchedRunEqualsDirectRun) {
  const fs::path root = fresh_dir();
  write_dataset(root / "data");
  TrainConfig long_cfg = tiny(root / "data", 50), short_cfg = tiny(root / "data", 20);
  const int64_t branch_step = 16;  // the short run's decay start: 20 - 0.2 * 20

  TrainOptions lo;
  lo.run_dir = (root / "long").string();
  lo.progress = false;
  lo.snapshot_steps = {branch_step};
  ASSERT_TRUE(train_run(long_cfg, lo).ok());
  ASSERT_TRUE(fs::exists(RunPaths(lo.run_dir).snapshot(branch_step)));

  TrainOptions direct;
  direct.run_dir = (root / "direct").string();
  direct.progress = false;
  auto d = train_run(short_cfg, direct);
  ASSERT_TRUE(d.ok()) << d.status();

  TrainOptions branched;
  branched.run_dir = (root / "branched").string();
  branched.progress = false;
  branched.branch_from = RunPaths(lo.run_dir).snapshot(branch_step);
  auto b = train_run(short_cfg, branched);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->summary["branched_from"], branched.branch_from);

  auto rd = rows_of(root / "direct"), rb = rows_of(root / "branched");
  ASSERT_EQ(rd.size(), rb.size());
  for (size_t i = 0; i < rd.size(); ++i) {
    EXPECT_EQ(rd[i]["step"], rb[i]["step"]);
    EXPECT_EQ(rd[i]["lr"], rb[i]["lr"]) << "step " << rd[i]["step"];
    EXPECT_EQ(rd[i].contains("val_loss"), rb[i].contains("val_loss"));
    if (rd[i].contains("val_loss")) {
      EXPECT_EQ(rd[i]["val_loss"], rb[i]["val_loss"]) << "step " << rd[i]["step"];
    }
    const double a = rd[i]["train_loss"], c = rb[i]["train_loss"];
    EXPECT_NEAR(a, c, 1e-12 * std::abs(a)) << "step " << rd[i]["step"];
  }
  EXPECT_EQ(d->summary["final_val_loss"], b->summary["final_val_loss"]);
  auto cd = load_checkpoint((root / "direct" / "checkpoint.bin").string());
  auto cb = load_checkpoint((root / "branched" / "checkpoint.bin").string());
  ASSERT_TRUE(cd.ok() && cb.ok());
  EXPECT_EQ(cd->step, cb->step);
  EXPECT_TRUE(torch::equal(cd->tensors["params"], cb->tensors["params"]));
  // The long run itself is unaffected by keeping a snapshot: its rows are those of a run without
  // one.
  TrainOptions plain;
  plain.run_dir = (root / "long_plain").string();
  plain.progress = false;
  ASSERT_TRUE(train_run(long_cfg, plain).ok());
  auto rl = rows_of(root / "long"), rp = rows_of(root / "long_plain");
  ASSERT_EQ(rl.size(), rp.size());
  for (size_t i = 0; i < rl.size(); ++i) EXPECT_EQ(rl[i]["train_loss"], rp[i]["train_loss"]);
}

TEST(WsdBranch, IncompatibleBranchesAreRefused) {
  const fs::path root = fresh_dir();
  TrainConfig src = tiny(root, 50);
  // Past the short run's decay start (10 steps: decay from step 8).
  auto e = check_branch_source(tiny(root, 10), src, 16);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.message().find("stable phase"), std::string::npos) << e;
  TrainConfig other = tiny(root, 20);
  other.optim.lr = 1e-3;
  e = check_branch_source(other, src, 16);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.message().find("differ"), std::string::npos) << e;
  TrainConfig frac = tiny(root, 20), frac_src = tiny(root, 50);
  frac.optim.warmup_tokens = frac_src.optim.warmup_tokens =
      0;  // fractional warmups differ in steps
  e = check_branch_source(frac, frac_src, 16);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.message().find("warmup"), std::string::npos) << e;
  EXPECT_TRUE(check_branch_source(tiny(root, 20), src, 16).ok());
}
}  // namespace sl
