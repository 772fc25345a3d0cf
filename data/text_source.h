// Text files as a corpus: one file is one document; a directory contributes every regular file
// under it (recursively, hidden entries skipped), sorted by relative path so the order never
// depends on the file system. A file containing a NUL byte is rejected as not text.
#pragma once
#include <string>

#include "core/status.h"
#include "data/corpus.h"

namespace sl {
absl::StatusOr<Corpus> text_corpus(const std::string& path);
}  // namespace sl
