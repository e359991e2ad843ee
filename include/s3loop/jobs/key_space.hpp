// The keys under one prefix seen as numbers, so that a listing can be cut
// into ranges of about the right size: where to cut between two keys, and how
// wide a range is compared with a page whose keys we have seen. Pure, no I/O.
//
// S3 orders keys by their UTF-8 bytes, compared as unsigned values; so does
// std::string (char_traits<char> compares as unsigned char), and so does
// everything here.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace s3loop::jobs::listing {

// The byte values seen in keys so far. Cut points are spread over strings of
// these bytes only: "k000000".."k099999" is cut at "k03", "k06"... rather than
// in the empty space of all 256 byte values, where most cuts would fall
// between two keys and give a range nobody needs.
class Alphabet {
 public:
  void add(std::string_view bytes);
  // Sorted; all 256 byte values until at least two distinct bytes were seen.
  const std::vector<unsigned char>& symbols() const { return symbols_.empty() ? all_ : symbols_; }

 private:
  std::bitset<256> seen_;
  std::vector<unsigned char> symbols_;
  static const std::vector<unsigned char> all_;
};

// A key strictly between `lo` and `hi` (no hi: anywhere after lo within the
// prefix), about `fraction` (0..1) of the way from lo to hi in the alphabet's
// numbers, sharing the prefix. nullopt when no such key was found: there is
// none between "a" and "a\0".
std::optional<std::string> cut_point(std::string_view prefix, std::string_view lo,
                                     const std::optional<std::string>& hi, double fraction,
                                     const Alphabet& alphabet);

// How wide (lo, hi] is, in the alphabet's numbers: a key spread over the
// prefix maps to [0, 1). Only ratios of widths mean anything (keys in a range
// ~ keys in a page * width of the range / width of the page).
long double key_gap(std::string_view prefix, std::string_view lo,
                    const std::optional<std::string>& hi, const Alphabet& alphabet);

}  // namespace s3loop::jobs::listing
