#include "data/corpus_mix.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sl {
absl::Status mix_probe_tasks(const ProbeMixSpec& spec, Corpus* corpus) {
  SL_RETURN_IF_ERROR(check_probe_mix_spec(spec));
  int64_t corpus_bytes = 0;
  for (const auto& d : corpus->documents) corpus_bytes += static_cast<int64_t>(d.text.size());
  const auto target =
      static_cast<int64_t>(static_cast<double>(corpus_bytes) * spec.fraction / (1 - spec.fraction));
  SL_ASSIGN_OR_RETURN(std::vector<std::string> generated,
                      probe_mix_documents(spec, std::max<int64_t>(1, target)));
  // Spread: generated document j goes after corpus document floor((j+1) * n / (m+1)).
  std::vector<Document> mixed;
  const size_t n = corpus->documents.size(), m = generated.size();
  mixed.reserve(n + m);
  size_t next = 0;
  for (size_t i = 0; i <= n; ++i) {
    while (next < m && (next + 1) * n / (m + 1) <= i) {
      mixed.push_back({absl::StrCat("probe-mix-", next), std::move(generated[next])});
      ++next;
    }
    if (i < n) mixed.push_back(std::move(corpus->documents[i]));
  }
  corpus->documents = std::move(mixed);
  corpus->source += absl::StrCat("+mix(", absl::StrJoin(spec.tasks, ","), ";", spec.fraction, ";",
                                 spec.seed, ")");
  corpus->name += "-mix";
  return absl::OkStatus();
}
}  // namespace sl
