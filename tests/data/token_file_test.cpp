// Token files: little-endian uint16 layout, mmap round trip, and every way a dataset can be broken
// (missing, truncated, stale, corrupted, wrong vocab) reported with the file and the fix.
#include <filesystem>
#include <sstream>

#include "core/files.h"
#include "core/hash.h"
#include "data/token_dataset.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace sl {
namespace fs = std::filesystem;
using testing::fresh_temp_dir;
using testing::write_text;

namespace {
// A valid dataset directory with the given tokens, as prepare would write it.
void write_dataset(const fs::path& dir, const std::vector<uint16_t>& train,
                   const std::vector<uint16_t>& val, int vocab = 256, bool with_meta = true) {
  ASSERT_TRUE(write_token_file((dir / "train.bin").string(), train).ok());
  ASSERT_TRUE(write_token_file((dir / "val.bin").string(), val).ok());
  if (!with_meta) return;
  DatasetMeta m;
  m.vocab_size = vocab;
  m.source = "test";
  m.train_tokens = static_cast<int64_t>(train.size());
  m.val_tokens = static_cast<int64_t>(val.size());
  std::string tb = token_file_bytes(train), vb = token_file_bytes(val);
  m.train_checksum = hex64(hash_bytes(tb.data(), tb.size()));
  m.val_checksum = hex64(hash_bytes(vb.data(), vb.size()));
  ASSERT_TRUE(write_file_atomic((dir / "meta.json").string(), dataset_meta_to_json(m)).ok());
}

bool contains(const absl::Status& s, const std::string& text) {
  return std::string(s.message()).find(text) != std::string::npos;
}
}  // namespace

TEST(TokenFile, LittleEndianLayoutAndRoundTrip) {
  EXPECT_EQ(token_file_bytes({0x0102, 0xfffe}), std::string("\x02\x01\xfe\xff", 4));
  fs::path dir = fresh_temp_dir();
  std::vector<uint16_t> ids = {0, 1, 255, 256, 50256, 65535, 7};
  ASSERT_TRUE(write_token_file((dir / "a.bin").string(), ids).ok());
  EXPECT_EQ(fs::file_size(dir / "a.bin"), 14u);
  auto f = TokenFile::open((dir / "a.bin").string());
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ((*f)->size(), 7);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ((*f)->data()[i], ids[i]);
  EXPECT_EQ((*f)->max_token(), 65535);
  std::string bytes = token_file_bytes(ids);
  EXPECT_EQ((*f)->checksum(), hex64(hash_bytes(bytes.data(), bytes.size())));
}

TEST(TokenFile, OddByteCountIsReportedAsTruncated) {
  fs::path dir = fresh_temp_dir();
  write_text(dir / "train.bin", std::string("\x01\x00\x02", 3));
  auto f = TokenFile::open((dir / "train.bin").string());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(contains(f.status(), (dir / "train.bin").string()));
  EXPECT_TRUE(contains(f.status(), "truncated"));
}

TEST(TokenDataset, OpensValidDirectoryAndComputesMaxToken) {
  fs::path dir = fresh_temp_dir();
  write_dataset(dir, {1, 2, 3, 200, 4}, {9, 8, 7});
  auto ds = open_token_dataset(dir.string(), /*verify_checksums=*/true);
  ASSERT_TRUE(ds.ok()) << ds.status();
  EXPECT_EQ(ds->train->size(), 5);
  EXPECT_EQ(ds->val->size(), 3);
  EXPECT_EQ(ds->max_token, 200);
  EXPECT_EQ(ds->meta.vocab_size, 256);
  EXPECT_EQ(ds->meta.source, "test");
}

TEST(TokenDataset, MissingTrainFileNamesFileAndPrepareCommand) {
  fs::path dir = fresh_temp_dir() / "out" / "data" / "brown";
  fs::create_directories(dir);
  auto ds = open_token_dataset(dir.string());
  ASSERT_FALSE(ds.ok());
  EXPECT_TRUE(contains(ds.status(), (dir / "train.bin").string() + " not found"));
  EXPECT_TRUE(contains(ds.status(), "scalelab prepare --source brown --out " + dir.string()));
}

