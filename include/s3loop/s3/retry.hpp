// When and how long to wait before trying an S3 request again. Pure.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/s3/stats.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace s3loop::s3 {

struct RetryPolicy {
  // The command's --max-attempts range: past a hundred tries a request that
  // keeps failing holds its slot for hours.
  static constexpr int kMostAttempts = 100;
  int max_attempts = 5;  // total tries, first included
  std::chrono::milliseconds base{100};
  std::chrono::milliseconds cap{20'000};
};

// The job's retry budget, as the AWS SDKs' retry quota: a bucket of tokens
// every retry draws from (kRetryCost, kTimeoutCost after a timeout) and every
// success puts one back, up to the capacity. Occasional faults never empty
// it (one failure in six requests is sustainable), but a retry storm -- the
// server down, most requests failing -- ends after about capacity / 5 retries
// instead of max_attempts tries of every request. Listing requests do not
// draw from it (Client::send): a failed page would end the whole job.
// Thread-safe.
class RetryBudget {
 public:
  static constexpr int kDefaultCapacity = 500;
  static constexpr int kMostCapacity = 100'000'000;  // --retry-budget's range: 0 to this
  static constexpr int kRetryCost = 5;
  static constexpr int kTimeoutCost = 10;

  explicit RetryBudget(int capacity = kDefaultCapacity) { set_capacity(capacity); }
  // 0: unlimited. Not while requests are running.
  void set_capacity(int capacity);
  int capacity() const { return capacity_; }

  static constexpr int cost(bool after_timeout) {
    return after_timeout ? kTimeoutCost : kRetryCost;
  }
  // Takes the cost of one retry; false (and takes nothing) when too little is left.
  bool try_spend(bool after_timeout);
  // A request succeeded: as botocore's standard retry quota, it gives back
  // the cost of its latest retry when it needed one (`last_retry_cost`),
  // else 1 -- so transient errors that retries get past do not drain the
  // budget, while a run of them that never succeeds does.
  void on_success(int last_retry_cost = 0);
  int tokens() const { return tokens_.load(); }

 private:
  int capacity_ = kDefaultCapacity;
  std::atomic<int> tokens_{kDefaultCapacity};
};

// Transient by nature: 5xx, throttling (503 SlowDown, 429), RequestTimeout,
// connection resets and timeouts. Other 4xx are the caller's mistake.
bool is_retryable(const Error& error);

// The server asked us to slow down: 503, 429, or a SlowDown / Throttling code
// (also inside a 200). Counted, and fed to adaptive concurrency, as one.
bool is_throttling(const Error& error);

// The operations whose effect stays when they are reported failed: a write,
// a copy, a delete, a created or completed upload, an abort, tags, buckets.
// Not a part copy: its upload is aborted when it fails.
bool effect_outlasts_failure(Op op);

// Says, on the final error of such a request, that one of its attempts went
// out whole and its reply was lost: the change may have been made though the
// request failed -- a copy reported failed whose destination is there
// (whole: S3 writes an object atomically). Other errors are left as they are.
void note_unanswered_attempt(Error& error, Op op, bool an_attempt_went_unanswered);

// Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
// uniform in [0, min(cap, base * 2^retry)], where retry counts from 0.
// `unit_random` is in [0, 1). A server's Retry-After is a floor.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit_random,
                                        std::optional<std::chrono::milliseconds> retry_after);

// Parses a Retry-After header value given in seconds ("3"); HTTP dates are ignored.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

}  // namespace s3loop::s3
