// Mixing generated task text into a corpus (see probe_mix.h).
#include "data/probe_mix.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "data/probe_tasks.h"
#include "data/window_sampler.h"

namespace sl {
absl::StatusOr<std::vector<Document>> probe_mix_documents(const ProbeMixSpec& spec,
                                                          int64_t target_bytes) {
  SL_ASSIGN_OR_RETURN(std::vector<std::string> names, resolve_probe_tasks(spec.tasks));
  std::vector<const ProbeTaskInfo*> tasks;
  for (const auto& n : names) {
    SL_ASSIGN_OR_RETURN(const ProbeTaskInfo* t, find_probe_task(n));
    tasks.push_back(t);
  }
  std::vector<Document> docs;
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
      docs.push_back({absl::StrCat("probe-mix-", docs.size()), std::move(text)});
      text.clear();
    }
  }
  return docs;
}

absl::Status mix_probe_tasks(const ProbeMixSpec& spec, Corpus* corpus) {
  if (!(spec.fraction > 0 && spec.fraction < 1))
    return absl::InvalidArgumentError(
        absl::StrCat("--mix-fraction must be in (0, 1), got ", spec.fraction));
  if (spec.document_bytes < 64)
    return absl::InvalidArgumentError(
        absl::StrCat("mix document size must be >= 64 bytes, got ", spec.document_bytes));
  int64_t corpus_bytes = 0;
  for (const auto& d : corpus->documents) corpus_bytes += static_cast<int64_t>(d.text.size());
  const auto target =
      static_cast<int64_t>(static_cast<double>(corpus_bytes) * spec.fraction / (1 - spec.fraction));
  SL_ASSIGN_OR_RETURN(std::vector<Document> generated,
                      probe_mix_documents(spec, std::max<int64_t>(1, target)));
  // Spread: generated document j goes after corpus document floor((j+1) * n / (m+1)).
  std::vector<Document> mixed;
  const size_t n = corpus->documents.size(), m = generated.size();
  mixed.reserve(n + m);
  size_t next = 0;
  for (size_t i = 0; i <= n; ++i) {
    while (next < m && (next + 1) * n / (m + 1) <= i) mixed.push_back(std::move(generated[next++]));
    if (i < n) mixed.push_back(std::move(corpus->documents[i]));
  }
  corpus->documents = std::move(mixed);
  corpus->source += absl::StrCat("+mix(", absl::StrJoin(spec.tasks, ","), ";", spec.fraction, ";",
                                 spec.seed, ")");
  corpus->name += "-mix";
  return absl::OkStatus();
}
}  // namespace sl
