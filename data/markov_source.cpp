// synthetic:markov: a seeded random chain, its exact entropy rate, and text sampled from it. All
// randomness comes from splitmix64 and hand-written samplers, so the output is the same on every
// platform and standard library.
#include "data/markov_source.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "core/progress.h"
#include "data/window_sampler.h"

namespace sl {
namespace {
constexpr char kSymbolChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr int kMaxSymbols = 62;
constexpr int64_t kMaxContexts = int64_t{1} << 20;
constexpr int64_t kMaxSpectralContexts = int64_t{1} << 16;

// A counter-based generator: draw k is splitmix64(state + k * golden).
struct Rng {
  uint64_t state;
  uint64_t next() { return splitmix64(state++ * 0x9e3779b97f4a7c15ull); }
  double uniform() { return (next() >> 11) * 0x1.0p-53; }               // [0, 1)
  double uniform_open() { return ((next() >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)
  double normal() {                                                     // Box-Muller
    return std::sqrt(-2.0 * std::log(uniform_open())) * std::cos(2.0 * M_PI * uniform());
  }
  // Marsaglia & Tsang (2000); alpha < 1 via Gamma(alpha + 1) * U^(1/alpha).
  double gamma(double alpha) {
    if (alpha < 1) return gamma(alpha + 1) * std::pow(uniform_open(), 1.0 / alpha);
    const double d = alpha - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = uniform_open();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
    }
  }
};

int sample_index(const double* p, int n, double u) {
  double acc = 0;
  for (int i = 0; i < n; ++i) {
    acc += p[i];
    if (u < acc) return i;
  }
  return n - 1;  // u within rounding of 1
}
}  // namespace

bool is_markov_source(const std::string& source) {
  return source == "synthetic:markov" || source.rfind("synthetic:markov?", 0) == 0;
}

absl::StatusOr<MarkovSpec> parse_markov_spec(const std::string& source) {
  if (!is_markov_source(source))
    return absl::InvalidArgumentError(
        absl::StrCat("\"", source, "\" is not a synthetic:markov spec"));
  MarkovSpec spec;
  const size_t q = source.find('?');
  if (q != std::string::npos) {
    for (absl::string_view kv : absl::StrSplit(source.substr(q + 1), '&', absl::SkipEmpty())) {
      std::vector<std::string> parts = absl::StrSplit(kv, absl::MaxSplits('=', 1));
      const std::string key = parts[0];
      const std::string value = parts.size() > 1 ? parts[1] : "";
      bool ok = false;
      if (key == "symbols")
        ok = absl::SimpleAtoi(value, &spec.symbols);
      else if (key == "order")
        ok = absl::SimpleAtoi(value, &spec.order);
      else if (key == "alpha")
        ok = absl::SimpleAtod(value, &spec.alpha);
      else if (key == "tokens")
        ok = absl::SimpleAtoi(value, &spec.tokens);
      else if (key == "seed")
        ok = absl::SimpleAtoi(value, &spec.seed);
      else if (key == "spectrum")
        ok = absl::SimpleAtod(value, &spec.spectrum);
      else if (key == "scale")
        ok = absl::SimpleAtod(value, &spec.scale);
      else
        return absl::InvalidArgumentError(
            absl::StrCat("unknown synthetic:markov parameter \"", key, "\" in \"", source,
                         "\": known are symbols, order, alpha, tokens, seed, spectrum, scale"));
      if (!ok)
        return absl::InvalidArgumentError(
            absl::StrCat("synthetic:markov parameter ", key, "=\"", value, "\" is not a number"));
    }
  }
  if (spec.symbols < 2 || spec.symbols > kMaxSymbols)
    return absl::InvalidArgumentError(
        absl::StrCat("synthetic:markov symbols=", spec.symbols, " must be in 2..", kMaxSymbols));
  if (spec.order < 1)
    return absl::InvalidArgumentError(
        absl::StrCat("synthetic:markov order=", spec.order, " must be >= 1"));
  if (std::pow(double(spec.symbols), spec.order) > double(kMaxContexts))
    return absl::InvalidArgumentError(
        absl::StrCat("synthetic:markov symbols^order = ", spec.symbols, "^", spec.order,
                     " contexts exceeds ", kMaxContexts, ": lower symbols or order"));
  if (!(spec.alpha > 0) || !std::isfinite(spec.alpha))
    return absl::InvalidArgumentError(
        absl::StrCat("synthetic:markov alpha=", spec.alpha, " must be a positive number"));
  if (!(spec.spectrum >= 0) || !std::isfinite(spec.spectrum))
    return absl::InvalidArgumentError(absl::StrCat("synthetic:markov spectrum=", spec.spectrum,
                                                   " must be >= 0 (0: Dirichlet rows)"));
  if (!(spec.scale > 0) || !std::isfinite(spec.scale))
    return absl::InvalidArgumentError(
        absl::StrCat("synthetic:markov scale=", spec.scale, " must be a positive number"));
  if (spec.spectrum > 0 &&
      std::pow(double(spec.symbols), spec.order) > double(kMaxSpectralContexts))
    return absl::InvalidArgumentError(
        absl::StrCat("synthetic:markov with spectrum: symbols^order = ", spec.symbols, "^",
                     spec.order, " contexts exceeds ", kMaxSpectralContexts,
                     " (the logit matrix is dense): lower symbols or order"));
  if (spec.tokens < 2)
    return absl::InvalidArgumentError(
        absl::StrCat("synthetic:markov tokens=", spec.tokens, " must be >= 2"));
  return spec;
}

std::string markov_spec_string(const MarkovSpec& s) {
  // spectrum and scale only when used, so the Dirichlet chains' strings (and datasets) stay as they
  // were.
  return absl::StrCat(
      "synthetic:markov?symbols=", s.symbols, "&order=", s.order, "&alpha=", s.alpha,
      "&tokens=", s.tokens, "&seed=", s.seed,
      s.spectrum > 0 ? absl::StrCat("&spectrum=", s.spectrum, "&scale=", s.scale) : "");
}

char markov_symbol_char(int symbol) { return kSymbolChars[symbol]; }

int64_t MarkovChain::contexts() const {
  int64_t c = 1;
  for (int i = 0; i < order; ++i) c *= symbols;
  return c;
}

int64_t MarkovChain::advance(int64_t c, int y) const { return (c * symbols + y) % contexts(); }

namespace {
// `cols` orthonormal columns of length `rows` (row-major rows x cols): Gaussian columns through
// modified Gram-Schmidt (a Gaussian matrix has full column rank with probability 1).
std::vector<double> random_orthonormal_columns(int64_t rows, int cols, Rng& rng) {
  std::vector<double> m(rows * cols);
  for (double& x : m) x = rng.normal();
  for (int j = 0; j < cols; ++j) {
    for (int i = 0; i < j; ++i) {
      double dot = 0;
      for (int64_t r = 0; r < rows; ++r) dot += m[r * cols + i] * m[r * cols + j];
      for (int64_t r = 0; r < rows; ++r) m[r * cols + j] -= dot * m[r * cols + i];
    }
    double norm = 0;
    for (int64_t r = 0; r < rows; ++r) norm += m[r * cols + j] * m[r * cols + j];
    norm = std::sqrt(norm);
    for (int64_t r = 0; r < rows; ++r) m[r * cols + j] /= norm;
  }
  return m;
}

// next[c * K + y] = softmax_y(Z[c, y]), Z = U diag(i^-p) V^T rescaled to entry RMS `scale`.
void fill_spectral_rows(const MarkovSpec& spec, int64_t contexts, Rng& rng,
                        std::vector<double>& next) {
  const int k = spec.symbols;
  const int rank = static_cast<int>(std::min<int64_t>(contexts, k));
  const std::vector<double> u =
      random_orthonormal_columns(contexts, rank, rng);                     // (contexts, rank)
  const std::vector<double> v = random_orthonormal_columns(k, rank, rng);  // (K, rank)
  std::vector<double> sigma(rank);
  double sum_sq = 0;
  for (int i = 0; i < rank; ++i) {
    sigma[i] = std::pow(i + 1.0, -spec.spectrum);
    sum_sq += sigma[i] * sigma[i];
  }
  // ||Z||_F^2 = sum of squared singular values: this factor gives the entries RMS `scale`.
  const double factor = spec.scale * std::sqrt(double(contexts) * k / sum_sq);
  std::vector<double> z(k);
  for (int64_t c = 0; c < contexts; ++c) {
    double max_z = -INFINITY;
    for (int y = 0; y < k; ++y) {
      double acc = 0;
      for (int i = 0; i < rank; ++i) acc += u[c * rank + i] * sigma[i] * v[y * rank + i];
      z[y] = factor * acc;
      max_z = std::max(max_z, z[y]);
    }
    double total = 0;
    for (int y = 0; y < k; ++y) total += (z[y] = std::exp(z[y] - max_z));
    for (int y = 0; y < k; ++y) next[c * k + y] = z[y] / total;
  }
}
}  // namespace

MarkovChain make_markov_chain(const MarkovSpec& spec) {
  MarkovChain chain;
  chain.symbols = spec.symbols;
  chain.order = spec.order;
  const int64_t contexts = chain.contexts();
  chain.next.resize(contexts * spec.symbols);
  Rng rng{splitmix64(spec.seed ^ 0x6d61726b6f76ull)};  // "markov"
  if (spec.spectrum > 0) {
    fill_spectral_rows(spec, contexts, rng, chain.next);
    return chain;
  }
  for (int64_t c = 0; c < contexts; ++c) {
    double* row = &chain.next[c * spec.symbols];
    double sum = 0;
    for (int y = 0; y < spec.symbols; ++y) sum += (row[y] = rng.gamma(spec.alpha));
    for (int y = 0; y < spec.symbols; ++y) row[y] /= sum;
  }
  return chain;
}

absl::StatusOr<std::vector<double>> markov_stationary(const MarkovChain& chain) {
  const int64_t contexts = chain.contexts();
  const int k = chain.symbols;
  std::vector<double> pi(contexts, 1.0 / contexts), next_pi(contexts);
  for (int iter = 0; iter < 100000; ++iter) {
    std::fill(next_pi.begin(), next_pi.end(), 0.0);
    for (int64_t c = 0; c < contexts; ++c)
      for (int y = 0; y < k; ++y) next_pi[chain.advance(c, y)] += pi[c] * chain.next[c * k + y];
    double change = 0, total = 0;
    for (int64_t c = 0; c < contexts; ++c) total += next_pi[c];
    for (int64_t c = 0; c < contexts; ++c) {
      next_pi[c] /= total;
      change += std::fabs(next_pi[c] - pi[c]);
    }
    pi.swap(next_pi);
    if (change < 1e-14) return pi;
  }
  return absl::InternalError(
      "the Markov chain's stationary distribution did not converge in 100000 iterations: the chain "
      "mixes too slowly; raise alpha or pick another seed");
}

absl::StatusOr<double> markov_entropy_rate(const MarkovChain& chain) {
  SL_ASSIGN_OR_RETURN(std::vector<double> pi, markov_stationary(chain));
  const int k = chain.symbols;
  double h = 0;
  for (int64_t c = 0; c < chain.contexts(); ++c)
    for (int y = 0; y < k; ++y) {
      const double p = chain.next[c * k + y];
      if (p > 0) h -= pi[c] * p * std::log(p);
    }
  return h;
}

absl::StatusOr<std::vector<uint8_t>> sample_markov(const MarkovChain& chain, int64_t n,
                                                   uint64_t seed) {
  SL_ASSIGN_OR_RETURN(std::vector<double> pi, markov_stationary(chain));
  Rng rng{splitmix64(seed ^ 0x73616d706c65ull)};  // "sample"
  const int k = chain.symbols;
  // The first context's symbols are the first `order` tokens of the stream.
  int64_t context = 0;
  {
    double u = rng.uniform(), acc = 0;
    for (int64_t c = 0; c < chain.contexts(); ++c) {
      context = c;
      acc += pi[c];
      if (u < acc) break;
    }
  }
  std::vector<uint8_t> out;
  out.reserve(n);
  std::vector<int> first(chain.order);
  for (int i = chain.order - 1, c = static_cast<int>(context); i >= 0; --i, c /= k)
    first[i] = c % k;
  for (int i = 0; i < chain.order && static_cast<int64_t>(out.size()) < n; ++i)
    out.push_back(static_cast<uint8_t>(first[i]));
  ProgressLine progress("synthetic:markov: sampling", 5.0);
  while (static_cast<int64_t>(out.size()) < n) {
    const int y = sample_index(&chain.next[context * k], k, rng.uniform());
    out.push_back(static_cast<uint8_t>(y));
    context = chain.advance(context, y);
    if ((out.size() & 0xfffff) == 0) progress.update(double(out.size()), double(n), "");
  }
  progress.finish();
  return out;
}

absl::StatusOr<Corpus> markov_corpus(const MarkovSpec& spec) {
  const MarkovChain chain = make_markov_chain(spec);
  Corpus corpus;
  corpus.source = markov_spec_string(spec);
  corpus.name = "markov";
  SL_ASSIGN_OR_RETURN(corpus.entropy_rate_nats, markov_entropy_rate(chain));
  SL_ASSIGN_OR_RETURN(std::vector<uint8_t> symbols, sample_markov(chain, spec.tokens, spec.seed));
  std::string text(symbols.size(), ' ');
  for (size_t i = 0; i < symbols.size(); ++i) text[i] = markov_symbol_char(symbols[i]);
  corpus.documents.push_back({"markov", std::move(text)});
  return corpus;
}
}  // namespace sl
