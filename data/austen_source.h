// Jane Austen's six novels (public domain; Debian's r-cran-janeaustenr, MIT, which carries the
// Project Gutenberg texts) as plain English text: the built-in default corpus, about 3.9 MB.
// The package stores them as R data, so they are written out once with Rscript into CACHE_DIR and
// reused from there. Each novel is one document; its hard-wrapped lines are joined back into
// paragraphs, one paragraph per line.
#pragma once
#include <string>
#include <vector>

#include "core/status.h"
#include "data/corpus.h"

namespace sl {
// The R objects, in publication order (document names of the corpus).
const std::vector<std::string>& austen_books();

// Writes (or reuses) the novels under cache_dir and returns them as a corpus. No Rscript or no
// janeaustenr is an error naming the Debian packages to install.
absl::StatusOr<Corpus> austen_corpus(const std::string& cache_dir);

// Gutenberg-style lines (hard-wrapped, blank lines between paragraphs) -> one paragraph per line,
// wrapped lines joined with one space, runs of blank lines dropped.
std::string unwrap_paragraphs(const std::vector<std::string>& lines);
}  // namespace sl
