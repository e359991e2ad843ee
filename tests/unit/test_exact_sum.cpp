// FLOAT SUM's accumulator: the correctly rounded true sum, whatever the order
// and grouping of the additions.
#include "s3loop/jobs/select/exact_sum.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <random>
#include <vector>

namespace s3loop::jobs::select {
namespace {

std::optional<double> sum(std::initializer_list<double> values) {
  ExactSum s;
  for (double v : values) s.add(v);
  return s.to_double();
}

TEST(ExactSum, IsTheTrueSumRoundedOnce) {
  EXPECT_EQ(ExactSum().to_double(), 0.0);
  // 0.1 ten times: 0.9999999999999999 added one by one, 1 exactly.
  ExactSum tenths;
  for (int i = 0; i < 10; ++i) tenths.add(0.1);
  EXPECT_EQ(tenths.to_double(), 1.0);
  EXPECT_EQ(sum({-0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1}), -1.0);
  EXPECT_EQ(sum({1e16, 1.0, -1e16}), 1.0);  // plain doubles lose the 1
  EXPECT_EQ(sum({0.5, -0.25}), 0.25);
  EXPECT_EQ(sum({5e-324, 5e-324}), 1e-323);  // subnormals are exact too
  EXPECT_EQ(sum({DBL_MIN, -5e-324}), DBL_MIN - 5e-324);
}

TEST(ExactSum, RoundsToNearestWithTiesToEven) {
  const double two53 = 9007199254740992.0;                // 2^53: from here doubles step by 2
  EXPECT_EQ(sum({two53, 1.0}), two53);                    // tie: to the even 2^53
  EXPECT_EQ(sum({two53, 3.0}), two53 + 4.0);              // tie: to the even 2^53 + 4
  EXPECT_EQ(sum({two53, 1.0, 1.0 / 1024}), two53 + 2.0);  // past the tie: up
  EXPECT_EQ(sum({-two53, -1.0, -1.0 / 1024}), -(two53 + 2.0));
  EXPECT_EQ(sum({two53, 1.0, -1.0 / 1024}), two53);  // below the tie: down
}

TEST(ExactSum, BeyondTheLargestDoubleIsNoNumber) {
  EXPECT_EQ(sum({1e308, 1e308}), std::nullopt);
  EXPECT_EQ(sum({-1e308, -1e308}), std::nullopt);
  // On the way only: the true sum is what counts, in any order.
  EXPECT_EQ(sum({1e308, 1e308, -1e308, -1e308}), 0.0);
  EXPECT_EQ(sum({DBL_MAX, DBL_MAX, -DBL_MAX}), DBL_MAX);
  // Rounding up to 2^1024 is past the range too; just below it is not.
  const double ulp = std::ldexp(1.0, 971);           // DBL_MAX's last place
  EXPECT_EQ(sum({DBL_MAX, ulp / 2}), std::nullopt);  // a tie, to even: 2^1024
  EXPECT_EQ(sum({DBL_MAX, ulp / 4}), DBL_MAX);
}

TEST(ExactSum, TakesIntegersAndOtherSumsExactly) {
  ExactSum s;
  s.add(Int128{1} << 100);
  s.add(0.5);
  s.add(-(Int128{1} << 100));
  EXPECT_EQ(s.to_double(), 0.5);
  ExactSum lowest;
  lowest.add(static_cast<Int128>(UInt128{1} << 127));  // the most negative 128-bit integer
  EXPECT_EQ(lowest.to_double(), -std::ldexp(1.0, 127));
  ExactSum a;
  ExactSum b;
  a.add(1e16);
  b.add(1.0);
  b.add(-1e16);
  a.add(b);
  EXPECT_EQ(a.to_double(), 1.0);
}

// The same values, in any order and any grouping into ranges, sum alike; on
// integers (exact in an int64) the result is that integer rounded once.
TEST(ExactSum, OrderAndGroupingDoNotChangeTheResult) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int> exponent(-60, 60);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  for (int round = 0; round < 200; ++round) {
    std::vector<double> values(1 + random() % 300);
    for (double& v : values) v = std::ldexp(unit(random), exponent(random));
    ExactSum whole;
    for (double v : values) whole.add(v);
    std::shuffle(values.begin(), values.end(), random);
    ExactSum grouped;
    ExactSum part;
    for (double v : values) {
      part.add(v);
      if (random() % 7 == 0) {
        grouped.add(part);
        part = ExactSum();
      }
    }
    grouped.add(part);
    ASSERT_EQ(whole.to_double(), grouped.to_double()) << round;
  }
  for (int round = 0; round < 200; ++round) {
    std::int64_t exact = 0;
    ExactSum s;
    for (int i = 0; i < 100; ++i) {
      const auto v = static_cast<std::int64_t>(random() >> 12) - (std::int64_t{1} << 51);
      exact += v;
      s.add(static_cast<double>(v));
    }
    ASSERT_EQ(s.to_double(), static_cast<double>(exact)) << round;
  }
}

}  // namespace
}  // namespace s3loop::jobs::select
