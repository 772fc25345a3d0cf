// The memory check before a run: its parameter count is count_params's, it refuses what cannot fit
// (a d_model of 1e6 used to end in std::bad_alloc), blames the key whose change is smallest, says
// what fits, and leaves the shipped configs and CUDA runs alone.
#include "train/memory_check.h"

#include <gtest/gtest.h>

#include <regex>

#include "core/machine.h"
#include "model/accounting.h"

namespace sl {
namespace {
TrainConfig small() {
  TrainConfig c;
  c.model.n_layer = 2;
  c.model.d_model = 32;
  c.model.n_head = 2;
  c.model.ctx = 32;
  c.train.batch_size = 16;
  c.train.tokens = 1 << 20;
  c.train.device = "cpu";
  return c;
}

constexpr double kGiB = 1024.0 * 1024 * 1024;

TEST(MemoryCheck, ParameterCountIsCountParams) {
  for (const auto& [layers, d, heads, ff, bias, tied] : {std::tuple{2, 32, 2, 0, false, true},
                                                         {12, 768, 12, 0, false, true},
                                                         {3, 96, 3, 200, true, false},
                                                         {48, 1600, 25, 0, true, true}}) {
    TrainConfig c = small();
    c.model.n_layer = layers;
    c.model.d_model = d;
    c.model.n_head = heads;
    c.model.d_ff = ff;
    c.model.bias = bias;
    c.model.tied = tied;
    c.model.vocab = 50257;
    EXPECT_EQ(training_memory(c).params, static_cast<double>(count_params(c.model).total))
        << c.model.shape_name();
    EXPECT_EQ(training_memory(c).state_bytes, 16 * training_memory(c).params);
  }
}

TEST(MemoryCheck, SmallModelsFit) {
  EXPECT_FALSE(memory_misfit(small(), 1 * kGiB));
  TrainConfig gpt2 = small();  // GPT-2 small at batch 12 x 1024: a few GB
  gpt2.model.n_layer = 12;
  gpt2.model.d_model = 768;
  gpt2.model.n_head = 12;
  gpt2.model.ctx = 1024;
  gpt2.model.vocab = 50304;
  gpt2.train.batch_size = 12;
  EXPECT_FALSE(memory_misfit(gpt2, 16 * kGiB));
  EXPECT_TRUE(memory_misfit(gpt2, 1 * kGiB));
}

int64_t suggested(const std::string& message, const std::string& key) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(message, m, std::regex(key + " (\\d+)"))) << message;
  return m.empty() ? 0 : std::stoll(m[1]);
}

TEST(MemoryCheck, HugeWidthIsBlamedOnDModelWithTheLargestThatFits) {
  TrainConfig c = small();
  c.model.d_model = 1000000;
  auto e = memory_misfit(c, 16 * kGiB);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->key, "model.d_model");
  EXPECT_NE(e->message.find("training needs at least "), std::string::npos) << e->message;
  EXPECT_NE(e->message.find("16 bytes"), std::string::npos) << e->message;
  // The suggestion fits, one step (n_head) more does not.
  const int64_t d = suggested(e->message, "it fits with model.d_model");
  ASSERT_GT(d, 0);
  EXPECT_EQ(d % c.model.n_head, 0);
  c.model.d_model = static_cast<int>(d);
  EXPECT_FALSE(memory_misfit(c, 16 * kGiB));
  c.model.d_model = static_cast<int>(d + c.model.n_head);
  EXPECT_TRUE(memory_misfit(c, 16 * kGiB));
}

TEST(MemoryCheck, DepthAndBatchAreBlamedWhenTheyAreTheProblem) {
  TrainConfig c = small();
  c.model.n_layer = 100000000;
  auto e = memory_misfit(c, 16 * kGiB);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->key, "model.n_layer");
  const int64_t layers = suggested(e->message, "model.n_layer");
  c.model.n_layer = static_cast<int>(layers);
  EXPECT_FALSE(memory_misfit(c, 16 * kGiB));

  c = small();
  c.train.batch_size = 1000000;
  e = memory_misfit(c, 16 * kGiB);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->key, "train.batch_size");
  EXPECT_NE(e->message.find("raise train.grad_accum"), std::string::npos) << e->message;
}

TEST(MemoryCheck, CudaRunsAreNotCheckedAgainstTheHost) {
  TrainConfig c = small();
  c.model.d_model = 1000000;
  EXPECT_TRUE(check_fits_in_memory(c));  // cpu
  EXPECT_FALSE(check_fits_in_memory(c, "cuda"));
  c.train.device = "cuda";
  EXPECT_FALSE(check_fits_in_memory(c));
  EXPECT_TRUE(check_fits_in_memory(c, "cpu"));
  EXPECT_GT(physical_memory_bytes(), 0);
}
}  // namespace
}  // namespace sl
