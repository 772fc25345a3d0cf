// Checkpoints round-trip exactly; any corruption or truncation is detected and reported.
#include "train/checkpoint.h"
#include "train/checkpoint_frame.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/files.h"
#include "core/hash.h"
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
// Replaces `from` with `to` (same length) in the file's header and rewrites it.
void edit_header(const std::string& path, const std::string& from, const std::string& to) {
  std::string bytes = *read_file(path);
  const size_t at = bytes.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  ASSERT_EQ(from.size(), to.size());
  bytes.replace(at, from.size(), to);
  ASSERT_TRUE(write_file_atomic(path, bytes).ok());
}

TEST(Checkpoint, EditedStepInTheHeaderIsAChecksumError) {
  auto dir = testing::temp_dir("ckpt_edit_step");
  std::string path = (dir / "c.bin").string();
  ASSERT_TRUE(save_checkpoint(path, sample_checkpoint()).ok());
  edit_header(path, "\"step\":42", "\"step\":99");
  auto c = load_checkpoint(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(c.status().message().find("checksum mismatch"), std::string::npos)
      << c.status().message();
}

TEST(Checkpoint, EditedTensorTableIsAnErrorNotACrash) {
  auto dir = testing::temp_dir("ckpt_edit_table");
  std::string path = (dir / "c.bin").string();
  for (auto [from, to] : {std::pair<std::string, std::string>{"\"numel\":1000", "\"numel\":9999"},
                          {"\"name\":\"params\"", "\"name\":\"parXms\""}}) {
    ASSERT_TRUE(save_checkpoint(path, sample_checkpoint()).ok());
    edit_header(path, from, to);
    auto c = load_checkpoint(path);
    ASSERT_FALSE(c.ok()) << to;
    EXPECT_EQ(c.status().code(), absl::StatusCode::kDataLoss) << to;
  }
}

// A file written before the checksum covered the header: "SLCKPT01", payload hash in the header.
std::string older_layout_file(const Checkpoint& c) {
  std::string payload;
  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& [name, t] : c.tensors) {
    tensors.push_back({{"name", name}, {"numel", t.numel()}});
    payload.append(static_cast<const char*>(t.data_ptr()), t.numel() * sizeof(float));
  }
  const std::string hex = hex64(checkpoint_hash(payload.data(), payload.size()));
  nlohmann::json header{{"run_id", c.run_id},
                        {"step", c.step},
                        {"scalars", c.scalars},
                        {"tensors", tensors},
                        {"payload_bytes", payload.size()},
                        {"payload_hash", hex}};
  const std::string h = header.dump();
  const uint64_t len = h.size();
  std::string bytes = "SLCKPT01";
  bytes.append(reinterpret_cast<const char*>(&len), 8);
  return bytes + h + payload;
}

TEST(Checkpoint, OlderLayoutStillLoadsAndItsPayloadIsChecked) {
  auto dir = testing::temp_dir("ckpt_v1");
  std::string path = (dir / "c.bin").string();
  std::string bytes = older_layout_file(sample_checkpoint());
  ASSERT_TRUE(write_file_atomic(path, bytes).ok());
  auto c = load_checkpoint(path);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->step, 42);
  EXPECT_TRUE(torch::equal(c->tensors["params"], torch::arange(1000, torch::kFloat) / 7));
  bytes[bytes.size() - 10] ^= 0x04;
  ASSERT_TRUE(write_file_atomic(path, bytes).ok());
  EXPECT_EQ(load_checkpoint(path).status().code(), absl::StatusCode::kDataLoss);
}
}  // namespace
// The framing's checks behind a valid checksum (fuzz/fuzz_checkpoint.cpp attacks the same code):
// a tensor table that would wrap size_t when multiplied by 4, two tensors of one name, a negative
// step. Each is a DataLoss error naming the file, never a crash or a read past the payload.
TEST(CheckpointFrame, HeaderLiesBehindAValidChecksumAreErrors) {
  const std::string payload(16, '\0');  // 4 floats
  struct Lie {
    const char* what;
    CheckpointFrame frame;
  };
  const std::vector<Lie> lies = {
      {"table that wraps", {"r", 1, nlohmann::json::object(), {{"a", int64_t{1} << 62}, {"b", 4}}}},
      {"name twice", {"r", 1, nlohmann::json::object(), {{"a", 2}, {"a", 2}}}},
      {"negative step", {"r", -3, nlohmann::json::object(), {{"a", 4}}}},
      {"negative size", {"r", 1, nlohmann::json::object(), {{"a", -4}, {"b", 8}}}},
  };
  for (const Lie& lie : lies) {
    auto parsed = parse_checkpoint_frame(encode_checkpoint_frame(lie.frame, payload), "x/c.bin");
    ASSERT_FALSE(parsed.ok()) << lie.what;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss) << lie.what;
    EXPECT_NE(parsed.status().message().find("checkpoint x/c.bin is corrupted"), std::string::npos)
        << parsed.status();
  }
  auto good = parse_checkpoint_frame(
      encode_checkpoint_frame({"r", 7, nlohmann::json::object(), {{"a", 1}, {"b", 3}}}, payload),
      "x/c.bin");
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->step, 7);
  EXPECT_EQ(good->table.size(), 2u);
}
}  // namespace sl
