// Helpers for trainer tests: a small synthetic dataset prepared once per test binary, a tiny
// config, fresh run directories.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "data/prepare.h"
#include "train/metrics_log.h"
#include "train/train_config.h"

namespace sl::testing {
inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("scalelab_train_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A Markov source of 16 symbols (entropy rate known): 120k tokens, prepared once.
inline std::string markov_dataset() {
  static std::string dir = [] {
    auto d = temp_dir("markov_data") / "data";
    PrepareOptions o;
    o.source = "synthetic:markov?symbols=16&tokens=120000&seed=3";
    o.out_dir = d.string();
    auto meta = prepare_dataset(o);
    EXPECT_TRUE(meta.ok()) << meta.status().message();
    return d.string();
  }();
  return dir;
}

// ~20k-parameter model, 4096 tokens per step.
inline TrainConfig tiny_config(int64_t steps) {
  TrainConfig c;
  c.name = "t";
  c.model.n_layer = 2;
  c.model.d_model = 32;
  c.model.n_head = 2;
  c.model.ctx = 32;
  c.model.vocab = 256;
  c.data.path = markov_dataset();
  c.optim.lr = 1e-2;
  c.train.batch_size = 16;
  c.train.tokens = steps * c.tokens_per_step();
  c.train.threads = 1;
  c.train.log_every = 2;
  c.train.eval_every = 5;
  c.train.eval_tokens = 2048;
  c.train.checkpoint_every = 4;
  return c;
}

// metrics.jsonl without the timing fields, which legitimately differ between sessions.
inline std::vector<nlohmann::json> metrics_without_timing(const std::string& run_dir) {
  auto rows = metrics_read(run_dir + "/metrics.jsonl");
  EXPECT_TRUE(rows.ok());
  for (auto& r : *rows) {
    r.erase("wall_s");
    r.erase("tokens_per_s");
  }
  return *rows;
}
}  // namespace sl::testing
