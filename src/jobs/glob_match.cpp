#include "glob_match.hpp"

#include "s3loop/utf8.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace s3loop::jobs {

namespace {

// glibc's fnmatch was used here first; under C.UTF-8 it matched both "?.txt"
// and "??.txt" against "é.txt", so a filter took or dropped keys with
// accented letters by their byte count. Code points are decoded here instead.
void code_points(std::string_view text, std::u32string& out) {
  out.clear();
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    if (const auto c = utf8::decode_at(text, at)) {
      out.push_back(c->code_point);
      at += c->length;
    } else {
      // As Python's surrogateescape: a lone surrogate no valid text decodes to.
      out.push_back(0xDC00 + static_cast<unsigned char>(text[at]));
      ++at;
    }
  }
}

struct CharSet {
  bool negated = false;
  std::vector<std::pair<char32_t, char32_t>> ranges;

  bool contains(char32_t c) const {
    bool found = false;
    for (const auto& [low, high] : ranges) found = found || (low <= c && c <= high);
    return found != negated;
  }
};

struct Token {
  enum class Kind { literal, any_one, any_run, set };
  Kind kind = Kind::literal;
  char32_t literal = 0;
  CharSet set;

  static Token of(Kind kind, char32_t literal = 0) {
    Token token;
    token.kind = kind;
    token.literal = literal;
    return token;
  }
};

// Python's fnmatch.translate: after '[' an optional '!', then a ']' that is
// the set's first member, then up to the next ']'. A '-' between two members
// makes a range; at either end it is itself; a range running backwards is
// empty (and a set left with nothing matches nothing).
std::vector<Token> compile(const std::u32string& pattern) {
  std::vector<Token> tokens;
  const std::size_t n = pattern.size();
  std::size_t i = 0;
  while (i < n) {
    const char32_t c = pattern[i++];
    if (c == U'*') {
      if (tokens.empty() || tokens.back().kind != Token::Kind::any_run)
        tokens.push_back(Token::of(Token::Kind::any_run));
      continue;
    }
    if (c == U'?') {
      tokens.push_back(Token::of(Token::Kind::any_one));
      continue;
    }
    if (c != U'[') {
      tokens.push_back(Token::of(Token::Kind::literal, c));
      continue;
    }
    std::size_t end = i;
    if (end < n && pattern[end] == U'!') ++end;
    if (end < n && pattern[end] == U']') ++end;
    while (end < n && pattern[end] != U']') ++end;
    if (end >= n) {
      tokens.push_back(Token::of(Token::Kind::literal, U'['));
      continue;
    }
    Token set = Token::of(Token::Kind::set);
    std::size_t k = i;
    if (pattern[k] == U'!') {
      set.set.negated = true;
      ++k;
    }
    while (k < end) {
      if (k + 2 < end && pattern[k + 1] == U'-') {
        if (pattern[k] <= pattern[k + 2]) set.set.ranges.emplace_back(pattern[k], pattern[k + 2]);
        k += 3;
      } else {
        set.set.ranges.emplace_back(pattern[k], pattern[k]);
        ++k;
      }
    }
    tokens.push_back(std::move(set));
    i = end + 1;
  }
  return tokens;
}

bool token_matches(const Token& token, char32_t c) {
  switch (token.kind) {
    case Token::Kind::literal:
      return token.literal == c;
    case Token::Kind::any_one:
      return true;
    case Token::Kind::set:
      return token.set.contains(c);
    case Token::Kind::any_run:
      break;
  }
  return false;
}

// Filters are few and every listed key is matched against each: compiled
// once per thread (a key took 1.5 us when each match compiled its pattern).
const std::vector<Token>& compiled(std::string_view pattern) {
  struct Hash {
    using is_transparent = void;  // looked up by string_view, no copy
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  thread_local std::unordered_map<std::string, std::vector<Token>, Hash, std::equal_to<>> cache;
  auto found = cache.find(pattern);
  if (found != cache.end()) return found->second;
  if (cache.size() >= 64) cache.clear();  // bounded, whatever calls this
  std::u32string points;
  code_points(pattern, points);
  return cache.emplace(std::string(pattern), compile(points)).first->second;
}

}  // namespace

bool glob_matches(std::string_view pattern, std::string_view subject) {
  const std::vector<Token>& tokens = compiled(pattern);
  thread_local std::u32string text;
  code_points(subject, text);
  // The classic one-star backtrack: on a mismatch, let the last '*' take one
  // more character. Linear in practice, at worst tokens x characters.
  std::size_t t = 0, s = 0;
  std::size_t star = tokens.size(), star_text = 0;
  while (s < text.size()) {
    if (t < tokens.size() && tokens[t].kind == Token::Kind::any_run) {
      star = t++;
      star_text = s;
    } else if (t < tokens.size() && token_matches(tokens[t], text[s])) {
      ++t, ++s;
    } else if (star != tokens.size()) {
      t = star + 1;
      s = ++star_text;
    } else {
      return false;
    }
  }
  while (t < tokens.size() && tokens[t].kind == Token::Kind::any_run) ++t;
  return t == tokens.size();
}

}  // namespace s3loop::jobs
