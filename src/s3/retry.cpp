#include "s3loop/s3/retry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace s3loop::s3 {

bool is_retryable(const Error& error) {
  if (error.retryable) return true;
  switch (error.kind) {
    case ErrorKind::network:
    case ErrorKind::timeout:
      return true;
    case ErrorKind::s3:
    case ErrorKind::http:
      // The AWS SDKs' transient statuses (botocore's standard mode): a 501 Not
      // Implemented, say, is the same answer every time.
      if (error.http_status == 500 || error.http_status == 502 || error.http_status == 503 ||
          error.http_status == 504 || error.http_status == 429) {
        return true;
      }
      return error.s3_code == "SlowDown" || error.s3_code == "RequestTimeout" ||
             error.s3_code == "Throttling" || error.s3_code == "ThrottlingException" ||
             error.s3_code == "InternalError";
    default:
      return false;
  }
}

bool is_throttling(const Error& error) {
  if (error.kind != ErrorKind::s3 && error.kind != ErrorKind::http) return false;
  return error.http_status == 503 || error.http_status == 429 || error.s3_code == "SlowDown" ||
         error.s3_code == "Throttling" || error.s3_code == "ThrottlingException";
}

bool effect_outlasts_failure(Op op) {
  switch (op) {
    case Op::put_object:
    case Op::copy_object:
    case Op::delete_objects:
    case Op::delete_object:
    case Op::create_multipart:
    case Op::complete_multipart:
    case Op::abort_multipart:
    case Op::create_bucket:
    case Op::delete_bucket:
    case Op::put_object_tagging:
    case Op::put_bucket_versioning:
      return true;
    case Op::upload_part_copy:
    case Op::list_objects:
    case Op::head_object:
    case Op::get_object:
    case Op::list_multipart:
    case Op::select_object:
    case Op::list_buckets:
    case Op::get_object_tagging:
    case Op::list_object_versions:
    case Op::get_bucket_versioning:
    case Op::count_:
      return false;
  }
  return false;
}

void note_unanswered_attempt(Error& error, Op op, bool an_attempt_went_unanswered) {
  if (!an_attempt_went_unanswered || !effect_outlasts_failure(op)) return;
  error.sent_unanswered = true;
  error.message +=
      " (an attempt reached the server and its reply was lost: it may have been carried out)";
}

void RetryBudget::set_capacity(int capacity) {
  capacity_ = std::max(0, capacity);
  tokens_ = capacity_;
}

bool RetryBudget::try_spend(bool after_timeout) {
  if (capacity_ == 0) return true;
  const int cost = RetryBudget::cost(after_timeout);
  int have = tokens_.load();
  while (have >= cost) {
    if (tokens_.compare_exchange_weak(have, have - cost)) return true;
  }
  return false;
}

void RetryBudget::on_success(int last_retry_cost) {
  if (capacity_ == 0) return;
  const int back = last_retry_cost > 0 ? last_retry_cost : 1;
  int have = tokens_.load();
  while (have < capacity_ &&
         !tokens_.compare_exchange_weak(have, std::min(capacity_, have + back))) {
  }
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit_random,
                                        std::optional<std::chrono::milliseconds> retry_after) {
  const double exp = std::ldexp(static_cast<double>(policy.base.count()), std::min(retry, 30));
  const double ceiling = std::min(exp, static_cast<double>(policy.cap.count()));
  auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(ceiling * unit_random));
  if (retry_after) delay = std::max(delay, std::min(*retry_after, policy.cap));
  return delay;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc{} || end != value.data() + value.size() || seconds < 0) return std::nullopt;
  // A day is more than any backoff waits (the caller caps it); past that
  // the product would overflow for the largest values a header can hold.
  constexpr std::int64_t kLongest = 24 * 60 * 60;
  return std::chrono::milliseconds(std::min(seconds, kLongest) * 1000);
}

}  // namespace s3loop::s3
