// Flat parameter and gradient storage: every parameter becomes a view into one contiguous buffer,
// and every gradient a view into another, decayed parameters first. The optimizer, clipping and
// zeroing then run as a handful of vectorised ops over two buffers instead of loops over ~10
// n_layer tensors.
//
// Three layouts. kAdamW (today's, every checkpoint's): [matrices (decayed)][gains and biases].
// kMuon: [hidden matrices (Muon)][other matrices: embeddings, lm_head][gains and biases], so Muon
// owns the first n_muon entries and AdamW runs unchanged over the rest (FlatParams::adamw_part).
// kHiddenFirst: kMuon's order with AdamW over all of it, so muP's hidden learning rate is one
// segment, params[0 : n_hidden] (train/adamw.h).
// Hidden matrices are the 2-D weights inside the transformer blocks (attention and MLP).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace sl {
// One Muon matrix: params[offset : offset + rows * cols] viewed as (rows, cols), row-major, as
// torch::nn::Linear stores its weight (out_features, in_features).
struct FlatMatrix {
  std::string name;  // the module's parameter name ("blocks.0.mlp.c_fc.weight")
  int64_t offset = 0, rows = 0, cols = 0;
};

enum class FlatLayout { kAdamW, kMuon, kHiddenFirst };

struct FlatParams {
  torch::Tensor params;   // (P) float32, on the model's device
  torch::Tensor grads;    // (P) float32; autograd accumulates into it in place
  int64_t n_decayed = 0;  // params[0 : n_decayed] get weight decay
  int64_t n_muon = 0;     // kMuon: params[0 : n_muon] are the hidden matrices (0 otherwise)
  int64_t n_hidden = 0;   // kMuon, kHiddenFirst: params[0 : n_hidden] are the hidden matrices
  std::vector<FlatMatrix> muon_matrices;  // kMuon: the hidden matrices, in buffer order
  torch::Tensor decayed() const { return params.narrow(0, 0, n_decayed); }
  // params[n_muon : P] and its gradients as a FlatParams of their own (the whole buffer under
  // kAdamW): what AdamW updates.
  FlatParams adamw_part() const;
};

// True for the parameters Muon updates: 2-D weights inside the transformer blocks ("blocks.").
bool is_hidden_matrix(const std::string& name, const torch::Tensor& p);

// Moves the module's parameters into flat storage (values unchanged) in `layout`'s order. Decayed =
// matrices (dim >= 2).
FlatParams flatten_parameters(torch::nn::Module& module, FlatLayout layout = FlatLayout::kAdamW);
}  // namespace sl
