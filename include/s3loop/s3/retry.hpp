// When and how long to wait before trying an S3 request again. Pure.
#pragma once

#include "s3loop/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace s3loop::s3 {

struct RetryPolicy {
  int max_attempts = 5;  // total tries, first included
  std::chrono::milliseconds base{100};
  std::chrono::milliseconds cap{20'000};
};

// Transient by nature: 5xx, throttling (503 SlowDown, 429), RequestTimeout,
// connection resets and timeouts. Other 4xx are the caller's mistake.
bool is_retryable(const Error& error);

// Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
// uniform in [0, min(cap, base * 2^retry)], where retry counts from 0.
// `unit_random` is in [0, 1). A server's Retry-After is a floor.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit_random,
                                        std::optional<std::chrono::milliseconds> retry_after);

// Parses a Retry-After header value given in seconds ("3"); HTTP dates are ignored.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

}  // namespace s3loop::s3
