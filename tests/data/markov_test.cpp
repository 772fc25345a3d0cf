// synthetic:markov: spec parsing, an analytic entropy rate, and the computed entropy rate against
// the empirical per-token NLL of the true chain on a long sample.
#include "data/markov_source.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace sl {
TEST(MarkovSpec, ParsesDefaultsAndParameters) {
  auto d = parse_markov_spec("synthetic:markov");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->symbols, 16);
  EXPECT_EQ(d->order, 1);
  auto s = parse_markov_spec("synthetic:markov?symbols=5&order=2&alpha=0.5&tokens=1000&seed=9");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->symbols, 5);
  EXPECT_EQ(s->order, 2);
  EXPECT_DOUBLE_EQ(s->alpha, 0.5);
  EXPECT_EQ(s->tokens, 1000);
  EXPECT_EQ(s->seed, 9u);
  EXPECT_EQ(markov_spec_string(*s),
            "synthetic:markov?symbols=5&order=2&alpha=0.5&tokens=1000&seed=9");
}

TEST(MarkovSpec, RejectsUnknownKeysAndBadValues) {
  auto bad = parse_markov_spec("synthetic:markov?states=4");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("known are symbols, order"),
            std::string::npos);
  EXPECT_FALSE(parse_markov_spec("synthetic:markov?symbols=63").ok());
  EXPECT_FALSE(parse_markov_spec("synthetic:markov?alpha=0").ok());
  EXPECT_FALSE(parse_markov_spec("synthetic:markov?order=abc").ok());
  EXPECT_FALSE(parse_markov_spec("synthetic:markov?symbols=62&order=5").ok());  // 62^5 contexts
}

TEST(MarkovChain, TwoStateEntropyRateMatchesClosedForm) {
  // P = [[1-a, a], [b, 1-b]]: pi = (b, a)/(a+b), H = pi0 h(a) + pi1 h(b).
  const double a = 0.1, b = 0.3;
  MarkovChain chain;
  chain.symbols = 2;
  chain.order = 1;
  chain.next = {1 - a, a, b, 1 - b};
  auto h2 = [](double p) { return -p * std::log(p) - (1 - p) * std::log(1 - p); };
  auto pi = markov_stationary(chain);
  ASSERT_TRUE(pi.ok());
  EXPECT_NEAR((*pi)[0], b / (a + b), 1e-12);
  auto h = markov_entropy_rate(chain);
  ASSERT_TRUE(h.ok());
  EXPECT_NEAR(*h, (b * h2(a) + a * h2(b)) / (a + b), 1e-12);
}

