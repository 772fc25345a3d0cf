// austen_corpus: Rscript writes janeaustenr's character vectors to text files (once, cached).
#include "data/austen_source.h"

#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "absl/strings/str_join.h"
#include "core/files.h"
#include "core/log.h"
#include "core/subprocess.h"

namespace fs = std::filesystem;

namespace sl {
namespace {
constexpr const char* kCacheName = "janeaustenr";

// Run with the output directory as its argument; one file per novel, one element per line.
constexpr const char* kExportScript = R"R(
out <- commandArgs(TRUE)[1]
for (b in strsplit(commandArgs(TRUE)[2], ",")[[1]]) {
  e <- new.env()
  data(list = b, package = "janeaustenr", envir = e)
  writeLines(e[[b]], file.path(out, paste0(b, ".txt")), useBytes = TRUE)
}
)R";

bool all_books_present(const fs::path& dir) {
  for (const auto& b : austen_books())
    if (!fs::is_regular_file(dir / (b + ".txt"))) return false;
  return true;
}

absl::StatusOr<fs::path> ensure_austen_texts(const std::string& cache_dir) {
  const fs::path dir = fs::path(cache_dir) / kCacheName;
  if (all_books_present(dir)) return dir;
  SL_RETURN_IF_ERROR(ensure_writable_dir(cache_dir));
  const std::string install_hint =
      "install Debian's r-base-core and r-cran-janeaustenr (apt-get install "
      "--no-install-recommends "
      "r-base-core r-cran-janeaustenr; scripts/setup.sh does this), or pass your own text with "
      "--source PATH";
  if (!program_on_path("Rscript"))
    return absl::FailedPreconditionError(absl::StrCat(
        "the austen source is written out with Rscript, which is not on PATH: ", install_hint));
  // Written into a private directory and renamed into place: concurrent prepares (parallel tests)
  // never read a half-written novel.
  const std::string pid = std::to_string(getpid());
  const fs::path staging = fs::path(cache_dir) / (std::string(kCacheName) + ".writing-" + pid);
  const std::string log_path =
      (fs::path(cache_dir) / (std::string(kCacheName) + ".log-" + pid)).string();
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  log::info(absl::StrCat("writing Jane Austen's novels (janeaustenr) into ", dir.string()));
  const int rc = run_program({"Rscript", "--vanilla", "-e", kExportScript, staging.string(),
                              absl::StrJoin(austen_books(), ",")},
                             log_path);
  if (rc != 0 || !all_books_present(staging)) {
    const std::string said = log_tail(log_path);
    fs::remove_all(staging, ec);
    fs::remove(log_path, ec);
    return absl::FailedPreconditionError(
        absl::StrCat("Rscript could not write the janeaustenr novels (exit ", rc,
                     "): ", install_hint, ". R said: ", said));
  }
  fs::remove(log_path, ec);
  fs::rename(staging, dir, ec);
  if (ec) {
    fs::remove_all(staging, ec);
    if (all_books_present(dir)) return dir;  // a concurrent prepare finished first
    return absl::InternalError(
        absl::StrCat("cannot move ", staging.string(), " to ", dir.string()));
  }
  return dir;
}
}  // namespace

const std::vector<std::string>& austen_books() {
  static const std::vector<std::string> books = {"sensesensibility", "prideprejudice",
                                                 "mansfieldpark",    "emma",
                                                 "northangerabbey",  "persuasion"};
  return books;
}

std::string unwrap_paragraphs(const std::vector<std::string>& lines) {
  std::string text, paragraph;
  auto flush = [&]() {
    if (paragraph.empty()) return;
    text += paragraph;
    text += '\n';
    paragraph.clear();
  };
  for (std::string line : lines) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t'))
      line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) {
      flush();
      continue;
    }
    if (!paragraph.empty()) paragraph += ' ';
    paragraph += line.substr(start);
  }
  flush();
  return text;
}

absl::StatusOr<Corpus> austen_corpus(const std::string& cache_dir) {
  SL_ASSIGN_OR_RETURN(fs::path dir, ensure_austen_texts(cache_dir));
  Corpus corpus;
  corpus.source = "austen";
  corpus.name = "austen";
  for (const auto& book : austen_books()) {
    SL_ASSIGN_OR_RETURN(std::string raw, read_file((dir / (book + ".txt")).string()));
    std::vector<std::string> lines;
    std::istringstream in(raw);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    corpus.documents.push_back({book, unwrap_paragraphs(lines)});
  }
  return corpus;
}
}  // namespace sl
