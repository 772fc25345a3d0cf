#include "core/run_paths.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace sl {
namespace fs = std::filesystem;

std::string RunPaths::file(const std::string& name) const {
  return (fs::path(dir) / name).string();
}

std::string RunPaths::snapshot(int64_t step) const {
  return file(absl::StrCat("checkpoint-step", step, ".bin"));
}

const std::vector<std::string>& RunPaths::train_file_names() {
  static const std::vector<std::string> names{"config.yaml", "metrics.jsonl", "probes.jsonl",
                                              "checkpoint.bin", "summary.json"};
  return names;
}

std::string SweepPaths::file(const std::string& name) const {
  return (fs::path(dir) / name).string();
}

RunPaths SweepPaths::run(const std::string& run_id) const {
  return RunPaths((fs::path(runs()) / run_id).string());
}

std::string sweep_runs_dir(const std::string& sweep_dir) { return SweepPaths(sweep_dir).runs(); }

RunPaths sweep_run(const std::string& sweep_dir, const std::string& run_id) {
  return SweepPaths(sweep_dir).run(run_id);
}

absl::StatusOr<std::vector<std::string>> run_dirs_of(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(RunPaths(dir).config(), ec)) return std::vector<std::string>{dir};
  std::vector<std::string> out;
  // A sweep's runs/<id>, else the run directories right below (out/runs of `scalelab train`).
  for (const fs::path& parent : {fs::path(sweep_runs_dir(dir)), fs::path(dir)}) {
    if (!fs::is_directory(parent, ec)) continue;
    for (const auto& e : fs::directory_iterator(parent, ec))
      if (e.is_directory() && fs::exists(RunPaths(e.path().string()).config(), ec))
        out.push_back(e.path().string());
    if (!out.empty()) break;
  }
  if (out.empty()) {
    return absl::NotFoundError(
        absl::StrCat(dir,
                     " is neither a run directory (no config.yaml), a sweep directory with runs "
                     "(no runs/*/config.yaml) nor a directory of runs (no */config.yaml)"));
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace sl
