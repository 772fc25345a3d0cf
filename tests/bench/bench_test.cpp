// The bench library and command: presets, result fields, refusals. Timings are never asserted.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>

#include "model/cuda_util.h"
#include "model/torch_compat.h"
#include "train/bench.h"

namespace sl {
namespace {
TEST(BenchPresets, MatchTheNaiveBenchShapes) {
  auto tiny = bench_preset("tiny");
  ASSERT_TRUE(tiny.ok());
  EXPECT_EQ(tiny->model.n_layer, 2);
  EXPECT_EQ(tiny->model.d_model, 128);
  EXPECT_EQ(tiny->model.n_head, 4);
  EXPECT_EQ(tiny->model.ctx, 128);
  EXPECT_EQ(tiny->model.vocab, 256);
  EXPECT_EQ(tiny->train.batch_size, 32);
  auto baby = bench_preset("baby");
  ASSERT_TRUE(baby.ok());
  EXPECT_EQ(baby->model.n_layer, 6);
  EXPECT_EQ(baby->model.d_model, 384);
  EXPECT_EQ(baby->model.ctx, 256);
  EXPECT_EQ(baby->model.vocab, 65);
  EXPECT_EQ(baby->train.batch_size, 64);
  auto small = bench_preset("gpt2-small");
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->model.n_layer, 12);
  EXPECT_EQ(small->model.vocab, 50304);
  EXPECT_EQ(small->train.batch_size, 12);
  // tiny's shape in the other architectures (model.preset).
  auto llama = bench_preset("llama-tiny");
  ASSERT_TRUE(llama.ok());
  EXPECT_EQ(llama->model.shape_name(), "L2-d128-h4-rms-rope-swiglu");
  EXPECT_EQ(llama->model.ff(), 512);  // 2/3 * 512 = 341, rounded up to 512
  EXPECT_FALSE(llama->model.tied);
  EXPECT_EQ(llama->train.batch_size, 32);
  auto nanochat = bench_preset("nanochat-tiny");
  ASSERT_TRUE(nanochat.ok());
  EXPECT_EQ(nanochat->model.shape_name(), "L2-d128-h4-rms0-rope-relu2-qkn");
  EXPECT_EQ(tiny->model.shape_name(), "L2-d128-h4");
  auto bad = bench_preset("huge");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("tiny, baby, gpt2-small"), std::string::npos);
}

TEST(RunBench, ReportsEveryFieldOnTheCpu) {
  TrainConfig c;
  c.name = "micro";
  c.model.n_layer = 1;
  c.model.d_model = 32;
  c.model.n_head = 2;
  c.model.ctx = 16;
  c.model.vocab = 40;
  c.train.batch_size = 4;
  c.train.tokens = c.tokens_per_step();
  BenchOptions o;
  o.device = "cpu";
  o.threads = 1;
  o.steps = 3;
  o.warmup = 1;
  auto r = run_bench(c, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->steps, 3);
  EXPECT_EQ(r->windows, 3);
  EXPECT_EQ(r->threads, 1);
  EXPECT_EQ(r->tokens_per_step, 4 * 16);
  EXPECT_GT(r->tokens_per_s, 0);
  EXPECT_GT(r->ms_per_step, 0);
  EXPECT_GT(r->flops_per_token, 0);
  EXPECT_GT(r->peak_flops_per_s, 0);
  EXPECT_GT(r->mfu, 0);
  EXPECT_GT(r->peak_memory_bytes, 0);
  EXPECT_TRUE(std::isfinite(r->final_loss));
  auto j = bench_result_json(*r);
  for (const char* key :
       {"tokens_per_s", "ms_per_step", "mfu", "peak_memory_bytes", "model_flops_per_s",
        "peak_flops_per_s", "flops_per_token", "params", "device", "threads"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_NE(bench_result_text(*r).find("tokens/s"), std::string::npos);
}

TEST(RunBench, RefusesCudaGraphsWithoutCuda) {
  if (built_with_cuda() && torch::cuda::is_available()) GTEST_SKIP() << "a GPU is present";
  auto c = bench_preset("tiny");
  ASSERT_TRUE(c.ok());
  BenchOptions o;
  o.device = "cpu";
  o.cuda_graph = true;
  auto r = run_bench(*c, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

std::pair<int, std::string> run_cli(const std::string& args) {
  std::string out;
  FILE* pipe = popen((std::string(SCALELAB_BIN) + " " + args + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, ""};
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(BenchCommand, PrintsJsonForAPreset) {
  auto [code, out] =
      run_cli("bench --preset tiny --device cpu --threads 1 --steps 1 --warmup 1 --json");
  ASSERT_EQ(code, 0) << out;
  auto j = nlohmann::json::parse(out.substr(out.find('{')));
  EXPECT_EQ(j["name"], "tiny");
  EXPECT_EQ(j["steps"], 1);
  EXPECT_GT(j["tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["ms_per_step"].get<double>(), 0);
  EXPECT_GT(j["mfu"].get<double>(), 0);
}

TEST(BenchCommand, RejectsBadArguments) {
  EXPECT_EQ(run_cli("bench").first, 2);
  EXPECT_EQ(run_cli("bench --preset nope").first, 2);
  EXPECT_EQ(run_cli("bench --preset tiny /nonexistent.yaml").first, 2);
  EXPECT_EQ(run_cli("bench /nonexistent.yaml").first, 2);
  EXPECT_EQ(run_cli("bench --preset tiny --steps -3").first, 2);
  EXPECT_EQ(run_cli("bench --preset tiny --device gpu").first, 2);
  EXPECT_EQ(run_cli("bench --preset tiny --threads -1").first, 2);
}
}  // namespace
}  // namespace sl
