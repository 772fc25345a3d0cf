// Python 3's documentation (PSF licence) as Debian's python3-doc installs it: the
// reStructuredText sources of the HTML manual, /usr/share/doc/python3.N/html/_sources/**.rst.txt,
// about 11 MB in 512 files of technical English with code: a corpus far from Austen's and the
// Bible's, for mixture and transfer experiments. Each file is one document, in sorted path order.
#pragma once
#include "core/status.h"
#include "data/corpus.h"

namespace sl {
// `root` is searched for python3.*/html/_sources (the highest version wins). None is an error
// naming the Debian package to install.
absl::StatusOr<Corpus> pydoc_corpus(const std::string& root = "/usr/share/doc");
}  // namespace sl
