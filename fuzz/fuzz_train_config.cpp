// Fuzzes `scalelab train`'s config reader: a YAML file plus dotted overrides (input: the file's
// text, then optionally "\n%%\n" and one override per line). Anything accepted must survive the
// round trip every run directory relies on: written as config.yaml and read back, the same run id.
#include "fuzz_util.h"
#include "train/train_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sl;
  const fuzz::TextAndLines in = fuzz::split_text_and_lines(data, size);
  const std::string path = fuzz::scratch_file("config.yaml", in.text);
  auto cfg = load_train_config(path, in.lines);
  if (!cfg.ok()) {
    fuzz::require_clear_error(cfg.status(), path);
    return 0;
  }
  const std::string stored = fuzz::scratch_file("stored.yaml", train_config_to_yaml(*cfg));
  auto again = load_train_config(stored);
  if (!again.ok() || run_id(*again) != run_id(*cfg)) {
    std::fprintf(
        stderr, "config.yaml does not read back as the same run: %s\n",
        again.ok() ? run_id(*again).c_str() : std::string(again.status().message()).c_str());
    std::abort();
  }
  return 0;
}
