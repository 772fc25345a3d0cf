// Checkpoints round-trip exactly; any corruption or truncation is detected and reported.
#include "train/checkpoint.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/files.h"
#include "train_test_util.h"

namespace sl {
namespace {
Checkpoint sample_checkpoint() {
  Checkpoint c;
  c.run_id = "t-1234abcd";
  c.step = 42;
  c.scalars = {{"loss_sum", 1.5}, {"wall_s", 3.0}};
  c.tensors["params"] = torch::arange(1000, torch::kFloat) / 7;
  c.tensors["exp_avg"] = torch::ones({1000});
  return c;
}

TEST(Checkpoint, RoundTripsExactly) {
  auto dir = testing::temp_dir("ckpt_roundtrip");
  std::string path = (dir / "c.bin").string();
  ASSERT_TRUE(save_checkpoint(path, sample_checkpoint()).ok());
  auto c = load_checkpoint(path);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->run_id, "t-1234abcd");
  EXPECT_EQ(c->step, 42);
  EXPECT_DOUBLE_EQ(c->scalars["loss_sum"].get<double>(), 1.5);
  EXPECT_TRUE(torch::equal(c->tensors["params"], torch::arange(1000, torch::kFloat) / 7));
  EXPECT_TRUE(torch::equal(c->tensors["exp_avg"], torch::ones({1000})));
}

TEST(Checkpoint, FlippedByteIsAChecksumError) {
  auto dir = testing::temp_dir("ckpt_flip");
  std::string path = (dir / "c.bin").string();
  ASSERT_TRUE(save_checkpoint(path, sample_checkpoint()).ok());
  std::string bytes = *read_file(path);
  bytes[bytes.size() - 100] ^= 0x01;
  ASSERT_TRUE(write_file_atomic(path, bytes).ok());
  auto c = load_checkpoint(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(c.status().message().find("checksum mismatch"), std::string::npos);
  EXPECT_NE(c.status().message().find(path), std::string::npos);
}

TEST(Checkpoint, TruncatedFileIsDetected) {
  auto dir = testing::temp_dir("ckpt_trunc");
  std::string path = (dir / "c.bin").string();
  ASSERT_TRUE(save_checkpoint(path, sample_checkpoint()).ok());
  std::string bytes = *read_file(path);
  ASSERT_TRUE(write_file_atomic(path, bytes.substr(0, bytes.size() / 2)).ok());
  auto c = load_checkpoint(path);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("truncated"), std::string::npos) << c.status().message();
}
}  // namespace
}  // namespace sl
