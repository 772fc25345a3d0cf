// unwrap_paragraphs: Gutenberg's hard-wrapped lines back into one paragraph per line.
#include "data/austen_source.h"

#include "gtest/gtest.h"

namespace sl {
TEST(UnwrapParagraphs, JoinsWrappedLinesAndDropsBlankRuns) {
  EXPECT_EQ(
      unwrap_paragraphs({"EMMA", "", "By Jane Austen", "", "", "", "CHAPTER I", "", "",
                         "Emma Woodhouse, handsome, clever, and rich, with a comfortable home",
                         "and happy disposition, seemed to unite  ", "", "She was the youngest"}),
      "EMMA\nBy Jane Austen\nCHAPTER I\nEmma Woodhouse, handsome, clever, and rich, with a "
      "comfortable "
      "home and happy disposition, seemed to unite\nShe was the youngest\n");
}

TEST(UnwrapParagraphs, StripsIndentationCarriageReturnsAndEmptyInput) {
  EXPECT_EQ(unwrap_paragraphs({"   \"Indented,\"\r", "\tsaid she.", " ", "\t"}),
            "\"Indented,\" said she.\n");
  EXPECT_EQ(unwrap_paragraphs({}), "");
  EXPECT_EQ(unwrap_paragraphs({"", "  ", ""}), "");
}

TEST(AustenBooks, SixNovelsInPublicationOrder) {
  ASSERT_EQ(austen_books().size(), 6u);
  EXPECT_EQ(austen_books().front(), "sensesensibility");
  EXPECT_EQ(austen_books().back(), "persuasion");
}
}  // namespace sl
