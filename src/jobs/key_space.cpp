#include "s3loop/jobs/key_space.hpp"

#include "s3loop/utf8.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

namespace s3loop::jobs::listing {

namespace {

std::vector<unsigned char> every_byte() {
  std::vector<unsigned char> all(256);
  std::iota(all.begin(), all.end(), static_cast<unsigned char>(0));
  return all;
}

std::size_t common_length(std::string_view a, std::string_view b) {
  const auto end = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < end && a[i] == b[i]) ++i;
  return i;
}

// A string's bytes as digits in base symbols.size(): the index of the
// largest symbol not above each byte (0 below the smallest). Lossy for bytes
// outside the alphabet; callers check what they build from it.
class Digits {
 public:
  Digits(const std::vector<unsigned char>& symbols, std::string_view bytes, bool unbounded)
      : symbols_(symbols), bytes_(bytes), unbounded_(unbounded) {}
  unsigned at(std::size_t i) const {
    if (unbounded_) return static_cast<unsigned>(symbols_.size() - 1);
    if (i >= bytes_.size()) return 0;
    const auto b = static_cast<unsigned char>(bytes_[i]);
    const auto above = std::upper_bound(symbols_.begin(), symbols_.end(), b);
    return above == symbols_.begin() ? 0 : static_cast<unsigned>(above - symbols_.begin() - 1);
  }
  std::size_t size() const { return unbounded_ ? SIZE_MAX : bytes_.size(); }

 private:
  const std::vector<unsigned char>& symbols_;
  std::string_view bytes_;
  bool unbounded_;
};

// Where two bounds stop sharing bytes. Without hi the prefix is all a cut
// must keep (every key of the listing starts with it).
std::size_t shared_length(std::string_view prefix, std::string_view lo,
                          const std::optional<std::string>& hi) {
  return hi ? common_length(lo, *hi) : common_length(lo, prefix);
}

bool valid_cut(std::string_view prefix, std::string_view lo, const std::optional<std::string>& hi,
               std::string_view cut) {
  return cut > lo && (!hi || cut < std::string_view(*hi)) && cut.starts_with(prefix);
}

// `text` made valid UTF-8 from its first invalid byte on: cut there (down:
// its longest valid prefix, which sorts before it) or (up) that byte's
// sequence completed with the smallest bytes it may take, or replaced by the
// smallest character above it, nothing after (sorts after it). nullopt when
// no such string exists, or it would need a carry into the lead byte.
std::optional<std::string> utf8_bound(std::string_view text, bool up) {
  const std::size_t bad = utf8::first_invalid(text);
  if (bad == std::string_view::npos) return std::string(text);
  std::string out(text.substr(0, bad));
  if (!up) return out;
  const auto lead = static_cast<unsigned char>(text[bad]);
  if (lead < 0xC2) return out + "\xC2\x80";  // a continuation byte or overlong lead: U+0080 next
  if (lead > 0xF4) return std::nullopt;      // no UTF-8 sorts after it
  const std::size_t length = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  // The second byte's range (no overlong forms, surrogates or code points
  // past U+10FFFF); every later byte's is 80..BF.
  unsigned char low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
  unsigned char high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
  out += static_cast<char>(lead);
  for (std::size_t k = 1; k < length; ++k) {
    const bool present = bad + k < text.size();
    const auto byte = present ? static_cast<unsigned char>(text[bad + k]) : 0;
    if (!present || byte < low) {
      out += static_cast<char>(low);
      out.append(length - k - 1, '\x80');
      return out;
    }
    if (byte > high) return std::nullopt;
    out += static_cast<char>(byte);
    low = 0x80;
    high = 0xBF;
  }
  return std::nullopt;  // (a whole valid sequence is no first invalid byte)
}

std::optional<std::string> try_cut(std::string_view prefix, std::string_view lo,
                                   const std::optional<std::string>& hi, double fraction,
                                   const std::vector<unsigned char>& symbols) {
  const std::size_t base = symbols.size();
  const std::size_t shared = shared_length(prefix, lo, hi);
  const Digits low(symbols, lo.substr(shared), false);
  const Digits high(symbols, hi ? std::string_view(*hi).substr(shared) : std::string_view(), !hi);

  // The first digit where the bounds differ, then as many digits as fit in
  // 62 bits: that window is where the cut is placed.
  const std::size_t longest = std::max(low.size(), hi ? high.size() : low.size() + 1);
  std::size_t first = 0;
  while (first <= longest && low.at(first) == high.at(first)) ++first;
  if (first > longest) return std::nullopt;
  const auto width = std::max<std::size_t>(
      1, static_cast<std::size_t>(62.0 / std::log2(static_cast<double>(base))));
  std::uint64_t vlo = 0;
  std::uint64_t vhi = 0;
  for (std::size_t i = first; i < first + width; ++i) {
    vlo = vlo * base + low.at(i);
    vhi = vhi * base + high.at(i);
  }
  if (vhi <= vlo + 1) return std::nullopt;
  const std::uint64_t span = vhi - vlo;
  auto step = static_cast<std::uint64_t>(static_cast<long double>(span) * fraction);
  step = std::clamp<std::uint64_t>(step, 1, span - 1);
  std::uint64_t target = vlo + step;
  // Round down to the coarsest digit that moves it by under 1/16 of the
  // step: "k0177" rather than "k017712kkkkkkkkkk1".
  std::uint64_t unit = 1;
  while (unit <= step / 16 / base) unit *= base;
  if (target - target % unit > vlo) target -= target % unit;

  std::string window(width, '\0');
  for (std::size_t i = width; i-- > 0;) {
    window[i] = static_cast<char>(symbols[target % base]);
    target /= base;
  }
  // The digits before the window are the same in both bounds: keep lo's own
  // bytes there (they may lie outside the alphabet).
  std::string cut(lo.substr(0, shared));
  for (std::size_t i = 0; i < first; ++i) {
    cut += i < lo.size() - shared ? lo[shared + i] : static_cast<char>(symbols[low.at(i)]);
  }
  const std::size_t shortest = cut.size() + 1;
  cut += window;
  // "k05" reads better, and ends a range sooner, than "k05000000": drop
  // trailing smallest symbols when the shorter key still lies in between.
  std::string trimmed = cut;
  while (trimmed.size() > shortest && static_cast<unsigned char>(trimmed.back()) == symbols[0]) {
    trimmed.pop_back();
  }
  // A cut is sent as a listing's start-after. Between keys that are UTF-8,
  // it is UTF-8 too: a server may refuse a parameter that is not, or read
  // it with U+FFFD in place of the bytes -- another cut than the one the
  // ranges on either side end at, keys between them listed twice or not at
  // all. (Keys that are not UTF-8 themselves take cuts as they come.)
  const bool keys_are_utf8 = utf8::first_invalid(lo) == std::string_view::npos &&
                             (!hi || utf8::first_invalid(*hi) == std::string_view::npos);
  for (const std::string* candidate : {&trimmed, &cut}) {
    if (!keys_are_utf8) {
      if (valid_cut(prefix, lo, hi, *candidate)) return *candidate;
      continue;
    }
    for (const bool up : {false, true}) {
      auto bound = utf8_bound(*candidate, up);
      if (bound && valid_cut(prefix, lo, hi, *bound)) return bound;
    }
  }
  return std::nullopt;
}

}  // namespace

