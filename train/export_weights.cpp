#include "train/export_weights.h"

#include <set>

#include "core/files.h"
#include "core/safetensors.h"
#include "model/nanogpt_layout.h"

namespace sl {
// safetensors stores little-endian bytes; the tensors are written as they lie in memory.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "export_weights assumes little-endian");

absl::StatusOr<WeightsExport> export_weights_safetensors(const LoadedRun& run,
                                                         const std::string& path) {
  const std::vector<NamedTensor> named = nanogpt_state_dict(*run.model);
  WeightsExport out;
  std::set<const void*> covered;
  std::vector<torch::Tensor> host;  // float32, contiguous, on the CPU: alive until written
  std::vector<SafetensorsTensor> tensors;
  for (const auto& t : named) {
    covered.insert(t.value.data_ptr());
    host.push_back(t.value.detach().to(torch::kCPU, torch::kFloat).contiguous());
  }
  for (const auto& p : run.model->parameters()) {
    out.parameters += p.numel();
    if (!covered.count(p.data_ptr())) {
      return absl::InternalError("nanogpt_state_dict misses a parameter of the model");
    }
  }
  for (size_t i = 0; i < named.size(); ++i) {
    const torch::Tensor& h = host[i];
    tensors.push_back({named[i].name, "F32", h.sizes().vec(), h.data_ptr(),
                       static_cast<size_t>(h.numel()) * sizeof(float)});
  }
  std::map<std::string, std::string> metadata = nanogpt_config_metadata(run.cfg.model);
  metadata["format"] = "pt";
  metadata["layout"] = "nanogpt";
  metadata["step"] = std::to_string(run.step);
  SL_ASSIGN_OR_RETURN(std::string bytes, encode_safetensors(tensors, metadata));
  SL_RETURN_IF_ERROR(write_file_atomic(path, bytes));
  out.path = path;
  out.tensors = static_cast<int64_t>(tensors.size());
  out.bytes = static_cast<int64_t>(bytes.size());
  out.step = run.step;
  out.gaps = nanogpt_model_py_gaps(run.cfg.model);
  return out;
}

absl::StatusOr<torch::Tensor> run_logits(LoadedRun& run, const std::vector<int64_t>& tokens) {
  const GptConfig& c = run.cfg.model;
  if (tokens.empty() || static_cast<int64_t>(tokens.size()) > c.ctx) {
    return absl::InvalidArgumentError(
        absl::StrCat("give 1 to model.ctx = ", c.ctx, " token ids, not ", tokens.size()));
  }
  for (int64_t t : tokens) {
    if (t < 0 || t >= c.vocab) {
      return absl::InvalidArgumentError(
          absl::StrCat("token id ", t, " is outside the model's vocabulary [0, ", c.vocab, ")"));
    }
  }
  torch::NoGradGuard no_grad;
  auto idx = torch::tensor(tokens, torch::kLong).view({1, static_cast<int64_t>(tokens.size())});
  return run.model->forward(idx).squeeze(0).to(torch::kFloat).contiguous();
}
}  // namespace sl
