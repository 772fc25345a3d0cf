// brown_to_text: Brown "word/tag" sentences back to readable paragraphs.
#include <cstring>
#include <sstream>
#include <vector>

#include "data/brown_source.h"

namespace sl {
namespace {
struct TaggedWord {
  std::string word, tag;
};

std::vector<TaggedWord> split_tagged(const std::string& line) {
  std::vector<TaggedWord> words;
  std::istringstream in(line);
  std::string token;
  while (in >> token) {
    const size_t slash = token.rfind('/');
    if (slash == std::string::npos || slash == 0)
      words.push_back({token, ""});
    else
      words.push_back({token.substr(0, slash), token.substr(slash + 1)});
  }
  return words;
}

bool is_headline(const std::vector<TaggedWord>& words) {
  for (const auto& w : words)
    if (w.tag.size() < 3 || w.tag.compare(w.tag.size() - 3, 3, "-hl") != 0) return false;
  return !words.empty();
}

// Tokens written without a space before them / after them.
bool attaches_left(const std::string& w) {
  static const char* const kLeft[] = {".", ",", ":", ";", "?", "!", ")", "]", "''", "'", "?!"};
  for (const char* p : kLeft)
    if (w == p) return true;
  return false;
}
bool attaches_right(const std::string& w) { return w == "``" || w == "(" || w == "["; }

// Appends the words of one sentence to `out`, spacing them as running prose.
void append_sentence(const std::vector<TaggedWord>& words, std::string& out) {
  bool glue_next = out.empty() || out.back() == '\n';
  for (const auto& tw : words) {
    std::string word = tw.word;
    // "Jr./np ./." : the sentence's period after an abbreviation's is written once, as in prose.
    if (word == "." && !out.empty() && out.back() == '.') continue;
    const bool left = attaches_left(word);
    const bool right = attaches_right(word);
    if (word == "``" || word == "''") word = "\"";
    if (!glue_next && !left) out += ' ';
    out += word;
    glue_next = right;
  }
}
}  // namespace

std::string brown_to_text(const std::string& tagged) {
  std::string out;
  std::istringstream in(tagged);
  std::string line;
  bool blank_before = true;  // a paragraph starts after blank lines or at a tab-indented line
  bool open_paragraph = false;
  while (std::getline(in, line)) {
    const bool indented = !line.empty() && line[0] == '\t';
    std::vector<TaggedWord> words = split_tagged(line);
    if (words.empty()) {
      blank_before = true;
      continue;
    }
    const bool headline = is_headline(words);
    if (open_paragraph && (blank_before || indented || headline)) {
      out += '\n';
      open_paragraph = false;
    }
    append_sentence(words, out);
    open_paragraph = true;
    if (headline) {
      out += '\n';
      open_paragraph = false;
    }
    blank_before = false;
  }
  if (open_paragraph) out += '\n';
  return out;
}
}  // namespace sl
