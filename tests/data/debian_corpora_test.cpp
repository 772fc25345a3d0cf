// The corpora from Debian packages beside Austen: the King James Bible (bible-kjv) and Python's
// manual (python3-doc). Parsing is checked on hand-written input; the installed packages, when
// present, give the sizes docs/data.md states (skipped with a message otherwise).
#include <filesystem>

#include "core/subprocess.h"
#include "data/kjv_source.h"
#include "data/pydoc_source.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace sl {
namespace {
int64_t total_bytes(const Corpus& c) {
  int64_t n = 0;
  for (const auto& d : c.documents) n += static_cast<int64_t>(d.text.size());
  return n;
}
}  // namespace

TEST(KjvSource, ListingBecomesOneDocumentPerBookWithoutVerseNumbers) {
  const std::string listing =
      "\nGenesis 1\n\n  1 In the beginning God created the heaven and the earth.\n"
      "  2 And the earth was without form, and void.\n\nGenesis 2\n\n"
      "  1 Thus the heavens and the earth were finished.\n\n1 Kings 1\n\n"
      "  1 Now king David was old and stricken in years.\n";
  const Corpus c = kjv_corpus_from_listing(listing);
  EXPECT_EQ(c.source, "kjv");
  ASSERT_EQ(c.documents.size(), 2u);
  EXPECT_EQ(c.documents[0].name, "Genesis");
  EXPECT_EQ(c.documents[0].text,
            "Genesis 1\nIn the beginning God created the heaven and the earth.\n"
            "And the earth was without form, and void.\nGenesis 2\n"
            "Thus the heavens and the earth were finished.\n");
  EXPECT_EQ(c.documents[1].name, "1 Kings");
  EXPECT_EQ(c.documents[1].text, "1 Kings 1\nNow king David was old and stricken in years.\n");
}

TEST(KjvSource, TheInstalledBible) {
  if (!program_on_path("bible")) GTEST_SKIP() << "no `bible` program: apt-get install bible-kjv";
  auto c = kjv_corpus();
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->documents.size(), 66u);
  EXPECT_EQ(c->documents.front().name, "Genesis");
  EXPECT_EQ(c->documents.back().name, "Revelation");
  EXPECT_EQ(c->documents.front().text.rfind("Genesis 1\nIn the beginning God created", 0), 0u);
  const int64_t bytes = total_bytes(*c);
  EXPECT_GT(bytes, 4'000'000);
  EXPECT_LT(bytes, 4'600'000);
}

TEST(PydocSource, FindsTheHighestInstalledManual) {
  auto root = testing::fresh_temp_dir();
  testing::write_text(root / "python3.9" / "html" / "_sources" / "old.rst.txt", "old\n");
  testing::write_text(root / "python3.11" / "html" / "_sources" / "b" / "x.rst.txt", "Tutorial\n");
  testing::write_text(root / "python3.11" / "html" / "_sources" / "a.rst.txt", "About\n");
  auto c = pydoc_corpus(root.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->source, "pydoc");
  ASSERT_EQ(c->documents.size(), 2u);
  EXPECT_EQ(c->documents[0].text, "About\n");
  EXPECT_EQ(c->documents[1].text, "Tutorial\n");
  auto none = pydoc_corpus((root / "nothing").string());
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("python3-doc"), std::string::npos) << none.status();
}

TEST(PydocSource, TheInstalledManual) {
  auto c = pydoc_corpus();
  if (!c.ok()) GTEST_SKIP() << c.status().message();
  EXPECT_GT(c->documents.size(), 400u);
  const int64_t bytes = total_bytes(*c);
  EXPECT_GT(bytes, 8'000'000);
  EXPECT_LT(bytes, 14'000'000);
}
}  // namespace sl
