#pragma once

#include <string_view>

namespace s3loop::jobs::select {

// How a decimal text reads as a double. A query's literal and a field's text
// are read alike, so that `WHERE x = 1e-400` and a field "1e-400" agree.
enum class DoubleText { number, too_large, not_a_number };

struct DoubleReading {
  DoubleText kind = DoubleText::not_a_number;
  double value = 0;
};

// All of `text` as a finite double: too small for one reads as 0 or the
// nearest subnormal (as strtod and Python read "1e-400"); too large is
// too_large, not a number ("inf" and "nan" are none).
DoubleReading read_double(std::string_view text);

}  // namespace s3loop::jobs::select
