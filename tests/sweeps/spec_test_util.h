// The base every spec test starts from: tiny models (ctx 16), a data path that is never opened
// (the tests expand with check_data off), CPU.
#pragma once

namespace sl::testing {
inline const char* kSpecBase = R"(name: t
base:
  model: {ctx: 16, vocab: 256}
  data: {path: /nonexistent}
  optim: {lr: 1e-3}
  train: {batch_size: 4, device: cpu}
)";
}  // namespace sl::testing
