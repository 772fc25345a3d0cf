// Mixing generated task text into a corpus (see probe_mix.h).
#include "probes/tasks/probe_mix.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/hash.h"
#include "probes/tasks/probe_tasks.h"

namespace sl {
absl::StatusOr<std::vector<std::string>> probe_mix_documents(const ProbeMixSpec& spec,
                                                             int64_t target_bytes) {
  SL_ASSIGN_OR_RETURN(std::vector<std::string> names, resolve_probe_tasks(spec.tasks));
  std::vector<const ProbeTaskInfo*> tasks;
  for (const auto& n : names) {
    SL_ASSIGN_OR_RETURN(const ProbeTaskInfo* t, find_probe_task(n));
    tasks.push_back(t);
  }
  std::vector<std::string> docs;
  std::string text;
  int64_t written = 0;
  for (int64_t i = 0; written < target_bytes; ++i) {
    const uint64_t r = splitmix64(spec.seed * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(i));
    const ProbeTaskInfo& t = *tasks[r % tasks.size()];
    const int difficulty = t.difficulties[(r >> 16) % t.difficulties.size()];
    const int tmpl = static_cast<int>((r >> 32) % static_cast<uint64_t>(t.templates));
    const int shots = t.family == "icl" ? t.default_shots[(r >> 48) % t.default_shots.size()] : 0;
    SL_ASSIGN_OR_RETURN(ProbeInstance inst,
                        make_probe_instance(t.name, difficulty, shots, tmpl, ProbeSplit::kTrain,
                                            spec.seed ^ 0x6d6978ull, i));  // "mix"
    text += inst.text();
    written += static_cast<int64_t>(inst.text().size());
    if (static_cast<int64_t>(text.size()) >= spec.document_bytes || written >= target_bytes) {
      docs.push_back(std::move(text));
      text.clear();
    }
  }
  return docs;
}

absl::Status check_probe_mix_spec(const ProbeMixSpec& spec) {
  if (!(spec.fraction > 0 && spec.fraction < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--mix-fraction must be in (0, 1), got ", spec.fraction));
  }
  if (spec.document_bytes < 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("mix document size must be >= 64 bytes, got ", spec.document_bytes));
  }
  return absl::OkStatus();
}
}  // namespace sl
