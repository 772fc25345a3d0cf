#include "train/memory_check.h"

#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/format.h"
#include "core/machine.h"
#include "model/accounting.h"

namespace sl {
namespace {
// float32 values a token keeps for the backward pass: per block its input, the two LayerNorm
// outputs, q/k/v, the attention output and the residual sum (about 8 d_model) and the MLP's hidden
// layer before and after GELU (2 d_ff; 3 d_ff under SwiGLU: gate, up and their product); then the
// final LayerNorm and the logits with their softmax. The fused attention keeps no ctx x ctx matrix.
// A floor: autograd keeps some more (RoPE's and QK-norm's rotated copies of q and k among it).
double activation_floats_per_token(const GptConfig& c) {
  const double d = c.d_model, ff = c.ff();
  return c.n_layer * (8 * d + (c.swiglu() ? 3 : 2) * ff) + 2 * d + 2.0 * c.vocab;
}

// "1.54G"; beyond T in powers of ten ("1e+15"), not "1e+03T".
std::string count(double v) { return v >= 1e15 ? absl::StrFormat("%.3g", v) : format_si(v); }
std::string bytes(double b) {
  return b >= 1e15 ? absl::StrFormat("%.3g bytes", b) : format_si(b) + "B";
}

bool fits(const TrainConfig& c, double memory_bytes) {
  return training_memory(c).total() <= memory_bytes;
}

// The largest value in [lo, hi] of a setting for which `ok` holds (ok is monotone), or lo - 1.
template <typename F>
int64_t largest(int64_t lo, int64_t hi, F ok) {
  if (!ok(lo)) return lo - 1;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (ok(mid))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}
}  // namespace

TrainingMemory training_memory(const TrainConfig& c) {
  TrainingMemory m;
  m.params = count_params_approx(c.model).total;  // may exceed an int64
  m.state_bytes = 16 * m.params;
  m.activation_bytes =
      4.0 * c.train.batch_size * c.model.ctx * activation_floats_per_token(c.model);
  return m;
}

std::optional<KeyError> memory_misfit(const TrainConfig& c, double memory_bytes) {
  const TrainingMemory need = training_memory(c);
  if (need.total() <= memory_bytes) return std::nullopt;
  const GptConfig& m = c.model;
  const std::string estimate = absl::StrFormat(
      "training needs at least %s (%s parameters x 16 bytes for float32 weights, gradients and "
      "AdamW's two "
      "moments, plus %s of activations for train.batch_size %d x model.ctx %d tokens), more than "
      "the %s of "
      "memory this machine has (enough for the training state of %s parameters at most)",
      bytes(need.total()), count(need.params), bytes(need.activation_bytes), c.train.batch_size,
      m.ctx, bytes(memory_bytes), count(memory_bytes / 16));

  // What fits when one setting alone is lowered; the key to change is the one that needs the
  // smallest relative change (1e6 for d_model -> 8016 is the width, a batch of 1e6 -> 123415 is the
  // batch).
  struct Knob {
    const char* key;
    int64_t current, step;  // values tried: multiples of step up to current
    std::function<void(TrainConfig&, int64_t)> set;
    std::string note;
  };
  const int64_t heads = std::max(1, m.n_head);
  std::vector<Knob> knobs{
      {"model.d_model", m.d_model, heads,
       [](TrainConfig& t, int64_t v) { t.model.d_model = static_cast<int>(v); },
       absl::StrFormat("; a multiple of n_head %d", heads)},
      {"model.n_layer", m.n_layer, 1,
       [](TrainConfig& t, int64_t v) { t.model.n_layer = static_cast<int>(v); }, ""},
      {"train.batch_size", c.train.batch_size, 1,
       [](TrainConfig& t, int64_t v) { t.train.batch_size = static_cast<int>(v); },
       "; raise train.grad_accum to keep the tokens per step"},
      {"model.ctx", m.ctx, 1, [](TrainConfig& t, int64_t v) { t.model.ctx = static_cast<int>(v); },
       ""},
      {"model.vocab", m.vocab, 1,
       [](TrainConfig& t, int64_t v) { t.model.vocab = static_cast<int>(v); },
       "; if the data's vocabulary is that small"},
  };
  if (m.d_ff > 0) {
    knobs.push_back({"model.d_ff", m.d_ff, 1,
                     [](TrainConfig& t, int64_t v) { t.model.d_ff = static_cast<int>(v); }, ""});
  }
  std::vector<std::string> fixes;
  const char* blame = "model.d_model";
  double best_ratio = 0;
  for (const Knob& k : knobs) {
    const int64_t units = largest(1, std::max<int64_t>(1, k.current / k.step), [&](int64_t v) {
      TrainConfig t = c;
      k.set(t, v * k.step);
      return fits(t, memory_bytes);
    });
    if (units < 1) continue;
    const int64_t value = units * k.step;
    TrainConfig t = c;
    k.set(t, value);
    fixes.push_back(absl::StrFormat("%s %d (%s parameters%s)", k.key, value,
                                    count(training_memory(t).params), k.note));
    const double ratio = static_cast<double>(value) / static_cast<double>(k.current);
    if (ratio > best_ratio) {
      best_ratio = ratio;
      blame = k.key;
    }
  }
  if (fixes.empty()) {
    return KeyError{
        blame, absl::StrCat(estimate,
                            "; lowering model.d_model, model.n_layer, train.batch_size, "
                            "model.ctx or model.vocab alone does not make it fit: shrink several")};
  }
  return KeyError{blame, absl::StrCat(estimate, "; it fits with ", absl::StrJoin(fixes, ", or "))};
}

std::optional<KeyError> check_fits_in_memory(const TrainConfig& c, const std::string& device) {
  const std::string& d = device.empty() ? c.train.device : device;
  if (d == "cuda") return std::nullopt;  // the GPU's memory, not the host's: see the header
  if (d == "auto") {
    static const bool cuda = torch::cuda::is_available();
    if (cuda) return std::nullopt;
  }
  const double memory = static_cast<double>(physical_memory_bytes());
  if (memory <= 0) return std::nullopt;  // unknown: nothing to compare with
  return memory_misfit(c, memory);
}
}  // namespace sl
