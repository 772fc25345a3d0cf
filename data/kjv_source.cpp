// kjv_corpus: the whole Bible from `bible`, its listing split into books.
#include "data/kjv_source.h"

#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_split.h"
#include "core/files.h"
#include "core/subprocess.h"

namespace sl {
Corpus kjv_corpus_from_listing(const std::string& listing) {
  Corpus corpus;
  corpus.source = "kjv";
  corpus.name = "kjv";
  for (absl::string_view line : absl::StrSplit(listing, '\n')) {
    if (line.empty()) continue;
    if (line[0] != ' ') {
      // A chapter heading, "Genesis 1" or "1 Kings 3": the book is all but the last word.
      const size_t space = line.rfind(' ');
      const std::string book(
          line.substr(0, space == absl::string_view::npos ? line.size() : space));
      if (corpus.documents.empty() || corpus.documents.back().name != book)
        corpus.documents.push_back({book, ""});
      absl::StrAppend(&corpus.documents.back().text, line, "\n");
      continue;
    }
    if (corpus.documents.empty()) continue;  // nothing before the first heading
    // "  12 verse text": drop the indent and the verse number.
    const size_t start = line.find_first_not_of(' ');
    const size_t after_number = line.find(' ', start);
    if (after_number == absl::string_view::npos) continue;
    absl::StrAppend(&corpus.documents.back().text, line.substr(after_number + 1), "\n");
  }
  return corpus;
}

absl::StatusOr<Corpus> kjv_corpus() {
  if (!program_on_path("bible"))
    return absl::FailedPreconditionError(
        "the kjv source is read with the `bible` program, which is not on PATH: install Debian's "
        "bible-kjv and bible-kjv-text (apt-get install bible-kjv; scripts/setup.sh does this), or "
        "pass your own text with --source PATH");
  const std::string out =
      (std::filesystem::temp_directory_path() / ("scalelab-kjv-" + std::to_string(getpid())))
          .string();
  const int rc = run_program({"bible", "-l100000", "gen1:1-rev22:21"}, out);
  auto listing = read_file(out);
  std::error_code ec;
  std::filesystem::remove(out, ec);
  if (rc != 0 || !listing.ok() || listing->find("Revelation 22") == std::string::npos)
    return absl::FailedPreconditionError(
        absl::StrCat("`bible -l100000 gen1:1-rev22:21` did not list the whole Bible (exit ", rc,
                     "): reinstall Debian's bible-kjv-text"));
  return kjv_corpus_from_listing(*listing);
}
}  // namespace sl
