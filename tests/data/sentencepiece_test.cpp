// SentencePiece tokenizers: the --tokenizer spec, training, decode(encode(x)) == x on text and on
// random byte strings, piece lengths that add up to the decoded text, SentencePiece's own decode
// agreeing with ours, and prepare with bpe: the model stored, named in meta.json, rebuilt by
// make_tokenizer, a pure function of the train split, the same files on a second run.
#include <filesystem>
#include <random>

#include "core/files.h"
#include "data/byte_tokenizer.h"
#include "data/prepare.h"
#include "data/sentencepiece_tokenizer.h"
#include "data/tokenizer.h"
#include "data/tokenizer_spec.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace sl {
namespace {
using testing::fresh_temp_dir;
using testing::write_text;

// Seeded English-like text: sentences of common words, a paragraph per line, a few non-ASCII
// characters (é, £, —) so that multi-byte characters get pieces too.
std::string english_like(int paragraphs, uint64_t seed) {
  static const char* kWords[] = {
      "the",  "of",     "and",    "to",     "a",     "in",      "was",   "her",  "she",
      "that", "it",     "not",    "be",     "had",   "as",      "with",  "for",  "his",
      "said", "Elinor", "Emma",   "Mr.",    "Darcy", "could",   "would", "very", "much",
      "café", "£20",    "letter", "sister", "house", "morning", "—",     "walk", "dear"};
  std::mt19937_64 rng(seed);
  std::string text;
  for (int p = 0; p < paragraphs; ++p) {
    const int sentences = 1 + static_cast<int>(rng() % 4);
    for (int s = 0; s < sentences; ++s) {
      const int words = 3 + static_cast<int>(rng() % 12);
      for (int w = 0; w < words; ++w) {
        std::string word = kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))];
        if (w == 0) word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
        text += word;
        text += w + 1 < words ? " " : ". ";
      }
    }
    text += "\n";
  }
  return text;
}

std::unique_ptr<SentencePieceTokenizer> trained(const std::string& kind, int vocab,
                                                const std::string& text) {
  auto model = SentencePieceTokenizer::train(text, {kind, vocab}, 1);
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return nullptr;
  auto tok = SentencePieceTokenizer::load(*model, kind, "test model");
  EXPECT_TRUE(tok.ok()) << tok.status();
  return tok.ok() ? std::move(*tok) : nullptr;
}

// Random strings: valid UTF-8 of 1-4 bytes per character (newlines, spaces, U+2581 included) and,
// with `invalid`, stray bytes that are not UTF-8.
std::string random_text(std::mt19937_64& rng, bool invalid) {
  std::string s;
  const int n = static_cast<int>(rng() % 200);
  for (int i = 0; i < n; ++i) {
    const int kind = static_cast<int>(rng() % 10);
    uint32_t cp;
    if (kind < 4) {
      cp = 32 + rng() % 95;
    } else if (kind == 4) {
      cp = "\n \t "[rng() % 4];
    } else if (kind == 5) {
      cp = 0x2581;
    } else if (kind == 6) {
      cp = 0x80 + rng() % 0x780;
    } else if (kind == 7) {
      cp = 0x800 + rng() % (0xD800 - 0x800);
    } else if (kind == 8) {
      cp = 0x10000 + rng() % 0x100000;
    } else {
      if (invalid) s.push_back(static_cast<char>(0x80 + rng() % 0x80));
      continue;
    }
    if (cp < 0x80) {
      s.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return s;
}

int64_t sum_bytes(const Tokenizer& tok, const std::vector<uint16_t>& ids) {
  const auto table = tok.token_bytes();
  int64_t n = 0;
  for (uint16_t id : ids) n += table.at(id);
  return n;
}
}  // namespace

TEST(TokenizerSpec, ParsesAndRefusesWithTheReason) {
  auto bpe = parse_tokenizer_spec("bpe:2000");
  ASSERT_TRUE(bpe.ok());
  EXPECT_EQ(bpe->kind, "bpe");
  EXPECT_EQ(bpe->vocab_size, 2000);
  EXPECT_EQ(bpe->to_string(), "bpe:2000");
  EXPECT_EQ(parse_tokenizer_spec("unigram:512")->kind, "unigram");
  EXPECT_FALSE(parse_tokenizer_spec("byte")->trained());
  auto big = parse_tokenizer_spec("bpe:70000");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("uint16"), std::string::npos) << big.status();
  EXPECT_NE(big.status().message().find("65536"), std::string::npos) << big.status();
  EXPECT_TRUE(parse_tokenizer_spec("bpe:65536").ok());
  for (const char* bad : {"bpe", "bpe:", "bpe:2k", "wordpiece:1000", "bpe:100", "gpt2"})
    EXPECT_FALSE(parse_tokenizer_spec(bad).ok()) << bad;
}