TEST(MarkovChain, RowsAreDistributionsAndSeeded) {
  MarkovSpec spec;
  spec.symbols = 8;
  spec.order = 2;
  MarkovChain c1 = make_markov_chain(spec), c2 = make_markov_chain(spec);
  EXPECT_EQ(c1.next, c2.next);
  ASSERT_EQ(c1.contexts(), 64);
  for (int64_t c = 0; c < 64; ++c) {
    double sum = 0;
    for (int y = 0; y < 8; ++y) sum += c1.next[c * 8 + y];
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
  spec.seed = 2;
  EXPECT_NE(make_markov_chain(spec).next, c1.next);
}

// The exact entropy rate equals the mean NLL of a long sample under the true chain (to within a few
// standard errors), for order 1 and order 2.
TEST(MarkovChain, EntropyRateMatchesEmpiricalNll) {
  for (int order : {1, 2}) {
    MarkovSpec spec;
    spec.symbols = 12;
    spec.order = order;
    spec.alpha = 0.3;
    spec.seed = 17;
    MarkovChain chain = make_markov_chain(spec);
    auto h = markov_entropy_rate(chain);
    ASSERT_TRUE(h.ok());
    const int64_t n = 1000000;
    auto x = sample_markov(chain, n, 5);
    ASSERT_TRUE(x.ok());
    ASSERT_EQ(int64_t(x->size()), n);
    int64_t context = 0;
    for (int i = 0; i < order; ++i) context = context * spec.symbols + (*x)[i];
    double nll = 0, nll2 = 0;
    for (int64_t t = order; t < n; ++t) {
      const double l = -std::log(chain.next[context * spec.symbols + (*x)[t]]);
      nll += l;
      nll2 += l * l;
      context = chain.advance(context, (*x)[t]);
    }
    const double m = nll / (n - order);
    const double se = std::sqrt((nll2 / (n - order) - m * m) / (n - order));
    EXPECT_GT(*h, 0.3) << "order " << order;  // a non-trivial chain
    EXPECT_LT(*h, std::log(12.0));
    EXPECT_NEAR(m, *h, 5 * se + 2e-3) << "order " << order << " se " << se;
  }
}

TEST(MarkovCorpus, TextUsesTheSymbolAlphabetAndCarriesEntropyRate) {
  auto spec = parse_markov_spec("synthetic:markov?symbols=4&tokens=5000&seed=3");
  ASSERT_TRUE(spec.ok());
  auto corpus = markov_corpus(*spec);
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  ASSERT_EQ(corpus->documents.size(), 1u);
  EXPECT_EQ(corpus->documents[0].text.size(), 5000u);
  EXPECT_EQ(corpus->documents[0].text.find_first_not_of("abcd"), std::string::npos);
  EXPECT_EQ(corpus->source, "synthetic:markov?symbols=4&order=1&alpha=0.2&tokens=5000&seed=3");
  EXPECT_GT(corpus->entropy_rate_nats, 0);
  EXPECT_EQ(markov_corpus(*spec)->documents[0].text, corpus->documents[0].text);
}

// The singular values of the row-centred log-probabilities (softmax removes only a per-row
// constant, so they are Z's up to the centring) fall as i^-p: the top four by power iteration with
// deflation on the Gram matrix.
TEST(MarkovSpectrum, LogitsHavePowerLawSingularValues) {
  auto spec = parse_markov_spec("synthetic:markov?symbols=24&spectrum=1.5&scale=3&seed=5");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(markov_spec_string(*spec),
            "synthetic:markov?symbols=24&order=1&alpha=0.2&tokens=2000000&seed=5&spectrum=1.5"
            "&scale=3");
  const MarkovChain chain = make_markov_chain(*spec);
  const int k = chain.symbols;
  std::vector<double> centred(k * k);  // (context, next symbol)
  double sum_sq = 0;
  for (int c = 0; c < k; ++c) {
    double row_sum = 0, mean = 0;
    for (int y = 0; y < k; ++y) row_sum += chain.next[c * k + y];
    EXPECT_NEAR(row_sum, 1.0, 1e-12);
    for (int y = 0; y < k; ++y) mean += std::log(chain.next[c * k + y]) / k;
    for (int y = 0; y < k; ++y) {
      centred[c * k + y] = std::log(chain.next[c * k + y]) - mean;
      sum_sq += centred[c * k + y] * centred[c * k + y];
    }
  }
  EXPECT_NEAR(std::sqrt(sum_sq / (k * k)), 3.0, 0.3);  // scale, less what the centring removes
  std::vector<double> gram(k * k, 0.0);                // centred^T centred
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j)
      for (int c = 0; c < k; ++c) gram[i * k + j] += centred[c * k + i] * centred[c * k + j];
  std::vector<double> sigma;
  for (int mode = 0; mode < 4; ++mode) {
    std::vector<double> v(k, 1.0), w(k);
    double lambda = 0;
    for (int iter = 0; iter < 500; ++iter) {
      double norm = 0;
      for (int i = 0; i < k; ++i) {
        w[i] = 0;
        for (int j = 0; j < k; ++j) w[i] += gram[i * k + j] * v[j];
        norm += w[i] * w[i];
      }
      norm = std::sqrt(norm);
      lambda = norm;
      for (int i = 0; i < k; ++i) v[i] = w[i] / norm;
    }
    sigma.push_back(std::sqrt(lambda));
    for (int i = 0; i < k; ++i)
      for (int j = 0; j < k; ++j) gram[i * k + j] -= lambda * v[i] * v[j];
  }
  for (int i = 1; i < 4; ++i)
    EXPECT_NEAR(sigma[0] / sigma[i], std::pow(i + 1.0, 1.5), 0.08 * std::pow(i + 1.0, 1.5))
        << "mode " << i + 1;
  auto h = markov_entropy_rate(chain);
  ASSERT_TRUE(h.ok());
  EXPECT_GT(*h, 0.5);
  EXPECT_LT(*h, std::log(24.0));
}

TEST(MarkovSpectrum, RejectsBadSpectrumAndScale) {
  EXPECT_FALSE(parse_markov_spec("synthetic:markov?spectrum=-1").ok());
  EXPECT_FALSE(parse_markov_spec("synthetic:markov?spectrum=1&scale=0").ok());
  auto big = parse_markov_spec("synthetic:markov?symbols=62&order=3&spectrum=1");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(std::string(big.status().message()).find("dense"), std::string::npos);
  // The Dirichlet chain's canonical string is unchanged by the new keys.
  EXPECT_EQ(markov_spec_string(*parse_markov_spec("synthetic:markov")),
            "synthetic:markov?symbols=16&order=1&alpha=0.2&tokens=2000000&seed=1");
}
}  // namespace sl
