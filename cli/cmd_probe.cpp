// `scalelab probe RUN_DIR|SWEEP_DIR [--tasks ...]`: capability probes on each run's latest
// checkpoint, rows into RUN_DIR/probes.jsonl (logic in train/run_probes.h, probes/).
#include <cstdio>
#include <iostream>
#include <map>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "cli/commands.h"
#include "core/run_paths.h"
#include "core/status.h"
#include "train/run_loader.h"
#include "train/run_probes.h"

namespace {
absl::StatusOr<std::vector<int>> parse_ints(const std::string& text, const std::string& option) {
  std::vector<int> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    int v;
    if (!absl::SimpleAtoi(part, &v))
      return absl::InvalidArgumentError(
          absl::StrCat(option, ": \"", part, "\" is not an integer (give e.g. 0,2,4)"));
    out.push_back(v);
  }
  return out;
}

// One line per task, difficulty and shot count: means over templates, and the template spread of
// EM.
void print_summary(const sl::RunProbeResult& r) {
  std::printf("%s (step %lld)\n", r.run_dir.c_str(), static_cast<long long>(r.step));
  std::printf("  %-9s %4s %5s %8s %8s %8s %9s %7s\n", "task", "diff", "shots", "EM", "EM_min",
              "EM_max", "ll/token", "ECE");
  std::map<std::tuple<std::string, int, int>, std::vector<const sl::ProbeCellResult*>> groups;
  std::vector<std::tuple<std::string, int, int>> order;
  for (const auto& c : r.cells) {
    auto key = std::make_tuple(c.cell.task, c.cell.difficulty, c.cell.shots);
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&c);
  }
  for (const auto& key : order) {
    const auto& cells = groups[key];
    double em = 0, ll = 0, ece = 0, lo = 1, hi = 0;
    for (const auto* c : cells) {
      const double e = c->metrics.at("exact_match");
      em += e;
      lo = std::min(lo, e);
      hi = std::max(hi, e);
      ll += c->metrics.at("loglik_per_token");
      ece += c->metrics.at("ece");
    }
    const double n = static_cast<double>(cells.size());
    std::printf("  %-9s %4d %5d %8.3f %8.3f %8.3f %9.3f %7.3f\n", std::get<0>(key).c_str(),
                std::get<1>(key), std::get<2>(key), em / n, lo, hi, ll / n, ece / n);
  }
}

void add_probe_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto tasks = std::make_shared<std::string>("all");
  auto shots = std::make_shared<std::string>();
  auto difficulties = std::make_shared<std::string>();
  auto templates = std::make_shared<std::string>();
  auto config = std::make_shared<sl::ProbeConfig>();
  CLI::App* cmd = app.add_subcommand(
      "probe",
      "Capability probes (exact match, token accuracy, edit distance, log-likelihood, Brier, ECE) "
      "on "
      "a run's latest checkpoint, or on every run of a sweep; rows go to RUN_DIR/probes.jsonl");
  cmd->add_option("dir", *dir, "A run directory, or a sweep directory (its runs/*)")->required();
  cmd->add_option("--tasks", *tasks,
                  "Tasks or families, comma-separated: add, add_rev, add_pad, mul, mul_rev, "
                  "mul_pad, icl_map, "
                  "copy; arithmetic, icl, induction, all")
      ->capture_default_str();
  cmd->add_option(
      "--shots", *shots,
      "Shot counts, comma-separated (default: each task's own, e.g. 0,1,2,4,8 for icl_map)");
  cmd->add_option("--difficulties", *difficulties,
                  "Difficulties to keep, comma-separated (default: all)");
  cmd->add_option("--templates", *templates,
                  "Prompt templates to keep, comma-separated (default: all)");
  cmd->add_option("--instances", config->instances, "Eval instances per cell")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", config->seed, "Seed of the eval instances")->capture_default_str();
  cmd->callback([=] {
    auto fail = [](const absl::Status& s) {
      std::cerr << "error: " << s.message() << "\n";
      sl::cli::exit_code() = 1;
    };
    config->tasks = absl::StrSplit(*tasks, ',', absl::SkipEmpty());
    auto s = parse_ints(*shots, "--shots");
    auto d = parse_ints(*difficulties, "--difficulties");
    auto t = parse_ints(*templates, "--templates");
    for (const auto* r : {&s, &d, &t})
      if (!r->ok()) return fail(r->status());
    config->shots = *s;
    config->difficulties = *d;
    config->templates = *t;
    if (auto cells = sl::expand_probe_cells(*config); !cells.ok()) return fail(cells.status());
    auto runs = sl::run_dirs_of(*dir);
    if (!runs.ok()) return fail(runs.status());
    // A sweep's runs are probed one by one: a run that cannot be probed (not trained yet, no
    // checkpoint) is reported and skipped, and the others still get their rows; exit 1 if any
    // failed.
    int failed = 0;
    for (const auto& run : *runs) {
      auto r = sl::probe_run_dir(run, *config);
      if (!r.ok()) {
        fail(r.status());
        ++failed;
        continue;
      }
      print_summary(*r);
    }
    if (failed > 0 && runs->size() > 1) {
      std::cerr << "error: " << failed << " of " << runs->size()
                << " runs were not probed (above)\n";
    }
  });
}
}  // namespace

SL_REGISTER_COMMAND(85, add_probe_command);