TEST(SentencePiece, RoundTripsTextAndRandomBytes) {
  const std::string text = english_like(3000, 7);
  for (const char* kind : {"bpe", "unigram"}) {
    auto tok = trained(kind, 400, text);
    ASSERT_NE(tok, nullptr);
    EXPECT_EQ(tok->vocab_size(), 400);
    EXPECT_EQ(tok->name(), kind);
    const auto ids = tok->encode(text);
    EXPECT_LT(ids.size(), text.size() / 2) << kind << ": the pieces should merge common words";
    EXPECT_EQ(tok->decode(ids), text) << kind;
    EXPECT_EQ(sum_bytes(*tok, ids), static_cast<int64_t>(text.size())) << kind;
    // On valid UTF-8 without U+2581, SentencePiece's own decode gives the same text.
    EXPECT_EQ(tok->library_decode(ids), text) << kind;
    std::mt19937_64 rng(11);
    for (int i = 0; i < 300; ++i) {
      const std::string s = random_text(rng, /*invalid=*/i % 2 == 1);
      const auto r = tok->encode(s);
      ASSERT_EQ(tok->decode(r), s) << kind << " case " << i;
      ASSERT_EQ(sum_bytes(*tok, r), static_cast<int64_t>(s.size())) << kind << " case " << i;
      for (uint16_t id : r) ASSERT_LT(id, tok->vocab_size());
    }
  }
}

TEST(SentencePiece, TrainingIsDeterministicAndErrorsSayWhatToChange) {
  const std::string text = english_like(800, 3);
  auto a = SentencePieceTokenizer::train(text, {"bpe", 350}, 5);
  auto b = SentencePieceTokenizer::train(text, {"bpe", 350}, 5);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  auto too_big = SentencePieceTokenizer::train("a tiny text\n", {"bpe", 5000}, 5);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.status().message().find("change the vocabulary size"), std::string::npos)
      << too_big.status();
  auto garbage = SentencePieceTokenizer::load("not a model", "bpe", "x/tokenizer.model");
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.status().message().find("x/tokenizer.model"), std::string::npos);
}

