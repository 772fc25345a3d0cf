// The King James Bible (1611/1769; public domain) from Debian's bible-kjv-text, read with its
// `bible` program (package bible-kjv, GPL-2): 4.15 MB of Early Modern English prose, a
// corpus unlike Austen's for mixture and transfer experiments. Each of the 66 books is one
// document; each chapter starts with its heading line ("Genesis 1") and each verse is one line,
// without its number.
#pragma once
#include <string>

#include "core/status.h"
#include "data/corpus.h"

namespace sl {
// No `bible` program is an error naming the Debian packages to install.
absl::StatusOr<Corpus> kjv_corpus();

// `bible -l100000 gen1:1-rev22:21`'s output (chapter headings, then "  N verse" lines) ->
// one document per book, verses without their numbers.
Corpus kjv_corpus_from_listing(const std::string& listing);
}  // namespace sl
