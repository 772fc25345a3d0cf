// The training mixture: generated probe-task text mixed into a corpus at a fraction of its bytes.
// Only train-split problems are written (probe_tasks.h), so evaluation instances never occur in the
// training text. Each instance is written as its full text (prompt + completion, so a document is a
// run of "\n<shots><query><completion>" blocks); task, difficulty, template and (for icl_map) shot
// count are drawn uniformly from the task's lists.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace sl {
struct ProbeMixSpec {
  std::vector<std::string> tasks;  // task names or families (resolve_probe_tasks)
  double fraction = 0.1;           // share of the mixed corpus's bytes that is task text, in (0, 1)
  uint64_t seed = 1;               // seeds the generated instances
  int64_t document_bytes = 4096;   // generated text is cut into documents of about this size
};

// The spec's fraction and document size checked (for `prepare --mix`).
absl::Status check_probe_mix_spec(const ProbeMixSpec& spec);

// Generated documents (their texts) holding about `target_bytes` bytes of train-split task text.
absl::StatusOr<std::vector<std::string>> probe_mix_documents(const ProbeMixSpec& spec,
                                                             int64_t target_bytes);
}  // namespace sl
