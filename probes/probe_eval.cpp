// evaluate_probes: batched teacher forcing per cell, and greedy decoding batched over instances
// whose prompts have the same token length (no padding, so positions are exactly those of
// training).
#include "probes/probe_eval.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "probes/tasks/probe_tasks.h"

namespace sl {
namespace {
struct EncodedInstance {
  ProbeInstance inst;
  std::vector<uint16_t> prompt, completion, answer;
  size_t answer_begin = 0;  // answer's first token inside completion
};

// Answer-token statistics by teacher forcing over prompt + completion[:-1], one forward per batch.
std::vector<std::vector<AnswerTokenStats>> teacher_force(Gpt& model,
                                                         const std::vector<EncodedInstance>& xs,
                                                         torch::Device device) {
  const int64_t B = static_cast<int64_t>(xs.size());
  int64_t T = 1;
  for (const auto& x : xs) T = std::max<int64_t>(T, x.prompt.size() + x.completion.size() - 1);
  std::vector<int64_t> ids(B * T, 0);  // right-padded; padding only follows the scored positions
  for (int64_t b = 0; b < B; ++b) {
    int64_t t = 0;
    for (uint16_t v : xs[b].prompt) ids[b * T + t++] = v;
    for (size_t j = 0; j + 1 < xs[b].completion.size(); ++j) ids[b * T + t++] = xs[b].completion[j];
  }
  auto idx = torch::tensor(ids, torch::kLong).view({B, T}).to(device);
  auto logp = torch::log_softmax(model->forward(idx).to(torch::kFloat), -1);  // (B, T, V)
  auto probs = logp.exp();
  auto sum_sq = probs.pow(2).sum(-1).to(torch::kCPU);  // (B, T)
  auto [p_max, arg_max] = probs.max(-1);               // (B, T) each
  p_max = p_max.to(torch::kCPU);
  arg_max = arg_max.to(torch::kCPU);
  logp = logp.to(torch::kCPU);
  auto lp = logp.accessor<float, 3>();
  auto sq = sum_sq.accessor<float, 2>();
  auto pm = p_max.accessor<float, 2>();
  auto am = arg_max.accessor<int64_t, 2>();
  std::vector<std::vector<AnswerTokenStats>> out(B);
  for (int64_t b = 0; b < B; ++b) {
    const auto& x = xs[b];
    for (size_t j = 0; j < x.answer.size(); ++j) {
      // completion token c is predicted at position |prompt| + c - 1
      const int64_t pos = static_cast<int64_t>(x.prompt.size() + x.answer_begin + j) - 1;
      AnswerTokenStats s;
      s.target = x.answer[j];
      s.logp_target = lp[b][pos][s.target];
      s.argmax = static_cast<int>(am[b][pos]);
      s.p_argmax = pm[b][pos];
      s.sum_sq_probs = sq[b][pos];
      out[b].push_back(s);
    }
  }
  return out;
}

// Greedy continuation of equal-length prompts until each has written `stop` or `max_new` tokens.
std::vector<std::vector<uint16_t>> greedy_batch(Gpt& model,
                                                const std::vector<const EncodedInstance*>& xs,
                                                int max_new, uint16_t stop, int ctx,
                                                torch::Device device) {
  const int64_t B = static_cast<int64_t>(xs.size()), P = static_cast<int64_t>(xs[0]->prompt.size());
  std::vector<int64_t> ids;
  for (const auto* x : xs) ids.insert(ids.end(), x->prompt.begin(), x->prompt.end());
  auto seq = torch::tensor(ids, torch::kLong).view({B, P}).to(device);  // (B, P + generated)
  std::vector<std::vector<uint16_t>> gen(B);
  std::vector<bool> done(B, false);
  for (int step = 0; step < max_new; ++step) {
    const int64_t L = seq.size(1), T = std::min<int64_t>(L, ctx);
    auto next = model->forward(seq.narrow(1, L - T, T)).select(1, T - 1).argmax(-1);  // (B)
    seq = torch::cat({seq, next.unsqueeze(1)}, 1);
    auto host = next.to(torch::kCPU);
    auto h = host.accessor<int64_t, 1>();
    bool all_done = true;
    for (int64_t b = 0; b < B; ++b) {
      if (!done[b]) {
        gen[b].push_back(static_cast<uint16_t>(h[b]));
        done[b] = h[b] == stop;
      }
      all_done = all_done && done[b];
    }
    if (all_done) break;
  }
  return gen;
}

// Every instance of every cell, encoded and checked against the context length.
absl::StatusOr<std::vector<std::vector<EncodedInstance>>> encode_cells(
    const std::vector<ProbeCell>& cells, const ProbeConfig& config, const Tokenizer& tokenizer,
    int ctx) {
  std::vector<std::vector<EncodedInstance>> all(cells.size());
  for (size_t c = 0; c < cells.size(); ++c) {
    const ProbeCell& cell = cells[c];
    for (int i = 0; i < config.instances; ++i) {
      SL_ASSIGN_OR_RETURN(
          ProbeInstance inst,
          make_probe_instance(cell.task, cell.difficulty, cell.shots, cell.template_id,
                              ProbeSplit::kEval, static_cast<uint64_t>(config.seed), i));
      EncodedInstance x;
      x.prompt = tokenizer.encode(inst.prompt);
      x.completion = tokenizer.encode(inst.completion);
      x.answer = tokenizer.encode(inst.answer());
      x.answer_begin = tokenizer.encode(inst.completion.substr(0, inst.answer_begin)).size();
      const size_t len = x.prompt.size() + x.completion.size();
      if (len > static_cast<size_t>(ctx)) {
        return absl::InvalidArgumentError(
            absl::StrCat("probe task ", cell.task, " (difficulty ", cell.difficulty, ", ",
                         cell.shots, " shots, template ", cell.template_id, ") needs ", len,
                         " tokens of context, more than the model's ctx = ", ctx,
                         "; use fewer shots (--shots / probes.shots) or lower difficulties, or "
                         "probe a model with a longer "
                         "context"));
      }
      x.inst = std::move(inst);
      all[c].push_back(std::move(x));
    }
  }
  return all;
}
}  // namespace

absl::Status check_probes_fit(const ProbeConfig& config, const Tokenizer& tokenizer, int ctx) {
  SL_ASSIGN_OR_RETURN(std::vector<ProbeCell> cells, expand_probe_cells(config));
  return encode_cells(cells, config, tokenizer, ctx).status();
}

absl::StatusOr<std::vector<ProbeCellResult>> evaluate_probes(Gpt& model, const Tokenizer& tokenizer,
                                                             const ProbeConfig& config,
                                                             torch::Device device) {
  SL_ASSIGN_OR_RETURN(std::vector<ProbeCell> cells, expand_probe_cells(config));
  const int ctx = model->config.ctx;
  const std::vector<uint16_t> newline = tokenizer.encode("\n");
  if (newline.size() != 1)
    return absl::InvalidArgumentError("probes need a tokenizer that encodes \"\\n\" as one token");
  // Generate and check everything first: a too-long cell must fail before minutes of evaluation.
  SL_ASSIGN_OR_RETURN(auto all, encode_cells(cells, config, tokenizer, ctx));

  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  std::vector<ProbeCellResult> results;
  for (size_t c = 0; c < cells.size(); ++c) {
    const auto& xs = all[c];
    auto stats = teacher_force(model, xs, device);
    std::map<size_t, std::vector<size_t>> by_len;  // prompt length -> instances
    for (size_t i = 0; i < xs.size(); ++i) by_len[xs[i].prompt.size()].push_back(i);
    std::vector<std::vector<uint16_t>> generated(xs.size());
    for (const auto& [len, members] : by_len) {
      std::vector<const EncodedInstance*> group;
      size_t longest = 0;
      for (size_t i : members) {
        group.push_back(&xs[i]);
        longest = std::max(longest, xs[i].completion.size());
      }
      auto gen = greedy_batch(model, group, static_cast<int>(longest) + 2, newline[0], ctx, device);
      for (size_t k = 0; k < members.size(); ++k) generated[members[k]] = std::move(gen[k]);
    }
    ProbeCellResult r;
    r.cell = cells[c];
    r.instances = static_cast<int>(xs.size());
    for (const auto& m : probe_metric_names()) r.metrics[m] = 0;
    std::vector<double> conf;
    std::vector<bool> correct;
    for (size_t i = 0; i < xs.size(); ++i) {
      const std::string answer =
          extract_final_answer(tokenizer.decode(generated[i]), xs[i].inst.answer_marker);
      InstanceScore s = score_instance(xs[i].answer, tokenizer.encode(answer), stats[i]);
      r.metrics["exact_match"] += s.exact_match;
      r.metrics["token_accuracy"] += s.token_accuracy;
      r.metrics["edit_distance"] += s.edit_distance;
      r.metrics["loglik"] += s.loglik;
      r.metrics["loglik_per_token"] += s.loglik_per_token;
      r.metrics["brier"] += s.brier;
      for (const auto& t : stats[i]) {
        conf.push_back(t.p_argmax);
        correct.push_back(t.argmax == t.target);
      }
    }
    for (auto& [name, v] : r.metrics) v /= static_cast<double>(xs.size());
    r.calibration = calibration_of(conf, correct);
    r.metrics["ece"] = r.calibration.ece;
    results.push_back(std::move(r));
  }
  model->train(was_training);
  return results;
}

nlohmann::json probe_row(const nlohmann::json& base, const ProbeCellResult& r) {
  nlohmann::json row = base;
  row["task"] = r.cell.task;
  row["difficulty"] = r.cell.difficulty;
  row["shots"] = r.cell.shots;
  row["template"] = r.cell.template_id;
  row["instances"] = r.instances;
  for (const auto& m : probe_metric_names()) row[m] = r.metrics.at(m);
  nlohmann::json bins = nlohmann::json::array();
  for (const auto& b : r.calibration.bins)
    bins.push_back({b.lo, b.hi, b.count, b.mean_confidence, b.accuracy});
  row["reliability"] = bins;
  return row;
}
}  // namespace sl
