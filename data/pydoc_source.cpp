// pydoc_corpus: find the installed manual's sources and read them as a text directory.
#include "data/pydoc_source.h"

#include <filesystem>

#include "absl/strings/numbers.h"
#include "data/text_source.h"

namespace sl {
absl::StatusOr<Corpus> pydoc_corpus(const std::string& root) {
  namespace fs = std::filesystem;
  std::string best;
  int best_minor = -1;  // python3.11 over python3.9: compared as numbers
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    const fs::path sources = e.path() / "html" / "_sources";
    int minor = 0;
    if (name.rfind("python3.", 0) != 0 || !absl::SimpleAtoi(name.substr(8), &minor) ||
        !fs::is_directory(sources) || minor <= best_minor)
      continue;
    best = sources.string();
    best_minor = minor;
  }
  if (best.empty())
    return absl::FailedPreconditionError(absl::StrCat(
        "the pydoc source is Python's manual as Debian's python3-doc installs it, and no ", root,
        "/python3.*/html/_sources exists: apt-get install python3-doc (scripts/setup.sh does "
        "this), or pass your own text with --source PATH"));
  SL_ASSIGN_OR_RETURN(Corpus corpus, text_corpus(best));
  corpus.source = "pydoc";
  corpus.name = "pydoc";
  return corpus;
}
}  // namespace sl
