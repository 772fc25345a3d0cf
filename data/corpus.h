// A corpus: the documents of a source, in a fixed order, as text. Every source (text files, brown,
// synthetic) produces one; prepare tokenizes and splits it.
#pragma once
#include <string>
#include <vector>

namespace sl {
struct Document {
  std::string name;  // where it came from (relative path, Brown file id, "markov")
  std::string text;
};

struct Corpus {
  std::string source;  // the canonical --source spec (a synthetic source's parameters resolved)
  std::string name;    // short name for the default output directory: out/data/<name>
  std::vector<Document> documents;
  double entropy_rate_nats =
      -1;  // exact entropy rate per token if the source is synthetic, else -1
};
}  // namespace sl
