// Probe task generators: problems from a counter-based splitmix64 stream, rendered through
// templates. The problem stream of a cell does not depend on the template (nor, for arithmetic, on
// the format), so templates and formats are compared on the same problems.
#include "probes/tasks/probe_tasks.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/hash.h"

namespace sl {
namespace {
// Draw k of a counter-based stream: splitmix64(base + k); no state but (base, k).
class ProbeRng {
 public:
  explicit ProbeRng(uint64_t base) : base_(base) {}
  uint64_t next() { return splitmix64(base_ + 0x9e3779b97f4a7c15ull * ++count_); }
  int64_t uniform(int64_t lo, int64_t hi) {  // inclusive; the modulo bias is below 2^-40 here
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  std::string letters(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('a' + uniform(0, 25));
    return s;
  }

 private:
  uint64_t base_, count_ = 0;
};

uint64_t mix_in(uint64_t h, uint64_t v) { return splitmix64(h ^ splitmix64(v + 0x51ed27ull)); }
uint64_t mix_in(uint64_t h, const std::string& s) {
  return mix_in(h, hash_bytes(s.data(), s.size()));
}

// One solved example: prompt text (without the leading "\n") and completion (with its "\n").
struct Example {
  std::string key, query, completion;
  size_t answer_begin = 0, answer_len = 0;
  std::string marker;
};

enum class ArithFormat { kPlain, kReversed, kScratchpad };
struct ArithTask {
  bool multiply;
  ArithFormat format;
};

int64_t draw_operand(ProbeRng& rng, int digits) {
  if (digits == 1) return rng.uniform(0, 9);
  int64_t lo = 1;
  for (int i = 1; i < digits; ++i) lo *= 10;
  return rng.uniform(lo, lo * 10 - 1);
}

std::string arith_key(bool multiply, int64_t a, int64_t b) {
  return absl::StrCat(multiply ? "mul:" : "add:", a, ",", b);
}

Example render_arith(const ArithTask& t, int tmpl, int64_t a, int64_t b) {
  const char* op = t.multiply ? "*" : "+";
  const char* word = t.multiply ? "times" : "plus";
  Example e;
  e.key = arith_key(t.multiply, a, b);
  switch (tmpl) {
    case 0: e.query = absl::StrCat(a, op, b, "="); break;
    case 1: e.query = absl::StrCat(a, " ", op, " ", b, " = "); break;
    default: e.query = absl::StrCat("What is ", a, " ", word, " ", b, "? "); break;
  }
  const std::string c = std::to_string(t.multiply ? a * b : a + b);
  switch (t.format) {
    case ArithFormat::kPlain: e.completion = c; break;
    case ArithFormat::kReversed: e.completion = std::string(c.rbegin(), c.rend()); break;
    case ArithFormat::kScratchpad:
      e.marker = " => ";
      e.completion =
          (t.multiply ? multiplication_scratchpad(a, b) : addition_scratchpad(a, b)) + e.marker;
      e.answer_begin = e.completion.size();
      e.completion += c;
      break;
  }
  e.answer_len = e.completion.size() - e.answer_begin;
  e.completion += "\n";
  return e;
}

// A random function on d-letter strings, shown by k pairs with distinct keys; the query is one of
// the shown keys (so k >= 1 is solvable by looking it up in context), or an unseen pair at k = 0
// (chance level). The split is decided per pair ("icl_map:x=y"): an instance uses only pairs of its
// own split, so no eval pair is ever written in training text; the instance key is its query pair.
Example render_icl_map(ProbeRng& rng, int d, int shots, int tmpl, bool want_eval,
                       std::string* shots_text) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::set<std::string> seen;
  auto pair_key = [](const std::string& x, const std::string& y) {
    return "icl_map:" + x + "=" + y;
  };
  while (static_cast<int>(pairs.size()) < std::max(shots, 1)) {
    std::string x = rng.letters(d), y = rng.letters(d);
    if (is_eval_key(pair_key(x, y)) != want_eval || seen.count(x)) continue;
    seen.insert(x);
    pairs.emplace_back(x, y);
  }
  auto line = [tmpl](const std::string& x) {
    switch (tmpl) {
      case 0: return x + "->";
      case 1: return x + " : ";
      default: return "map " + x + " to ";
    }
  };
  const auto& q = shots > 0 ? pairs[rng.uniform(0, shots - 1)] : pairs[0];
  Example e;
  shots_text->clear();
  for (int i = 0; i < shots; ++i) *shots_text += line(pairs[i].first) + pairs[i].second + "\n";
  e.key = pair_key(q.first, q.second);
  e.query = line(q.first);
  e.completion = q.second + "\n";
  e.answer_len = q.second.size();
  return e;
}

// Induction: a random sequence, then its first four letters again; the answer is the rest of it.
Example render_copy(ProbeRng& rng, int d, int tmpl) {
  const std::string s = rng.letters(4 + 2 * d);
  const std::string prefix = s.substr(0, 4), rest = s.substr(4);
  Example e;
  e.key = "copy:" + s;
  switch (tmpl) {
    case 0: e.query = s + "|" + prefix; break;
    case 1: e.query = s + " ... " + prefix; break;
    default: e.query = "repeat " + s + ": " + prefix; break;
  }
  e.completion = rest + "\n";
  e.answer_len = rest.size();
  return e;
}

const std::vector<ProbeTaskInfo>& task_table() {
  static const std::vector<ProbeTaskInfo> tasks = [] {
    std::vector<ProbeTaskInfo> t;
    const char* fmt_names[] = {"", "_rev", "_pad"};
    const char* fmt_desc[] = {
        "answer written plainly", "answer digits reversed (least significant first)",
        "scratchpad: working written out, scored on the final answer after \" => \""};
    for (int mul = 0; mul < 2; ++mul)
      for (int f = 0; f < 3; ++f)
        t.push_back({absl::StrCat(mul ? "mul" : "add", fmt_names[f]),
                     "arithmetic",
                     absl::StrCat(mul ? "k-digit multiplication, " : "k-digit addition, ",
                                  fmt_desc[f], "; difficulty = k"),
                     mul ? std::vector<int>{1, 2, 3} : std::vector<int>{1, 2, 3, 4, 5},
                     {0},
                     3});
    t.push_back(
        {"icl_map",
         "icl",
         "a random mapping of d-letter strings shown by k pairs in the prompt, then one shown key "
         "(k = 0: an unseen key, chance level); difficulty = d",
         {1, 2},
         {0, 1, 2, 4, 8},
         3});
    t.push_back(
        {"copy",
         "induction",
         "continue a random sequence of 4+2d letters that appeared earlier in the context, given "
         "its first 4 letters; difficulty = d (answer length 2d)",
         {1, 2, 3, 4},
         {0},
         3});
    return t;
  }();
  return tasks;
}

absl::StatusOr<ArithTask> arith_task(const std::string& name) {
  ArithTask t{name.rfind("mul", 0) == 0, ArithFormat::kPlain};
  if (name.size() > 3)
    t.format = name.substr(3) == "_rev" ? ArithFormat::kReversed : ArithFormat::kScratchpad;
  return t;
}
}  // namespace

const std::vector<ProbeTaskInfo>& probe_tasks() { return task_table(); }

absl::StatusOr<const ProbeTaskInfo*> find_probe_task(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& t : task_table()) {
    if (t.name == name) return &t;
    names.push_back(t.name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown probe task \"", name, "\"; known tasks: ", absl::StrJoin(names, ", "),
                   " (or the families arithmetic, icl, induction, all)"));
}