TEST(SentencePiece, PrepareStoresTheModelTrainedOnTheTrainSplitOnly) {
  auto root = fresh_temp_dir();
  for (int d = 0; d < 12; ++d)
    write_text(root / "src" / ("doc" + std::to_string(10 + d) + ".txt"), english_like(120, d));
  PrepareOptions o;
  o.source = (root / "src").string();
  o.out_dir = (root / "bpe").string();
  o.tokenizer = "bpe:500";
  o.split.val_fraction = 0.2;
  o.split.block_tokens = 4096;
  auto meta = prepare_dataset(o);
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(meta->tokenizer, "bpe");
  EXPECT_EQ(meta->vocab_size, 500);
  EXPECT_EQ(meta->tokenizer_model, "tokenizer.model");
  EXPECT_GT(meta->bytes_per_token, 2.0);
  auto ds = open_token_dataset(o.out_dir, true);
  ASSERT_TRUE(ds.ok()) << ds.status();
  EXPECT_EQ(ds->meta.tokenizer_checksum, meta->tokenizer_checksum);
  auto tok = make_tokenizer(ds->meta, o.out_dir);
  ASSERT_TRUE(tok.ok()) << tok.status();
  EXPECT_EQ((*tok)->name(), "bpe");

  // The same split in bytes: decoding the BPE files gives exactly that text.
  PrepareOptions bytes_o = o;
  bytes_o.tokenizer = "byte";
  bytes_o.out_dir = (root / "bytes").string();
  ASSERT_TRUE(prepare_dataset(bytes_o).ok());
  auto byte_ds = open_token_dataset(bytes_o.out_dir);
  ASSERT_TRUE(byte_ds.ok());
  auto text_of = [](const TokenFile& f) {
    return std::string(f.data(), f.data() + f.size());  // byte ids are the bytes
  };
  auto ids_of = [](const TokenFile& f) {
    return std::vector<uint16_t>(f.data(), f.data() + f.size());
  };
  const std::string train_text = text_of(*byte_ds->train), val_text = text_of(*byte_ds->val);
  EXPECT_EQ((*tok)->decode(ids_of(*ds->train)), train_text);
  EXPECT_EQ((*tok)->decode(ids_of(*ds->val)), val_text);
  EXPECT_EQ((*tok)->encode(val_text), ids_of(*ds->val));
  EXPECT_EQ(meta->tokenizer_train_bytes, static_cast<int64_t>(train_text.size()));

  // The stored model is what training on the train text alone gives: val never reached it.
  auto stored = read_file((std::filesystem::path(o.out_dir) / "tokenizer.model").string());
  ASSERT_TRUE(stored.ok());
  auto retrained = SentencePieceTokenizer::train(train_text, {"bpe", 500}, o.split.seed);
  ASSERT_TRUE(retrained.ok());
  EXPECT_EQ(*retrained, *stored);
  auto with_val = SentencePieceTokenizer::train(train_text + val_text, {"bpe", 500}, o.split.seed);
  ASSERT_TRUE(with_val.ok());
  EXPECT_NE(*with_val, *stored);

  // A second prepare gives the same files byte for byte.
  o.out_dir = (root / "bpe2").string();
  auto again = prepare_dataset(o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->train_checksum, meta->train_checksum);
  EXPECT_EQ(again->val_checksum, meta->val_checksum);
  EXPECT_EQ(again->tokenizer_checksum, meta->tokenizer_checksum);

  // Another corpus encoded with the same model (--tokenizer-from): one tokenizer, so mixable.
  for (int d = 0; d < 3; ++d)
    write_text(root / "src2" / ("other" + std::to_string(d) + ".txt"), english_like(80, 100 + d));
  PrepareOptions shared_o;
  shared_o.source = (root / "src2").string();
  shared_o.out_dir = (root / "shared").string();
  shared_o.tokenizer_from = (root / "bpe").string();
  auto shared = prepare_dataset(shared_o);
  ASSERT_TRUE(shared.ok()) << shared.status();
  EXPECT_EQ(shared->tokenizer_checksum, meta->tokenizer_checksum);
  EXPECT_EQ(shared->tokenizer_spec, "bpe:500");
  EXPECT_EQ(*read_file((root / "shared" / "tokenizer.model").string()), *stored);
  shared_o.tokenizer = "bpe:400";
  shared_o.out_dir = (root / "both").string();
  auto both = prepare_dataset(shared_o);
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("not both"), std::string::npos) << both.status();
  shared_o.tokenizer = "byte";
  shared_o.tokenizer_from = bytes_o.out_dir;  // a byte dataset has no model to share
  EXPECT_FALSE(prepare_dataset(shared_o).ok());

  // A corrupted model is refused by name.
  write_text(root / "bpe2" / "tokenizer.model", "garbage");
  auto ds2 = open_token_dataset(o.out_dir);
  ASSERT_TRUE(ds2.ok());
  auto bad = make_tokenizer(ds2->meta, o.out_dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("tokenizer_checksum"), std::string::npos) << bad.status();
}
}  // namespace sl
