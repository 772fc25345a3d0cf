// `prepare --mix`: generated probe-task text (probes/tasks/probe_mix.h) mixed into a corpus.
#pragma once
#include "core/status.h"
#include "data/corpus.h"
#include "probes/tasks/probe_mix.h"

namespace sl {
// Adds generated documents to `corpus` so they make up spec.fraction of its bytes, spread evenly
// between the corpus's own documents; appends "+mix(tasks;fraction;seed)" to corpus->source and
// "-mix" to its name.
absl::Status mix_probe_tasks(const ProbeMixSpec& spec, Corpus* corpus);
}  // namespace sl
