// Fuzzes the sweep spec reader (sweeps/spec_parse.h) with `scalelab sweep SPEC KEY=VALUE` overrides
// (input: the spec's text, then optionally "\n%%\n" and one override per line). A base config
// "base.yaml" stands beside the spec, so `base: base.yaml` reaches the train config reader too.
#include "fuzz_util.h"
#include "sweeps/spec_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sl;
  static const std::string base = fuzz::scratch_file(
      "base.yaml",
      "model: {n_layer: 2, d_model: 32, n_head: 2, ctx: 32}\ndata: {path: out/data/austen}\n"
      "train: {tokens: 1M, batch_size: 8}\n");
  (void)base;
  const fuzz::TextAndLines in = fuzz::split_text_and_lines(data, size);
  const std::string path = fuzz::scratch_file("spec.yaml", in.text);
  auto spec = parse_sweep_spec(in.text, path, in.lines);
  if (!spec.ok()) fuzz::require_clear_error(spec.status(), "spec.yaml");
  return 0;
}