TEST(TokenDataset, MissingDirectoryNamesItAndTheFix) {
  fs::path dir = fresh_temp_dir() / "mycorpus";
  auto ds = open_token_dataset(dir.string());
  ASSERT_FALSE(ds.ok());
  EXPECT_TRUE(contains(ds.status(), "dataset directory " + dir.string() + " not found"));
  EXPECT_TRUE(contains(ds.status(), "scalelab prepare --source SRC --out " + dir.string()));
}

TEST(TokenDataset, TruncatedFilesAreDetectedEvenAtEvenLength) {
  fs::path dir = fresh_temp_dir();
  write_dataset(dir, {1, 2, 3, 4, 5, 6}, {7, 8, 9});
  // Cut one token (2 bytes): the byte count stays even, meta.json's count catches it.
  fs::resize_file(dir / "train.bin", 10);
  auto ds = open_token_dataset(dir.string());
  ASSERT_FALSE(ds.ok());
  EXPECT_TRUE(contains(ds.status(), (dir / "train.bin").string() + " has 5 tokens"));
  EXPECT_TRUE(contains(ds.status(), "says 6"));
  // Cut one byte: an odd byte count.
  write_dataset(dir, {1, 2, 3, 4, 5, 6}, {7, 8, 9});
  fs::resize_file(dir / "val.bin", 5);
  ds = open_token_dataset(dir.string());
  ASSERT_FALSE(ds.ok());
  EXPECT_TRUE(
      contains(ds.status(), (dir / "val.bin").string() + " has an odd number of bytes (5)"));
  EXPECT_TRUE(contains(ds.status(), "scalelab prepare --source test"));
}

TEST(TokenDataset, ChecksumCatchesCorruptionOnlyWhenAsked) {
  fs::path dir = fresh_temp_dir();
  write_dataset(dir, {1, 2, 3, 4}, {5, 6});
  write_text(dir / "val.bin", token_file_bytes({5, 7}));
  EXPECT_TRUE(open_token_dataset(dir.string(), false).ok());
  auto ds = open_token_dataset(dir.string(), true);
  ASSERT_FALSE(ds.ok());
  EXPECT_TRUE(contains(ds.status(), (dir / "val.bin").string() + " does not match its checksum"));
}

TEST(TokenDataset, TokenIdsAboveMetaVocabAreRejected) {
  fs::path dir = fresh_temp_dir();
  write_dataset(dir, {1, 2, 300}, {5, 6}, /*vocab=*/256);
  auto ds = open_token_dataset(dir.string());
  ASSERT_FALSE(ds.ok());
  EXPECT_TRUE(contains(ds.status(), "token id 300"));
  EXPECT_TRUE(contains(ds.status(), "vocab_size 256"));
}

TEST(TokenDataset, NanoGptDirectoryWithoutMetaInfersTokenizer) {
  fs::path byte_dir = fresh_temp_dir() / "bytes";
  fs::create_directories(byte_dir);
  write_dataset(byte_dir, {1, 2, 255}, {5, 6}, 256, /*with_meta=*/false);
  auto ds = open_token_dataset(byte_dir.string());
  ASSERT_TRUE(ds.ok()) << ds.status();
  EXPECT_EQ(ds->meta.tokenizer, "byte");
  EXPECT_EQ(ds->meta.vocab_size, 256);
  EXPECT_EQ(ds->meta.train_tokens, 3);

  fs::path gpt2_dir = byte_dir.parent_path() / "gpt2";
  fs::create_directories(gpt2_dir);
  write_dataset(gpt2_dir, {1, 50256, 3}, {5, 6}, 256, /*with_meta=*/false);
  ds = open_token_dataset(gpt2_dir.string());
  ASSERT_TRUE(ds.ok()) << ds.status();
  EXPECT_EQ(ds->meta.tokenizer, "gpt2");
  EXPECT_EQ(ds->meta.vocab_size, 50257);
  EXPECT_EQ(ds->meta.bytes_per_token, 0.0);
  EXPECT_EQ(ds->max_token, 50256);

  // Found by fuzz/fuzz_token_dataset: ids past GPT-2's vocabulary were taken as GPT-2's.
  fs::path other = byte_dir.parent_path() / "other";
  fs::create_directories(other);
  write_dataset(other, {1, 60000, 3}, {5, 6}, 256, /*with_meta=*/false);
  ds = open_token_dataset(other.string());
  ASSERT_FALSE(ds.ok());
  EXPECT_TRUE(contains(ds.status(), "has token ids up to 60000 and no meta.json")) << ds.status();
  EXPECT_TRUE(contains(ds.status(), "meta.json with the tokenizer's vocab_size")) << ds.status();
}

