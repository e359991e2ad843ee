#include "s3loop/jobs/select/exact_sum.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace s3loop::jobs::select {
namespace {

constexpr std::int64_t kDigit = std::int64_t{1} << 32;
// Each addition moves a limb by less than 2^32: 2^30 of them stay far below
// int64's 2^63 before the carries must be propagated.
constexpr std::uint32_t kAdditionsBeforeCarrying = std::uint32_t{1} << 30;

}  // namespace

void ExactSum::add_magnitude(UInt128 magnitude, int lowest_bit, bool negative) {
  auto k = static_cast<std::size_t>(lowest_bit / 32);
  UInt128 shifted = magnitude << (lowest_bit % 32);  // doubles: 53 + 31 bits; integers: shift 0
  for (; shifted != 0 && k < limbs_.size(); ++k, shifted >>= 32) {
    const auto digit = static_cast<std::int64_t>(static_cast<std::uint64_t>(shifted) & 0xFFFFFFFFu);
    limbs_[k] += negative ? -digit : digit;
  }
  if (++pending_ >= kAdditionsBeforeCarrying) normalise();
}

void ExactSum::add(double value) {
  if (!std::isfinite(value)) {
    not_finite_ = true;
    return;
  }
  const auto bits = std::bit_cast<std::uint64_t>(value);
  const auto biased_exponent = static_cast<int>((bits >> 52) & 0x7FF);
  std::uint64_t mantissa = bits & ((std::uint64_t{1} << 52) - 1);
  int exponent = -1074;  // of the mantissa's lowest bit; subnormals' too
  if (biased_exponent != 0) {
    mantissa |= std::uint64_t{1} << 52;
    exponent = biased_exponent - 1075;
  }
  if (mantissa == 0) return;
  add_magnitude(mantissa, exponent + kBias, (bits >> 63) != 0);
}

void ExactSum::add(Int128 value) {
  if (value == 0) return;
  // Negated unsigned, so the most negative value has its magnitude too.
  const UInt128 magnitude =
      value < 0 ? UInt128{0} - static_cast<UInt128>(value) : static_cast<UInt128>(value);
  add_magnitude(magnitude, kBias, value < 0);
}

void ExactSum::add(const ExactSum& other) {
  ExactSum carried = other;
  carried.normalise();
  normalise();
  for (std::size_t k = 0; k < limbs_.size(); ++k) limbs_[k] += carried.limbs_[k];
  pending_ = 1;
  not_finite_ = not_finite_ || other.not_finite_;
}

void ExactSum::normalise() {
  // Floor division by 2^32 (arithmetic shift), so every limb but the top one
  // ends in [0, 2^32); the top one carries the sign.
  for (std::size_t k = 0; k + 1 < limbs_.size(); ++k) {
    const std::int64_t carry = limbs_[k] >> 32;
    limbs_[k] -= carry * kDigit;
    limbs_[k + 1] += carry;
  }
  pending_ = 0;
}

std::optional<double> ExactSum::to_double() const {
  if (not_finite_) return std::nullopt;
  ExactSum m = *this;
  m.normalise();
  const bool negative = m.limbs_.back() < 0;
  if (negative) {
    for (auto& limb : m.limbs_) limb = -limb;
    m.normalise();
  }
  int top = kLimbs - 1;
  while (top >= 0 && m.limbs_[static_cast<std::size_t>(top)] == 0) --top;
  if (top < 0) return 0.0;
  const auto digit = [&m](int k) -> std::uint64_t {
    return k < 0 ? 0 : static_cast<std::uint64_t>(m.limbs_[static_cast<std::size_t>(k)]);
  };
  // The top three limbs (65 to 96 significant bits), and whether any bit
  // below them is set.
  const UInt128 window =
      (UInt128{digit(top)} << 64) | (UInt128{digit(top - 1)} << 32) | UInt128{digit(top - 2)};
  bool sticky = false;
  for (int k = 0; k < top - 2; ++k) sticky = sticky || m.limbs_[static_cast<std::size_t>(k)] != 0;
  const int window_low = 32 * (top - 2) - kBias;  // exponent of the window's lowest bit
  const int width = 64 + std::bit_width(digit(top));
  const int highest = window_low + width - 1;
  // 53 significant bits, or fewer below the normal range (down to 2^-1074).
  const int keep_low = std::max(highest - 52, -1074);
  const int drop = keep_low - window_low;  // >= 12: the window holds more than 53 bits
  UInt128 kept = drop >= 128 ? 0 : window >> drop;
  const UInt128 rest = drop >= 128 ? window : window & ((UInt128{1} << drop) - 1);
  const UInt128 half = UInt128{1} << (drop - 1);
  if (rest > half || (rest == half && (sticky || (kept & 1) != 0))) ++kept;  // ties to even
  const double magnitude =
      std::ldexp(static_cast<double>(static_cast<std::uint64_t>(kept)), keep_low);
  if (!std::isfinite(magnitude)) return std::nullopt;
  return negative ? -magnitude : magnitude;
}

}  // namespace s3loop::jobs::select
