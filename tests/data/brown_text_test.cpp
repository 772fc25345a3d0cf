// Brown tag stripping on an embedded sample (the real files are fetched only by the CLI test).
#include "data/brown_source.h"

#include "gtest/gtest.h"

namespace sl {
TEST(BrownText, StripsTagsQuotesAndPunctuationSpacing) {
  const std::string tagged =
      "\n\n\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at "
      "investigation/nn of/in Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd ``/`` "
      "no/at "
      "evidence/nn ''/'' that/cs any/dti irregularities/nns took/vbd place/nn ./.\n\n\n"
      "\t``/`` Only/rb a/at handful/nn was/bedz received/vbn ''/'' ,/, the/at jury/nn said/vbd ;/. "
      "(/( in/in 1960/cd )/) it/pps was/bedz 1/2/cd done/vbn ?/.\n"
      "\tHe/pps met/vbd Ivan/np Allen/np Jr./np ./.\n";
  EXPECT_EQ(brown_to_text(tagged),
            "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary "
            "election produced \"no evidence\" that any irregularities took place.\n"
            "\"Only a handful was received\", the jury said; (in 1960) it was 1/2 done?\n"
            "He met Ivan Allen Jr.\n");
}

TEST(BrownText, SentencesJoinIntoParagraphsAndHeadlinesStandAlone) {
  const std::string tagged =
      "\n\n\nAssembly/nn-hl session/nn-hl brought/vbd-hl much/ap-hl good/nn-hl \n"
      "The/at General/jj-tl Assembly/nn-tl adjourns/vbz today/nr ./.\n"
      "It/pps was/bedz faced/vbn with/in a/at showdown/nn ./.\n\n\n"
      "\tThere/ex followed/vbd a/at fight/nn --/-- a/at long/jj one/cd ./.\n";
  EXPECT_EQ(brown_to_text(tagged),
            "Assembly session brought much good\n"
            "The General Assembly adjourns today. It was faced with a showdown.\n"
            "There followed a fight -- a long one.\n");
}
}  // namespace sl
