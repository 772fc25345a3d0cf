// llm.c's token file layout: a header of 256 int32 (magic 20240520, version 1, token count) then
// uint16 ids. Files built here by hand byte by byte load through TokenFile; write_token_file writes
// that header; llm.c's file names load without meta.json; bad versions and sizes are refused by
// name; prepare --format llmc gives the same ids as nanoGPT's layout.
#include <cstring>
#include <filesystem>

#include "core/files.h"
#include "data/prepare.h"
#include "data/token_dataset.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace sl {
namespace fs = std::filesystem;
using testing::fresh_temp_dir;
using testing::write_text;

namespace {
// An llm.c file as its own writer (write_datafile in llm.c's data_common.py) lays it out.
std::string llmc_bytes(const std::vector<uint16_t>& ids, int32_t version = 1, int32_t count = -1) {
  std::vector<int32_t> header(256, 0);
  header[0] = 20240520;
  header[1] = version;
  header[2] = count >= 0 ? count : static_cast<int32_t>(ids.size());
  std::string bytes(reinterpret_cast<const char*>(header.data()), 1024);
  for (uint16_t id : ids) {
    bytes.push_back(static_cast<char>(id & 0xff));
    bytes.push_back(static_cast<char>(id >> 8));
  }
  return bytes;
}
}  // namespace

TEST(LlmcLayout, ReadsAHandBuiltFile) {
  auto dir = fresh_temp_dir();
  const std::vector<uint16_t> ids = {50256, 15496, 11, 995, 0, 65535};
  write_text(dir / "x.bin", llmc_bytes(ids));
  auto f = TokenFile::open((dir / "x.bin").string());
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)->layout(), TokenLayout::kLlmc);
  ASSERT_EQ((*f)->size(), 6);
  EXPECT_EQ(std::vector<uint16_t>((*f)->data(), (*f)->data() + 6), ids);
  EXPECT_EQ((*f)->max_token(), 65535);
}

TEST(LlmcLayout, WritesLlmcsHeader) {
  auto dir = fresh_temp_dir();
  const std::vector<uint16_t> ids = {1, 2, 300, 7};
  ASSERT_TRUE(write_token_file((dir / "w.bin").string(), ids, TokenLayout::kLlmc).ok());
  auto bytes = read_file((dir / "w.bin").string());
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, llmc_bytes(ids));  // header and ids exactly as llm.c writes them
  int32_t header[3];
  std::memcpy(header, bytes->data(), sizeof(header));
  EXPECT_EQ(header[0], 20240520);
  EXPECT_EQ(header[1], 1);
  EXPECT_EQ(header[2], 4);
  EXPECT_EQ(bytes->size(), 1024u + 8u);
  // The nanoGPT layout of the same ids is the tail alone.
  EXPECT_EQ(token_file_bytes(ids), bytes->substr(1024));
}

TEST(LlmcLayout, RefusesOtherVersionsAndWrongSizes) {
  auto dir = fresh_temp_dir();
  write_text(dir / "v2.bin", llmc_bytes({1, 2, 3}, /*version=*/2));
  auto v2 = TokenFile::open((dir / "v2.bin").string());
  ASSERT_FALSE(v2.ok());
  EXPECT_NE(v2.status().message().find("version 2"), std::string::npos) << v2.status();
  EXPECT_NE(v2.status().message().find("v2.bin"), std::string::npos);
  write_text(dir / "short.bin", llmc_bytes({1, 2, 3}, 1, /*count=*/5));
  auto shortf = TokenFile::open((dir / "short.bin").string());
  ASSERT_FALSE(shortf.ok());
  EXPECT_NE(shortf.status().message().find("truncated"), std::string::npos) << shortf.status();
}

TEST(LlmcLayout, LlmcDirectoryLoadsAsItIs) {
  // llm.c's tinyshakespeare directory: two headed files, no meta.json, GPT-2 ids.
  auto dir = fresh_temp_dir();
  write_text(dir / "tiny_shakespeare_train.bin", llmc_bytes({5962, 22307, 25, 198, 8421, 356}));
  write_text(dir / "tiny_shakespeare_val.bin", llmc_bytes({5962, 22307, 25}));
  auto ds = open_token_dataset(dir.string());
  ASSERT_TRUE(ds.ok()) << ds.status();
  EXPECT_EQ(ds->train->size(), 6);
  EXPECT_EQ(ds->val->size(), 3);
  EXPECT_EQ(ds->meta.layout, TokenLayout::kLlmc);
  EXPECT_EQ(ds->meta.tokenizer, "gpt2");
  EXPECT_EQ(ds->meta.vocab_size, 50257);
}

TEST(LlmcLayout, PrepareWritesEitherLayoutWithTheSameIds) {
  auto root = fresh_temp_dir();
  std::string text;
  for (int i = 0; i < 400; ++i) text += "line " + std::to_string(i) + " of some text\n";
  write_text(root / "src.txt", text);
  PrepareOptions o;
  o.source = (root / "src.txt").string();
  o.out_dir = (root / "nanogpt").string();
  ASSERT_TRUE(prepare_dataset(o).ok());
  o.out_dir = (root / "llmc").string();
  o.layout = TokenLayout::kLlmc;
  auto meta = prepare_dataset(o);
  ASSERT_TRUE(meta.ok()) << meta.status();
  auto json = read_file((root / "llmc" / "meta.json").string());
  EXPECT_NE(json->find("\"format\": \"llmc-uint16\""), std::string::npos) << *json;
  auto a = open_token_dataset((root / "nanogpt").string(), true);
  auto b = open_token_dataset((root / "llmc").string(), true);
  ASSERT_TRUE(a.ok() && b.ok()) << b.status();
  EXPECT_EQ(b->train->layout(), TokenLayout::kLlmc);
  ASSERT_EQ(a->train->size(), b->train->size());
  EXPECT_EQ(0, std::memcmp(a->train->data(), b->train->data(), 2 * a->train->size()));
  // A meta.json that says one layout over files of the other is refused by name.
  fs::copy_file(root / "nanogpt" / "meta.json", root / "llmc" / "meta.json",
                fs::copy_options::overwrite_existing);
  auto mixed = open_token_dataset((root / "llmc").string());
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.status().message().find("llmc-uint16"), std::string::npos) << mixed.status();
}
}  // namespace sl
