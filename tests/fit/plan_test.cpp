// The planner: closed-form allocation, the constrained questions, and the concrete shape's counts.
#include "fit/planner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "fit/published_fits.h"

namespace sl {
namespace {
PlanLaw besiroglu() { return *plan_law_published("besiroglu2024"); }

TEST(Plan, PublishedFitsAreThePapersNumbers) {
  auto h = published_fit("hoffmann2022");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->params.E, 1.69);
  EXPECT_EQ(h->params.A, 406.4);
  EXPECT_EQ(h->params.B, 410.7);
  EXPECT_EQ(h->params.alpha, 0.34);
  EXPECT_EQ(h->params.beta, 0.28);
  const auto& b = besiroglu().params;
  EXPECT_EQ(b.E, 1.8172);
  EXPECT_EQ(b.A, 482.01);
  EXPECT_EQ(b.B, 2085.43);
  EXPECT_EQ(b.alpha, 0.3478);
  EXPECT_EQ(b.beta, 0.3658);
  // Besiroglu et al. report a = 0.5126 and about 20 tokens per parameter at Chinchilla's budget.
  EXPECT_NEAR(b.a(), 0.5126, 5e-4);
  double c = 5.76e23;
  EXPECT_NEAR(b.d_opt(c) / b.n_opt(c), 20, 5);
  EXPECT_FALSE(published_fit("kaplan2020").ok());
}

TEST(Plan, BudgetGivesOptimumAndAShapeWithExactCounts) {
  PlanRequest r;
  r.flops = 1e17;
  auto plan = make_plan(besiroglu(), r);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const auto& j = plan->json;
  const ChinchillaParams p = besiroglu().params;
  EXPECT_NEAR(j["N"].get<double>(), p.n_opt(1e17), 1e-6 * p.n_opt(1e17));
  EXPECT_NEAR(j["loss"].get<double>(), p.loss(p.n_opt(1e17), p.d_opt(1e17)), 1e-12);
  GptConfig shape = r.base;
  shape.n_layer = j["shape"]["n_layer"];
  shape.d_model = j["shape"]["d_model"];
  shape.n_head = j["shape"]["n_head"];
  ParamCounts pc = count_params(shape);
  EXPECT_EQ(j["shape"]["params_total"].get<int64_t>(), pc.total);
  // The published fit counts every parameter: the shape's total is within the rule's 10% of N_opt.
  EXPECT_NEAR(static_cast<double>(pc.total) / p.n_opt(1e17), 1.0, 0.1);
  EXPECT_DOUBLE_EQ(j["shape"]["flops_per_token"]["6n"].get<double>(),
                   flops_per_token(shape).kaplan_6n);
  EXPECT_DOUBLE_EQ(j["shape"]["tokens"].get<double>(), 1e17 / flops_per_token(shape).kaplan_6n);
  EXPECT_NE(plan->table.find("besiroglu2024"), std::string::npos);
}

TEST(Plan, ParamsAloneInvertsTheOptimum) {
  PlanRequest r;
  r.params = 5e6;
  auto plan = make_plan(besiroglu(), r);
  ASSERT_TRUE(plan.ok()) << plan.status();
  double c = plan->json["flops"];
  EXPECT_NEAR(besiroglu().params.n_opt(c) / 5e6, 1.0, 1e-9);  // 5e6 is optimal at that budget
  EXPECT_NEAR(plan->json["D"].get<double>() / besiroglu().params.d_opt(c), 1.0, 1e-9);
}

TEST(Plan, BudgetWithParamsCostsLossAgainstTheOptimum) {
  PlanRequest r;
  r.flops = 1e18;
  r.params = besiroglu().params.n_opt(1e18) * 4;  // too big for the budget
  auto plan = make_plan(besiroglu(), r);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_DOUBLE_EQ(plan->json["D"].get<double>(), 1e18 / (6 * *r.params));
  EXPECT_GT(plan->json["loss"].get<double>(), plan->json["optimum_at_flops"]["loss"].get<double>());
}

TEST(Plan, BadRequestsAreErrors) {
  PlanRequest none;
  EXPECT_FALSE(make_plan(besiroglu(), none).ok());
  PlanRequest all;
  all.flops = 1e18;
  all.params = 1e6;
  all.tokens = 1e8;
  auto st = make_plan(besiroglu(), all);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(std::string(st.status().message()).find("at most two"), std::string::npos);
  EXPECT_FALSE(parse_quantity("-3", "--flops").ok());
  EXPECT_FALSE(parse_quantity("1e18x", "--flops").ok());
  EXPECT_DOUBLE_EQ(*parse_quantity("1.5M", "--params"), 1.5e6);
  EXPECT_DOUBLE_EQ(*parse_quantity("2e17", "--flops"), 2e17);
  auto missing = plan_law_from_fit_json("/nonexistent/fit.json");
  EXPECT_FALSE(missing.ok());
}

// A hand-edited fit.json whose bootstrap refits are not numbers is an error naming the key, not a
// JSON exception; a well-formed one gives the refits and the fitted compute range.
TEST(Plan, FitJsonRefitsAreCheckedAndRead) {
  const std::string path = ::testing::TempDir() + "/plan_refits_fit.json";
  auto write = [&](const std::string& refits) {
    std::ofstream(path) << R"({"chinchilla": {"E": 1.7, "A": 400, "B": 410, "alpha": 0.34,
      "beta": 0.28, "data": [{"C": 1e15}, {"C": 4e16}], "bootstrap": {"level": 0.9, "refits": )"
                        << refits << "}}}";
  };
  write(R"([[1.7, 400, 410, 0.34, 0.28], [1.6, 390, 420, "x", 0.3]])");
  auto bad = plan_law_from_fit_json(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("chinchilla.bootstrap.refits"),
            std::string::npos)
      << bad.status();
  write(R"([[1.7, 400, 410, 0.34, 0.28], [1.6, 390, 420, 0.33, 0.3]])");
  auto good = plan_law_from_fit_json(path);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->refits.size(), 2u);
  EXPECT_DOUBLE_EQ(good->refits[1].alpha, 0.33);
  EXPECT_DOUBLE_EQ(good->level, 0.9);
  EXPECT_DOUBLE_EQ(good->fitted_c_min, 1e15);
  EXPECT_DOUBLE_EQ(good->fitted_c_max, 4e16);
}
}  // namespace
}  // namespace sl
