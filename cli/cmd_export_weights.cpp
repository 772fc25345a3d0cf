// `scalelab export-weights RUN_DIR [--out FILE] [--format safetensors] [--logits-for IDS]`: the
// run's checkpoint as a safetensors file in nanoGPT's layout (train/export_weights.h). With
// --logits-for, stdout is one JSON object, the model's logits for those ids, so that a loader of the
// file can check itself against scalelab; the "wrote" line then goes to stderr.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/exit_codes.h"
#include "core/format.h"
#include "core/run_paths.h"
#include "nlohmann/json.hpp"
#include "train/export_weights.h"

namespace {
struct ExportWeightsOptions {
  std::string run_dir;
  std::string out;  // default RUN_DIR/model.safetensors
  std::string format = "safetensors";
  std::vector<int64_t> logits_for;
};

void add_export_weights_command(CLI::App& app) {
  auto o = std::make_shared<ExportWeightsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "export-weights", "Write a run's weights as safetensors in nanoGPT's state-dict layout");
  cmd->add_option("RUN_DIR", o->run_dir, "Run directory (holds config.yaml and checkpoint.bin)")
      ->required();
  cmd->add_option("--out", o->out, "Output file (default RUN_DIR/model.safetensors)");
  cmd->add_option("--format", o->format, "Weights format")
      ->check(CLI::IsMember({"safetensors"}))
      ->capture_default_str();
  cmd->add_option("--logits-for", o->logits_for,
                  "Comma-separated token ids: also print the model's logits for them as JSON "
                  "{\"step\", \"tokens\", \"logits\": T rows of vocab floats} on stdout")
      ->delimiter(',');
  cmd->callback([o] {
    auto run = sl::load_run_for_eval(o->run_dir);
    if (!run.ok()) {
      std::cerr << "error: " << run.status().message() << "\n";
      sl::cli::exit_code() = sl::kExitFailed;
      return;
    }
    torch::Tensor logits;
    if (!o->logits_for.empty()) {
      auto l = sl::run_logits(*run, o->logits_for);
      if (!l.ok()) {
        std::cerr << "error: --logits-for: " << l.status().message() << "\n";
        sl::cli::exit_code() = sl::kExitUsage;
        return;
      }
      logits = *l;
    }
    const std::string out = o->out.empty() ? sl::RunPaths(o->run_dir).weights() : o->out;
    auto r = sl::export_weights_safetensors(*run, out);
    if (!r.ok()) {
      std::cerr << "error: " << r.status().message() << "\n";
      sl::cli::exit_code() = sl::kExitFailed;
      return;
    }
    std::ostream& say = logits.defined() ? std::cerr : std::cout;
    say << "wrote " << r->path << ": " << r->tensors << " float32 tensors in nanoGPT's layout, "
        << sl::format_si(static_cast<double>(r->parameters)) << " parameters, "
        << sl::format_si(static_cast<double>(r->bytes)) << "B, step " << r->step << "\n";
    for (const auto& gap : r->gaps) {
      std::cerr << "note: nanoGPT's model.py cannot load this model as it is: " << gap << "\n";
    }
    if (logits.defined()) {
      const int64_t T = logits.size(0), V = logits.size(1);
      const float* p = logits.data_ptr<float>();
      nlohmann::json rows = nlohmann::json::array();
      for (int64_t t = 0; t < T; ++t)
        rows.push_back(std::vector<float>(p + t * V, p + (t + 1) * V));
      std::cout << nlohmann::json{{"step", r->step}, {"tokens", o->logits_for}, {"logits", rows}}
                << "\n";
    }
  });
}
}  // namespace

SL_REGISTER_COMMAND(45, add_export_weights_command);
