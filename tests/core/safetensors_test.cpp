// The safetensors writer: the exact header bytes, data offsets in the given order, 8-byte
// alignment for every header length, a read back of every tensor, and the inputs it refuses.
#include "core/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "core/files.h"
#include "nlohmann/json.hpp"

namespace sl {
namespace {
using json = nlohmann::json;

uint64_t header_length(const std::string& file) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(file[i]);
  return n;
}

TEST(Safetensors, OneTensorIsExactlyTheseBytes) {
  const float values[2] = {1.0f, -2.0f};
  auto file = encode_safetensors({{"a", "F32", {2}, values, sizeof(values)}}, {{"k", "v"}});
  ASSERT_TRUE(file.ok()) << file.status();
  const std::string header =
      R"({"__metadata__":{"k":"v"},"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]}})";
  ASSERT_EQ(header.size(), 79u);  // padded with one space to 80: the data starts at byte 88
  const std::string expected = std::string("\x50\0\0\0\0\0\0\0", 8) + header + " " +
                               std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);
  EXPECT_EQ(*file, expected);
}

TEST(Safetensors, OffsetsFollowTheGivenOrderAndEveryTensorReadsBack) {
  const int64_t longs[3] = {1, -1, int64_t{1} << 40};
  const uint16_t halves[2][2] = {{0x3f80, 0x4000}, {0xc000, 0x0000}};  // bf16 1, 2, -2, 0
  const uint8_t flag = 1;
  std::vector<SafetensorsTensor> tensors{{"z.long", "I64", {3}, longs, sizeof(longs)},
                                         {"a.bf16", "BF16", {2, 2}, halves, sizeof(halves)},
                                         {"empty", "F32", {0, 4}, nullptr, 0},
                                         {"m.flag", "BOOL", {}, &flag, 1}};
  auto file = encode_safetensors(tensors, {{"n_layer", "2"}});
  ASSERT_TRUE(file.ok()) << file.status();
  const uint64_t n = header_length(*file);
  ASSERT_EQ((8 + n) % 8, 0u);
  json h = json::parse(file->substr(8, n));  // trailing spaces are JSON whitespace
  EXPECT_EQ(h["__metadata__"], (json{{"n_layer", "2"}}));
  EXPECT_EQ(h["z.long"]["data_offsets"], (json{0, 24}));
  EXPECT_EQ(h["a.bf16"]["data_offsets"], (json{24, 32}));
  EXPECT_EQ(h["a.bf16"]["shape"], (json{2, 2}));
  EXPECT_EQ(h["empty"]["data_offsets"], (json{32, 32}));
  EXPECT_EQ(h["m.flag"]["data_offsets"], (json{32, 33}));
  EXPECT_EQ(h["m.flag"]["shape"], json::array());
  EXPECT_EQ(file->size(), 8 + n + 33);
  for (const auto& t : tensors) {
    const auto& off = h[t.name]["data_offsets"];
    const std::string got = file->substr(8 + n + off[0].get<uint64_t>(), t.bytes);
    EXPECT_EQ(off[1].get<uint64_t>() - off[0].get<uint64_t>(), t.bytes) << t.name;
    EXPECT_TRUE(t.bytes == 0 || std::memcmp(got.data(), t.data, t.bytes) == 0) << t.name;
  }
}

TEST(Safetensors, EveryHeaderLengthIsPaddedToEightBytes) {
  const float x = 3.0f;
  for (int len = 0; len < 16; ++len) {
    auto file = encode_safetensors({{"x", "F32", {1}, &x, 4}}, {{"note", std::string(len, 'a')}});
    ASSERT_TRUE(file.ok());
    const uint64_t n = header_length(*file);
    EXPECT_EQ((8 + n) % 8, 0u) << len;
    EXPECT_EQ(file->size(), 8 + n + 4);
    EXPECT_EQ(file->find_last_not_of(' ', 8 + n - 1), file->rfind('}', 8 + n - 1));  // spaces only
    float back = 0;
    std::memcpy(&back, file->data() + 8 + n, 4);
    EXPECT_EQ(back, 3.0f);
  }
}

TEST(Safetensors, RefusesWhatAReaderWouldReject) {
  const float v[2] = {0, 0};
  auto refused = [&](std::vector<SafetensorsTensor> t, const std::string& what) {
    auto file = encode_safetensors(t, {});
    EXPECT_FALSE(file.ok()) << what;
    return file.ok() ? std::string() : std::string(file.status().message());
  };
  EXPECT_NE(refused({{"a", "F32", {3}, v, 8}}, "size").find("'a' has 8 bytes, its shape needs 12"),
            std::string::npos);
  EXPECT_NE(refused({{"a", "F32", {2}, v, 8}, {"a", "F32", {2}, v, 8}}, "twice").find("twice"),
            std::string::npos);
  EXPECT_NE(refused({{"a", "F31", {2}, v, 8}}, "dtype").find("unknown dtype 'F31'"),
            std::string::npos);
  refused({{"__metadata__", "F32", {2}, v, 8}}, "reserved");
  refused({{"", "F32", {2}, v, 8}}, "no name");
  refused({{"a", "F32", {-2}, v, 8}}, "negative");
  EXPECT_EQ(safetensors_dtype_size("BF16"), 2u);
  EXPECT_EQ(safetensors_dtype_size("f32"), 0u);
}

TEST(Safetensors, WriteIsTheEncodingWrittenAtomically) {
  auto dir = std::filesystem::temp_directory_path() / "sl_safetensors_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const float v[4] = {0.5f, 1.5f, -0.25f, 8.0f};
  std::vector<SafetensorsTensor> t{{"w", "F32", {2, 2}, v, sizeof(v)}};
  const std::string path = (dir / "model.safetensors").string();
  ASSERT_TRUE(write_safetensors(path, t, {{"a", "b"}}).ok());
  EXPECT_EQ(*read_file(path), *encode_safetensors(t, {{"a", "b"}}));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);  // no temp left
  EXPECT_FALSE(write_safetensors((dir / "no" / "such" / "dir.st").string(), t, {}).ok());
  std::filesystem::remove_all(dir);
}
}  // namespace
}  // namespace sl
