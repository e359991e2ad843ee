#include "s3loop/s3/host_label.hpp"

#include <algorithm>

namespace s3loop::s3 {

namespace {

constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

constexpr bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

bool is_host_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::ranges::all_of(label, [](char c) { return is_letter(c) || is_digit(c) || c == '-'; });
}

bool is_region_name(std::string_view region) {
  // botocore's pattern: ^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{,63}(?<!-)$
  return is_host_label(region) && !std::ranges::all_of(region, is_digit);
}

}  // namespace s3loop::s3
