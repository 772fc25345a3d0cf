// Flat parameter and gradient storage: every parameter becomes a view into one contiguous buffer,
// and every gradient a view into another, decayed parameters first. The optimizer, clipping and
// zeroing then run as a handful of vectorised ops over two buffers instead of loops over ~10
// n_layer tensors.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace sl {
struct FlatParams {
  torch::Tensor params;   // (P) float32, on the model's device
  torch::Tensor grads;    // (P) float32; autograd accumulates into it in place
  int64_t n_decayed = 0;  // params[0 : n_decayed] get weight decay
  torch::Tensor decayed() const { return params.narrow(0, 0, n_decayed); }
};

// Moves the module's parameters into flat storage (values unchanged). Decayed = matrices (dim >=
// 2).
FlatParams flatten_parameters(torch::nn::Module& module);
}  // namespace sl
