// synthetic:markov: text from a random Markov chain whose entropy rate is known exactly, so the
// irreducible loss of the data is known (a model's val loss can approach it, never beat it). Spec:
// synthetic:markov[?symbols=K&order=n&alpha=A&tokens=T&seed=S] with defaults below. The chain has K
// symbols (written as the characters a-z, A-Z, 0-9, one byte = one token each), contexts of the
// last n symbols, and for every context a next-symbol distribution drawn from a symmetric
// Dirichlet(alpha) (small alpha = sparse, predictable rows). The first context is drawn from the
// stationary distribution, so the stream is stationary from its first token.
//
// With spectrum=p > 0 the rows are instead softmax(Z[c, :]) of a logit matrix with a power-law
// spectrum, Z = U diag(1, 2^-p, 3^-p, ...) V^T (U, V random orthonormal columns), rescaled so its
// entries have RMS `scale`. A model whose last hidden state has d dimensions can only produce logits
// of rank <= d, so its best loss exceeds the entropy rate by roughly the spectrum's tail beyond d, a
// power law in width; the modes are learned in order of their singular value, so the loss also
// approaches the entropy rate as a power law in training time. Data whose L(N, D) has a known E.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/corpus.h"

namespace sl {
struct MarkovSpec {
  int symbols = 16;          // alphabet size K, 2..62
  int order = 1;             // context length n >= 1; K^n contexts, at most 2^20
  double alpha = 0.2;        // Dirichlet concentration of each row, > 0
  int64_t tokens = 2000000;  // length of the generated text
  uint64_t seed = 1;         // seeds the transition matrix and the sample
  double spectrum = 0;       // p > 0: rows from a logit matrix with singular values i^-p (above)
  double scale = 3;          // spectrum only: RMS of the logit matrix's entries
};

// Parses "synthetic:markov" or "synthetic:markov?key=value&..."; unknown keys and bad values are
// errors.
absl::StatusOr<MarkovSpec> parse_markov_spec(const std::string& source);
std::string markov_spec_string(const MarkovSpec& spec);  // canonical, every parameter spelled out
bool is_markov_source(const std::string& source);

struct MarkovChain {
  int symbols = 0, order = 0;
  std::vector<double>
      next;  // next[c * symbols + y] = P(y | context c); c encodes the last `order` symbols
  int64_t contexts() const;
  // Context after `c` emits `y`: drop the oldest symbol, append y.
  int64_t advance(int64_t c, int y) const;
};

MarkovChain make_markov_chain(const MarkovSpec& spec);
// Stationary distribution over contexts by power iteration (error if it does not converge).
absl::StatusOr<std::vector<double>> markov_stationary(const MarkovChain& chain);
// H = -sum_c pi_c sum_y P(y|c) log P(y|c), nats per token.
absl::StatusOr<double> markov_entropy_rate(const MarkovChain& chain);
// `n` symbols (0..K-1) sampled from the chain, first context from the stationary distribution.
absl::StatusOr<std::vector<uint8_t>> sample_markov(const MarkovChain& chain, int64_t n,
                                                   uint64_t seed);
char markov_symbol_char(int symbol);

absl::StatusOr<Corpus> markov_corpus(const MarkovSpec& spec);
}  // namespace sl
