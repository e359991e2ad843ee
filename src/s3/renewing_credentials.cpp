#include "s3loop/s3/renewing_credentials.hpp"

#include "s3loop/s3/timestamp.hpp"

#include <chrono>

namespace s3loop::s3 {

std::int64_t RenewingCredentials::system_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RenewingCredentials::RenewingCredentials(ProcessCredentials first, Fetch fetch, Clock now)
    : fetch_(std::move(fetch)),
      now_(std::move(now)),
      credentials_(std::make_shared<const Credentials>(std::move(first.credentials))),
      // (Constructed only for credentials that expire.)
      expires_at_(first.expires_at.value_or(INT64_MAX)),
      last_attempt_(now_()) {}

RenewingCredentials::~RenewingCredentials() {
  if (worker_.joinable()) worker_.join();
}

Result<std::shared_ptr<const Credentials>> RenewingCredentials::current() {
  std::unique_lock lock(mutex_);
  const std::int64_t now = now_();
  if (!renewing_ && now >= expires_at_ - kRenewBefore && now - last_attempt_ >= kRenewAtMostEvery) {
    start_renewal(now);
  } else if (!renewing_ && now >= expires_at_ && renewals_ == 0 && failure_.empty()) {
    // Expired before the first renewal was due to be tried (they lived
    // under a minute): one try now rather than fail.
    start_renewal(now);
  }
  if (now < expires_at_) return credentials_;
  renewed_.wait(lock, [this] { return !renewing_; });
  if (now_() < expires_at_) return credentials_;
  if (!failure_.empty()) {
    return make_error(ErrorKind::credentials,
                      "the credentials expired and renewing them failed: " + failure_);
  }
  return make_error(ErrorKind::credentials,
                    "the credentials expired at " + format_utc(expires_at_) +
                        " and the credential process gave none that last longer");
}

int RenewingCredentials::renewals() const {
  std::lock_guard lock(mutex_);
  return renewals_;
}

void RenewingCredentials::start_renewal(std::int64_t now) {
  renewing_ = true;
  last_attempt_ = now;
  // The previous renewal has ended (renewing_ was false): its thread only returns.
  if (worker_.joinable()) worker_.join();
  worker_ = std::thread([this] { renew(); });
}

void RenewingCredentials::renew() {
  auto fetched = fetch_();  // the helper runs with no lock held: requests go on meanwhile
  std::lock_guard lock(mutex_);
  ++renewals_;
  if (fetched) {
    credentials_ = std::make_shared<const Credentials>(std::move(fetched->credentials));
    expires_at_ = fetched->expires_at.value_or(INT64_MAX);
    failure_.clear();
  } else {
    failure_ = fetched.error().message;
  }
  renewing_ = false;
  renewed_.notify_all();
}

}  // namespace s3loop::s3
