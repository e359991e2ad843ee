// An exact sum of doubles (and 128-bit integers), rounded once at the end.
// Pure.
//
// A FLOAT SUM over ranges adds each range's partial sum to the others: with
// plain doubles the result's last digits depend on where the ranges were cut
// (--chunk-size), and a sum that passes DBL_MAX on the way may come back as
// 0 or as infinity depending on the order. Kept exactly -- every double is
// an integer multiple of 2^-1074, so a wide enough fixed-point number holds
// any sum of them -- the result is the correctly rounded true sum, the same
// for every chunk size and strategy, and "too large" is a property of the
// data, not of the order.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace s3loop::jobs::select {

// GCC's and Clang's 128-bit integers (__extension__: not ISO C++).
__extension__ using Int128 = __int128;
__extension__ using UInt128 = unsigned __int128;

class ExactSum {
 public:
  void add(double value);  // an infinity or NaN makes the sum no number
  void add(Int128 value);
  void add(const ExactSum& other);

  // The true sum rounded to the nearest double (ties to even); nullopt when
  // it lies beyond DBL_MAX.
  std::optional<double> to_double() const;

 private:
  // Value = sum of limbs_[k] * 2^(32k - kBias). Each limb holds a signed
  // 32-bit digit plus carries not yet propagated: additions are cheap, and
  // normalise() propagates them before a limb could overflow.
  static constexpr int kBias = 1088;  // >= 1074, a multiple of 32: limb 0 is 2^-1088
  static constexpr int kLimbs = 72;   // up to 2^1216: DBL_MAX * 2^190 of headroom
  void add_magnitude(UInt128 magnitude, int lowest_bit, bool negative);
  void normalise();

  std::array<std::int64_t, kLimbs> limbs_{};
  std::uint32_t pending_ = 0;  // additions since the carries were last propagated
  bool not_finite_ = false;    // an infinity or NaN was added
};

}  // namespace s3loop::jobs::select