TEST(DatasetMeta, JsonRoundTrip) {
  DatasetMeta m;
  m.source = "synthetic:markov?symbols=4";
  m.train_tokens = 123;
  m.val_tokens = 45;
  m.entropy_rate_nats = 0.75;
  m.unigram_entropy_nats = 1.25;
  m.val_fraction = 0.2;
  m.split_seed = 7;
  m.train_checksum = "00ff";
  fs::path dir = fresh_temp_dir();
  ASSERT_TRUE(write_file_atomic((dir / "meta.json").string(), dataset_meta_to_json(m)).ok());
  auto back = read_dataset_meta((dir / "meta.json").string());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->source, m.source);
  EXPECT_EQ(back->train_tokens, 123);
  EXPECT_EQ(back->val_tokens, 45);
  EXPECT_DOUBLE_EQ(back->entropy_rate_nats, 0.75);
  EXPECT_DOUBLE_EQ(back->unigram_entropy_nats, 1.25);
  EXPECT_DOUBLE_EQ(back->val_fraction, 0.2);
  EXPECT_EQ(back->split_seed, 7u);
  EXPECT_EQ(back->train_checksum, "00ff");
}

TEST(DatasetMeta, EveryMissingKeyIsListedAtOnceWithAMinimalExample) {
  fs::path dir = fresh_temp_dir();
  write_text(dir / "meta.json", "{\"tokenizer\": \"byte\"}");
  auto m = read_dataset_meta((dir / "meta.json").string());
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(
      contains(m.status(), "lacks the keys \"vocab_size\", \"train_tokens\", \"val_tokens\""))
      << m.status();
  EXPECT_TRUE(contains(m.status(), "{\"tokenizer\": \"byte\", \"vocab_size\": 256")) << m.status();
}

TEST(TokenDataset, RelativeMissingDirectorySaysRelativeToWhat) {
  auto ds = open_token_dataset("out/data/no-such-corpus");
  ASSERT_FALSE(ds.ok());
  EXPECT_TRUE(
      contains(ds.status(), "relative to the working directory " + fs::current_path().string()))
      << ds.status();
}

TEST(TokenDataset, NanoGptCharacterDatasetIsRefusedNotTakenForBytes) {
  // shakespeare_char: ids 0..64 index meta.pkl's vocabulary; read as bytes they would "work".
  fs::path dir = fresh_temp_dir() / "shakespeare_char";
  fs::create_directories(dir);
  write_dataset(dir, {1, 2, 64}, {5, 6}, 256, /*with_meta=*/false);
  write_text(dir / "meta.pkl", "pickle bytes");
  auto ds = open_token_dataset(dir.string());
  ASSERT_FALSE(ds.ok());
  EXPECT_TRUE(contains(ds.status(), "nanoGPT character dataset")) << ds.status();
  EXPECT_TRUE(contains(ds.status(), "scalelab prepare --source " + dir.string() + "/input.txt"))
      << ds.status();
}
// meta.json carries a checksum of its own fields: a changed digit is found, not trained on; a
// hand edit is accepted once the user deletes the meta_checksum line, as the error says.
TEST(DatasetMeta, AChangedFieldFailsTheMetaChecksum) {
  DatasetMeta m;
  m.vocab_size = 256;
  m.train_tokens = 123;
  m.val_tokens = 45;
  const fs::path path = fresh_temp_dir() / "meta.json";
  std::string text = dataset_meta_to_json(m);
  const size_t at = text.find("\"vocab_size\": 256");
  ASSERT_NE(at, std::string::npos) << text;
  text[at + 15] = '1';  // 256 -> 216
  write_text(path, text);
  auto back = read_dataset_meta(path.string());
  ASSERT_FALSE(back.ok());
  EXPECT_TRUE(contains(back.status(), "meta.json does not match its meta_checksum"))
      << back.status();
  EXPECT_TRUE(contains(back.status(), "delete the meta_checksum line")) << back.status();
  std::string edited;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.find("meta_checksum") == std::string::npos) edited += line + "\n";
  write_text(path, edited);
  back = read_dataset_meta(path.string());
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << edited;
  EXPECT_EQ(back->vocab_size, 216);
}
}  // namespace sl
