#include "select_number.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <system_error>

namespace s3loop::jobs::select {

DoubleReading read_double(std::string_view text) {
  DoubleReading reading;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), reading.value);
  if (text.empty() || end != text.data() + text.size()) return {};
  if (ec == std::errc::result_out_of_range) {
    // from_chars gives no value when out of range; strtod rounds an underflow
    // to 0 or a subnormal and an overflow to infinity.
    const std::string terminated(text);
    reading.value = std::strtod(terminated.c_str(), nullptr);
    reading.kind = std::isfinite(reading.value) ? DoubleText::number : DoubleText::too_large;
    return reading;
  }
  if (ec != std::errc() || !std::isfinite(reading.value)) return {};
  reading.kind = DoubleText::number;
  return reading;
}

}  // namespace s3loop::jobs::select
