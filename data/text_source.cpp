// text_corpus: a file or a directory tree of text files, in sorted order.
#include "data/text_source.h"

#include <algorithm>
#include <filesystem>

#include "core/files.h"

namespace fs = std::filesystem;

namespace sl {
namespace {
bool is_hidden(const fs::path& relative) {
  for (const auto& part : relative)
    if (!part.empty() && part.string()[0] == '.' && part != "." && part != "..") return true;
  return false;
}

absl::StatusOr<Document> read_document(const fs::path& file, const std::string& name) {
  SL_ASSIGN_OR_RETURN(std::string text, read_file(file.string()));
  if (text.find('\0') != std::string::npos)
    return absl::InvalidArgumentError(absl::StrCat(
        file.string(), " contains NUL bytes and is not a text file: remove it from the source"));
  return Document{name, std::move(text)};
}

std::string name_of(const fs::path& path) {
  fs::path p = path.lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return fs::is_directory(p) ? p.filename().string() : p.stem().string();
}
}  // namespace

absl::StatusOr<Corpus> text_corpus(const std::string& path) {
  std::error_code ec;
  fs::path root(path);
  if (!fs::exists(root, ec))
    return absl::NotFoundError(absl::StrCat(
        "source ", path, " not found: give a text file, a directory of text files, `brown` or ",
        "`synthetic:markov`"));
  Corpus corpus;
  corpus.source = path;
  corpus.name = name_of(root);
  if (!fs::is_directory(root)) {
    SL_ASSIGN_OR_RETURN(Document doc, read_document(root, root.filename().string()));
    corpus.documents.push_back(std::move(doc));
  } else {
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      fs::path relative = fs::relative(it->path(), root);
      if (is_hidden(relative)) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) files.push_back(relative);
    }
    if (ec) return absl::InternalError(absl::StrCat("cannot list ", path, ": ", ec.message()));
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
      return a.generic_string() < b.generic_string();
    });
    for (const auto& relative : files) {
      SL_ASSIGN_OR_RETURN(Document doc, read_document(root / relative, relative.generic_string()));
      corpus.documents.push_back(std::move(doc));
    }
  }
  size_t bytes = 0;
  for (const auto& d : corpus.documents) bytes += d.text.size();
  if (bytes == 0)
    return absl::InvalidArgumentError(
        absl::StrCat("source ", path, " holds no text (no non-empty, non-hidden files)"));
  return corpus;
}
}  // namespace sl