const std::vector<unsigned char> Alphabet::all_ = every_byte();

void Alphabet::add(std::string_view bytes) {
  bool grew = false;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (!seen_.test(b)) {
      seen_.set(b);
      grew = true;
    }
  }
  if (!grew || seen_.count() < 2) return;
  symbols_.clear();
  for (unsigned b = 0; b < 256; ++b) {
    if (seen_.test(b)) symbols_.push_back(static_cast<unsigned char>(b));
  }
}

std::optional<std::string> cut_point(std::string_view prefix, std::string_view lo,
                                     const std::optional<std::string>& hi, double fraction,
                                     const Alphabet& alphabet) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  if (auto cut = try_cut(prefix, lo, hi, fraction, alphabet.symbols())) return cut;
  // Bytes outside the alphabet can defeat it; every byte value always works
  // unless lo and hi are neighbours.
  static const std::vector<unsigned char> all = every_byte();
  return try_cut(prefix, lo, hi, fraction, all);
}

long double key_gap(std::string_view prefix, std::string_view lo,
                    const std::optional<std::string>& hi, const Alphabet& alphabet) {
  const auto& symbols = alphabet.symbols();
  const auto base = static_cast<long double>(symbols.size());
  const std::size_t shared = shared_length(prefix, lo, hi);
  const Digits low(symbols, lo.substr(shared), false);
  const Digits high(symbols, hi ? std::string_view(*hi).substr(shared) : std::string_view(), !hi);
  // 24 digits are more than a long double resolves; deeper keys only matter
  // relative to their shared bytes, which the scale below accounts for.
  long double gap = 0;
  long double unit = 1;
  for (std::size_t i = 0; i < 24; ++i) {
    unit /= base;
    gap += (static_cast<long double>(high.at(i)) - static_cast<long double>(low.at(i))) * unit;
  }
  if (gap <= 0) return 0;
  const std::size_t depth = shared > prefix.size() ? shared - prefix.size() : 0;
  return gap * std::pow(base, -static_cast<long double>(depth));
}

}  // namespace s3loop::jobs::listing
