// Text sources: a directory is read recursively in sorted order, hidden entries skipped, binary
// files rejected with their path.
#include "data/text_source.h"

#include "gtest/gtest.h"
#include "test_util.h"

namespace sl {
using testing::fresh_temp_dir;
using testing::write_text;

TEST(TextSource, DirectoryIsRecursiveSortedAndSkipsHidden) {
  auto dir = fresh_temp_dir() / "corpus";
  write_text(dir / "b.txt", "bee");
  write_text(dir / "a" / "z.txt", "zed");
  write_text(dir / "a" / "c.md", "sea");
  write_text(dir / ".git" / "HEAD", "hidden");
  write_text(dir / ".notes", "hidden");
  auto corpus = text_corpus(dir.string());
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  ASSERT_EQ(corpus->documents.size(), 3u);
  EXPECT_EQ(corpus->documents[0].name, "a/c.md");
  EXPECT_EQ(corpus->documents[1].name, "a/z.txt");
  EXPECT_EQ(corpus->documents[2].name, "b.txt");
  EXPECT_EQ(corpus->documents[2].text, "bee");
  EXPECT_EQ(corpus->name, "corpus");
}

TEST(TextSource, SingleFileAndErrors) {
  auto dir = fresh_temp_dir();
  write_text(dir / "story.txt", "once upon a time");
  auto one = text_corpus((dir / "story.txt").string());
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->name, "story");
  ASSERT_EQ(one->documents.size(), 1u);

  auto missing = text_corpus((dir / "nope.txt").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.status().message()).find("nope.txt not found"), std::string::npos);

  write_text(dir / "bin" / "x.bin", std::string("ab\0cd", 5));
  auto binary = text_corpus((dir / "bin").string());
  ASSERT_FALSE(binary.ok());
  EXPECT_NE(std::string(binary.status().message()).find("x.bin contains NUL bytes"),
            std::string::npos);

  std::filesystem::create_directories(dir / "empty");
  EXPECT_FALSE(text_corpus((dir / "empty").string()).ok());
}
}  // namespace sl