absl::StatusOr<std::vector<std::string>> resolve_probe_tasks(
    const std::vector<std::string>& names) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& n) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  for (const std::string& n : names) {
    bool family = false;
    for (const auto& t : task_table()) {
      if (n == "all" || t.family == n) {
        add(t.name);
        family = true;
      }
    }
    if (family) continue;
    SL_ASSIGN_OR_RETURN(const ProbeTaskInfo* t, find_probe_task(n));
    add(t->name);
  }
  if (out.empty())
    return absl::InvalidArgumentError("no probe tasks given; name at least one (e.g. all)");
  return out;
}

bool is_eval_key(const std::string& key) {
  return splitmix64(hash_bytes(key.data(), key.size())) % 1000 <
         static_cast<uint64_t>(kEvalPermille);
}

std::string addition_scratchpad(int64_t a, int64_t b) {
  std::vector<std::string> steps;
  int64_t carry = 0;
  do {
    const int64_t x = a % 10, y = b % 10, s = x + y + carry;
    steps.push_back(absl::StrCat(x, "+", y, "+", carry, "=", s));
    carry = s / 10;
    a /= 10;
    b /= 10;
  } while (a > 0 || b > 0);
  return absl::StrJoin(steps, ",");
}

std::string multiplication_scratchpad(int64_t a, int64_t b) {
  std::vector<std::string> steps;
  int64_t place = 1;
  do {
    const int64_t part = (b % 10) * place;
    steps.push_back(absl::StrCat(a, "*", part, "=", a * part));
    b /= 10;
    place *= 10;
  } while (b > 0);
  return absl::StrJoin(steps, ",");
}

