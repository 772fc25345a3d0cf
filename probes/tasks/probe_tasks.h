// Synthetic capability tasks for probes and for mixing into a training corpus: arithmetic (addition
// and multiplication, each plain / reversed answer digits / scratchpad), in-context learning of a
// random mapping, and an induction (copy) task. Every instance is generated deterministically from
// (task, difficulty, shots, template, split, seed, index); no download.
//
// Held out by construction: each instance has a template-free `key` (the problem itself, e.g.
// "add:12,39" for 12+39 in every format and template), and hash(key) alone decides whether the
// problem belongs to the train or the eval split (is_eval_key). Eval queries are drawn only from
// eval keys; training text (probe_mix.h) and few-shot demonstrations only from train keys, so no
// eval problem is ever seen in training, under any template.
//
// Text layout: an instance's text is prompt + completion. The prompt starts with "\n", then the
// shots (solved examples, each ending in "\n"), then the query; the completion is what a correct
// model writes next, ending in "\n". The scored final answer is completion[answer_begin,
// +answer_len); in a scratchpad format the model writes its working first and the final answer
// after answer_marker.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace sl {
enum class ProbeSplit { kTrain, kEval };

struct ProbeTaskInfo {
  std::string name;    // "add", "add_rev", "add_pad", "mul", ..., "icl_map", "copy"
  std::string family;  // "arithmetic", "icl", "induction"
  std::string description;
  std::vector<int> difficulties;   // what `difficulty` means is in the description
  std::vector<int> default_shots;  // shot counts probed by default
  int templates = 3;               // prompt templates 0..templates-1
};

// Every task, in report order.
const std::vector<ProbeTaskInfo>& probe_tasks();
// The task of that name, or an error listing the known names.
absl::StatusOr<const ProbeTaskInfo*> find_probe_task(const std::string& name);
// Expands names and families ("arithmetic", "icl", "induction", "all") into task names, in order,
// without duplicates; an unknown name is an error that lists the known ones.
absl::StatusOr<std::vector<std::string>> resolve_probe_tasks(const std::vector<std::string>& names);

struct ProbeInstance {
  std::string task;
  int difficulty = 0, shots = 0, template_id = 0;
  std::string key;                          // the problem, template-free; decides the split
  std::string prompt;                       // starts with "\n"
  std::string completion;                   // ends with "\n"
  size_t answer_begin = 0, answer_len = 0;  // the final answer inside completion
  std::string
      answer_marker;  // scratchpad: the final answer follows its last occurrence; "" otherwise
  std::string answer() const { return completion.substr(answer_begin, answer_len); }
  std::string text() const { return prompt + completion; }
};

// Fraction of keys in the eval split (by hash), 1/5.
constexpr int kEvalPermille = 200;
bool is_eval_key(const std::string& key);

// Instance `index` of a probe cell. The query is drawn from `split`; shots are solved examples from
// the train split (distinct keys, same template). Errors: unknown task, difficulty or template out
// of range, negative shots, or a split too small for the requested problem (e.g. no eval key
// exists).
absl::StatusOr<ProbeInstance> make_probe_instance(const std::string& task, int difficulty,
                                                  int shots, int template_id, ProbeSplit split,
                                                  uint64_t seed, int64_t index);

// Extracts the final answer from a generated line (text up to, not including, the first "\n"):
// the text after the last answer_marker, or the whole line when there is no marker. A scratchpad
// generation without the marker has no answer ("").
std::string extract_final_answer(const std::string& generated_line,
                                 const std::string& answer_marker);

// The scratchpad working of a + b (digit sums with carries, least significant first) and of a * b
// (partial products, one per digit of b), as written in the _pad formats. Exposed for tests.
std::string addition_scratchpad(int64_t a, int64_t b);
std::string multiplication_scratchpad(int64_t a, int64_t b);
}  // namespace sl
