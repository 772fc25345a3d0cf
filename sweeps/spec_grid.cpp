#include "sweeps/spec_grid.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/format.h"
#include "data/tokenizer_spec.h"
#include "train/memory_check.h"

namespace sl {
namespace {
std::string short_value(const YAML::Node& v) {
  if (v.IsScalar()) return v.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << v;
  return e.c_str();
}

// A run's error is reported where the value that caused it is; the run itself, for context.
absl::Status in_run(const absl::Status& st, const std::vector<std::string>& keys) {
  return absl::Status(
      st.code(), absl::StrCat(st.message(), " (in the run of ", absl::StrJoin(keys, ", "), ")"));
}

absl::StatusOr<GptConfig> shape_of_size(const SweepSpec& spec, const SpecValue& v,
                                        const GptConfig& base_model) {
  const ShapeRule& rule = spec.shape_rule;
  auto shape = shape_for_nonembedding_params(v.number, rule, base_model);
  if (!shape.ok())
    return spec_error(spec.file, v.node, v.key, std::string(shape.status().message()));
  const double n = static_cast<double>(count_params(*shape).nonembedding);
  if (std::fabs(std::log(n / v.number)) > std::log1p(rule.tolerance)) {
    return spec_error(
        spec.file, v.node, v.key,
        absl::StrFormat("no valid shape within %.0f%% of %s non-embedding parameters (closest: %s "
                        "with %s; head_dim %d, aspect %g); change the size, models.head_dim or "
                        "models.tolerance",
                        100 * rule.tolerance, format_si(v.number), shape->shape_name(),
                        format_si(n), rule.head_dim, rule.aspect));
  }
  if (auto err = check_gpt_config(*shape)) {
    return spec_error(spec.file, v.node, v.key,
                      absl::StrCat("gives an invalid shape: ", err->key, ": ", err->message));
  }
  return *shape;
}

// A shape entry's keys over the base's model mapping.
absl::StatusOr<GptConfig> shape_of_mapping(const SweepSpec& spec, const SpecValue& v,
                                           const SweepBase& base) {
  YAML::Node m =
      YAML::Clone(base.yaml["model"] ? base.yaml["model"] : YAML::Node(YAML::NodeType::Map));
  YamlOrigins origins;  // the base's model keys where the base has them, the shape's in the spec
  for (const auto& kv : m) {
    const std::string k = kv.first.as<std::string>();
    if (const std::string* o = yaml_origin(base.origins, "model." + k))
      origins[v.key + "." + k] = *o;
  }
  for (const auto& kv : v.node) {
    m[kv.first.as<std::string>()] = YAML::Clone(kv.second);
    origins[v.key + "." + kv.first.as<std::string>()] = yaml_where(spec.file, kv.second);
  }
  YamlMap mm(spec.file, v.key, m, origins);
  SL_ASSIGN_OR_RETURN(GptConfig g, gpt_config_from_yaml(mm));
  if (auto err = check_gpt_config(g)) {
    return spec_error(spec.file, v.node, v.key,
                      absl::StrCat("invalid shape: ", err->key, ": ", err->message));
  }
  return g;
}

// The budget entry in tokens for a run of model `m`.
double tokens_of_budget(const SweepSpec& spec, const SpecValue& budget, const GptConfig& m) {
  switch (spec.mode) {
    case BudgetMode::kTokens: return budget.number;
    case BudgetMode::kTokensPerParam:
      return budget.number * static_cast<double>(count_params(m).nonembedding);
    case BudgetMode::kFlops:
      return budget.number / train_flops_per_token(flops_per_token(m), spec.convention);
  }
  return 0;
}
}  // namespace

absl::StatusOr<SweepBase> read_sweep_base(const SweepSpec& spec) {
  SweepBase base;
  base.yaml = YAML::Clone(spec.base);
  base.origins = spec.base_origins;
  for (const auto& [k, v] : spec.fixed) {
    set_dotted(base.yaml, k, v);
    yaml_set_origin(&base.origins, k, yaml_where(spec.file, v));
  }
  for (const auto& o : spec.overrides) {
    SL_RETURN_IF_ERROR(yaml_apply_override(base.yaml, o, &base.origins));
  }
  auto cfg = train_config_from_yaml(base.yaml, spec.base_file, base.origins, ConfigUse::kRunHere);
  if (!cfg.ok()) {
    const std::string msg(cfg.status().message());
    // An error at a value the spec set already names the spec; one in the base file gets context.
    if (msg.rfind(spec.file + ":", 0) == 0 || msg.rfind("override '", 0) == 0) return cfg.status();
    return annotate(cfg.status(), absl::StrCat(spec.file, ": base config"));
  }
  base.cfg = *cfg;
  return base;
}

absl::StatusOr<std::vector<ModelChoice>> resolve_models(const SweepSpec& spec,
                                                        const SweepBase& base) {
  std::vector<ModelChoice> out;
  for (const auto& v : spec.sizes) {
    SL_ASSIGN_OR_RETURN(GptConfig g, shape_of_size(spec, v, base.cfg.model));
    out.push_back({&v, v.number, YAML::Node(), g});
  }
  for (const auto& v : spec.shapes) {
    SL_ASSIGN_OR_RETURN(GptConfig g, shape_of_mapping(spec, v, base));
    out.push_back({&v, 0, v.node, g});
  }
  return out;
}

std::string sweep_run_name(const std::string& sweep, const GptConfig& m, int64_t tokens,
                           int64_t seed,
                           const std::vector<std::pair<std::string, std::string>>& axis_values) {
  std::string name = absl::StrCat(sweep, "-", m.shape_name(), "-D",
                                  format_si(static_cast<double>(tokens)), "-s", seed);
  for (const auto& [k, v] : axis_values) {
    std::string val;
    for (char c : v) {
      const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
      val.push_back(keep ? c : '_');
    }
    absl::StrAppend(&name, "-", k.substr(k.rfind('.') + 1), val);
  }
  return name;
}

absl::Status expand_grid(const SweepSpec& spec, const SweepBase& base,
                         const std::vector<ModelChoice>& models, const std::string& device,
                         SweepPlan* plan) {
  const std::string& file = spec.file;
  std::vector<SpecValue> seeds = spec.seeds;
  if (seeds.empty()) seeds.push_back({YAML::Node(base.cfg.train.seed), "seeds", ""});
  // Every combination of the axes' values, the last axis varying fastest.
  std::vector<std::vector<const SpecValue*>> combos{{}};
  for (const auto& axis : spec.axes) {
    std::vector<std::vector<const SpecValue*>> next;
    for (const auto& c : combos)
      for (const auto& v : axis.values) {
        next.push_back(c);
        next.back().push_back(&v);
      }
    combos = std::move(next);
  }
  for (const auto& mc : models) {
    const GptConfig& m = mc.resolved;
    const ParamCounts pc = count_params(m);
    const std::string model_where = yaml_where(file, mc.entry->node);
    for (const auto& budget : spec.budgets) {
      const double tokens_d = tokens_of_budget(spec, budget, m);
      // Checked before the conversion: 1e30 tokens became -9223372036854775808.
      if (!(tokens_d <= kMaxRunTokens)) {
        return spec_error(
            file, budget.node, budget.key,
            absl::StrFormat("gives %.3g tokens for %s, more than a run can count (at most %.3g "
                            "tokens, the int64 range of train.tokens); use a smaller budget",
                            tokens_d, m.shape_name(), kMaxRunTokens));
      }
      const int64_t tokens = std::llround(tokens_d);
      for (const auto& seed : seeds) {
        for (const auto& combo : combos) {
          YAML::Node d = YAML::Clone(base.yaml);
          YamlOrigins origins = base.origins;
          // The model: the shape's fields over the base's model mapping.
          set_dotted(d, "model.n_layer", YAML::Node(m.n_layer));
          set_dotted(d, "model.d_model", YAML::Node(m.d_model));
          set_dotted(d, "model.n_head", YAML::Node(m.n_head));
          set_dotted(d, "model.d_ff", YAML::Node(m.d_ff));
          for (const char* k : {"model.n_layer", "model.d_model", "model.n_head", "model.d_ff"}) {
            yaml_set_origin(&origins, k, model_where);
          }
          if (mc.shape.IsMap()) {
            for (const auto& kv : mc.shape) {
              set_dotted(d, "model." + kv.first.as<std::string>(), kv.second);
              yaml_set_origin(&origins, "model." + kv.first.as<std::string>(),
                              yaml_where(file, kv.second));
            }
          }
          set_dotted(d, "train.tokens", YAML::Node(tokens));
          yaml_set_origin(&origins, "train.tokens", yaml_where(file, budget.node));
          set_dotted(d, "train.seed", seed.node);
          if (!seed.where.empty()) yaml_set_origin(&origins, "train.seed", seed.where);
          std::vector<std::string> run_keys{mc.entry->key, budget.key};
          if (!seed.where.empty()) run_keys.push_back(seed.key);
          std::vector<std::pair<std::string, std::string>> axis_values;
          for (size_t i = 0; i < combo.size(); ++i) {
            set_dotted(d, spec.axes[i].key, combo[i]->node);
            yaml_set_origin(&origins, spec.axes[i].key, yaml_where(file, combo[i]->node));
            axis_values.emplace_back(spec.axes[i].key, short_value(combo[i]->node));
            run_keys.push_back(combo[i]->key);
          }
          // A tokenizer sets the vocabulary: model.vocab follows data.tokenizer (an axis or fixed).
          if (d["data"] && d["data"]["tokenizer"] && d["data"]["tokenizer"].IsScalar() &&
              !d["data"]["tokenizer"].Scalar().empty()) {
            const YAML::Node t = d["data"]["tokenizer"];
            auto tok = parse_tokenizer_spec(t.Scalar());
            if (!tok.ok())
              return spec_error(file, t, "data.tokenizer", std::string(tok.status().message()));
            set_dotted(d, "model.vocab", YAML::Node(tok->vocab_size));
            if (const std::string* o = yaml_origin(origins, "data.tokenizer"))
              yaml_set_origin(&origins, "model.vocab", *o);
          }
          RunScale scale;
          scale.n = static_cast<double>(pc.nonembedding);
          scale.d = static_cast<double>(tokens);
          scale.width = static_cast<double>(m.d_model);
          auto applied = apply_rules(spec.rules, file, scale, d, &origins);
          if (!applied.ok()) return in_run(applied, run_keys);
          auto cfg = train_config_from_yaml(d, spec.base_file, origins, ConfigUse::kRunHere);
          if (!cfg.ok()) {
            const std::string msg(cfg.status().message());
            // Budget too small for one step: the data entry's fault.
            if (msg.find("key 'train.tokens'") != std::string::npos) {
              const size_t detail = msg.find("(batch_size");
              return spec_error(
                  file, budget.node, budget.key,
                  absl::StrCat("gives ", tokens, " tokens for ", m.shape_name(),
                               ", less than one optimizer step",
                               detail == std::string::npos ? "" : " " + msg.substr(detail)));
            }
            // Anything else is placed at the spec's (or the base's) value that caused it.
            return in_run(cfg.status(), run_keys);
          }
          // Too big for this machine's memory (on the CPU): the size's fault, or the key's.
          if (auto misfit = check_fits_in_memory(*cfg, device)) {
            const std::string* o = yaml_origin(origins, misfit->key);
            if (o && *o == model_where) {
              return spec_error(
                  file, mc.entry->node, mc.entry->key,
                  absl::StrFormat("gives %s (%.3g parameters), which cannot train on this "
                                  "machine: %s: %s; use a smaller size",
                                  m.shape_name(), static_cast<double>(pc.total), misfit->key,
                                  misfit->message));
            }
            return in_run(
                absl::InvalidArgumentError(absl::StrCat(o ? *o : spec.base_file, ": key '",
                                                        misfit->key, "': ", misfit->message)),
                run_keys);
          }
          cfg->name = sweep_run_name(plan->name, cfg->model, tokens, cfg->train.seed, axis_values);
          if (std::string why = run_name_problem(cfg->name); !why.empty()) {
            return in_run(spec.error("name", absl::StrCat("makes a run name that is not usable: ",
                                                          why, "; shorten the sweep's name")),
                          run_keys);
          }
          PlannedRun pr;
          pr.cfg = *cfg;
          pr.target_params = mc.target;
          pr.flops_budget = spec.mode == BudgetMode::kFlops ? budget.number : 0;
          plan->runs.push_back(std::move(pr));
        }
      }
    }
  }
  return absl::OkStatus();
}
}  // namespace sl