std::string extract_final_answer(const std::string& generated, const std::string& marker) {
  const std::string line = generated.substr(0, generated.find('\n'));
  if (marker.empty()) return line;
  const size_t at = line.rfind(marker);
  return at == std::string::npos ? "" : line.substr(at + marker.size());
}

absl::StatusOr<ProbeInstance> make_probe_instance(const std::string& task, int difficulty,
                                                  int shots, int template_id, ProbeSplit split,
                                                  uint64_t seed, int64_t index) {
  SL_ASSIGN_OR_RETURN(const ProbeTaskInfo* info, find_probe_task(task));
  if (std::find(info->difficulties.begin(), info->difficulties.end(), difficulty) ==
      info->difficulties.end())
    return absl::InvalidArgumentError(absl::StrCat("task ", task, " has no difficulty ", difficulty,
                                                   "; its difficulties are ",
                                                   absl::StrJoin(info->difficulties, ", ")));
  if (template_id < 0 || template_id >= info->templates)
    return absl::InvalidArgumentError(absl::StrCat("task ", task, " has templates 0..",
                                                   info->templates - 1, ", not ", template_id));
  if (shots < 0) return absl::InvalidArgumentError(absl::StrCat("shots must be >= 0, got ", shots));
  const bool want_eval = split == ProbeSplit::kEval;
  // The problem stream ignores the template (and the arithmetic format): cells differing only in
  // those see the same problems.
  const std::string problem_family = info->family == "arithmetic" ? task.substr(0, 3) : task;
  uint64_t base = mix_in(mix_in(mix_in(mix_in(seed, problem_family), difficulty), shots), index);
  base = mix_in(base, want_eval ? 1 : 2);
  ProbeRng rng(base);
  constexpr int kMaxTries = 100000;

  ProbeInstance inst;
  inst.task = task;
  inst.difficulty = difficulty;
  inst.shots = shots;
  inst.template_id = template_id;
  std::string shots_text;
  Example q;
  bool found = false;
  if (info->family == "arithmetic") {
    SL_ASSIGN_OR_RETURN(ArithTask at, arith_task(task));
    std::set<std::string> used;
    auto draw = [&](bool eval_wanted, Example* out) {
      for (int i = 0; i < kMaxTries; ++i) {
        const int64_t a = draw_operand(rng, difficulty), b = draw_operand(rng, difficulty);
        const std::string key = arith_key(at.multiply, a, b);
        if (is_eval_key(key) != eval_wanted || used.count(key)) continue;
        used.insert(key);
        *out = render_arith(at, template_id, a, b);
        return true;
      }
      return false;
    };
    found = draw(want_eval, &q);
    for (int i = 0; found && i < shots; ++i) {
      Example s;
      if (!draw(false, &s))
        return absl::InvalidArgumentError(absl::StrCat("task ", task, " difficulty ", difficulty,
                                                       " has too few "
                                                       "distinct train problems for ",
                                                       shots, " shots"));
      shots_text += s.query + s.completion;
    }
  } else {
    for (int i = 0; i < kMaxTries && !found; ++i) {
      q = info->name == "copy"
              ? render_copy(rng, difficulty, template_id)
              : render_icl_map(rng, difficulty, shots, template_id, want_eval, &shots_text);
      found = is_eval_key(q.key) == want_eval;
    }
    if (found && info->name == "copy") {
      std::set<std::string> used{q.key};
      for (int i = 0; i < shots;) {
        Example s = render_copy(rng, difficulty, template_id);
        if (is_eval_key(s.key) || !used.insert(s.key).second) continue;
        shots_text += s.query + s.completion;
        ++i;
      }
    }
  }
  if (!found)
    return absl::InternalError(absl::StrCat("task ", task, " difficulty ", difficulty, ": no ",
                                            want_eval ? "eval" : "train", " problem found in ",
                                            kMaxTries, " draws"));
  inst.key = q.key;
  inst.prompt = "\n" + shots_text + q.query;
  inst.completion = q.completion;
  inst.answer_begin = q.answer_begin;
  inst.answer_len = q.answer_len;
  inst.answer_marker = q.marker;
  return inst;
}
}  // namespace sl
