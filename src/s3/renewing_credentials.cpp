#include "s3loop/s3/renewing_credentials.hpp"

#include "s3loop/s3/timestamp.hpp"

#include <chrono>
#include <thread>

namespace s3loop::s3 {

std::int64_t RenewingCredentials::system_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RenewingCredentials::RenewingCredentials(ProcessCredentials first, Fetch fetch, Clock now)
    : fetch_(std::move(fetch)), now_(std::move(now)), state_(std::make_shared<State>()) {
  state_->credentials = std::make_shared<const Credentials>(std::move(first.credentials));
  // (Made only for credentials that expire.)
  state_->expires_at = first.expires_at.value_or(INT64_MAX);
  state_->last_attempt = now_();
}

Result<std::shared_ptr<const Credentials>> RenewingCredentials::current() {
  State& state = *state_;
  std::unique_lock lock(state.mutex);
  const std::int64_t now = now_();
  if (!state.renewing && now >= state.expires_at - kRenewBefore &&
      now - state.last_attempt >= kRenewAtMostEvery) {
    start_renewal(now);
  } else if (!state.renewing && now >= state.expires_at && state.renewals == 0 &&
             state.failure.empty()) {
    // Expired before the first renewal was due to be tried (they lived
    // under a minute): one try now rather than fail.
    start_renewal(now);
  }
  if (now < state.expires_at) return state.credentials;
  state.renewed.wait(lock, [&state] { return !state.renewing; });
  if (now_() < state.expires_at) return state.credentials;
  if (!state.failure.empty()) {
    return make_error(ErrorKind::credentials,
                      "the credentials expired and renewing them failed: " + state.failure);
  }
  return make_error(ErrorKind::credentials,
                    "the credentials expired at " + format_utc(state.expires_at) +
                        " and the credential process gave none that last longer");
}

int RenewingCredentials::renewals() const {
  std::lock_guard lock(state_->mutex);
  return state_->renewals;
}

void RenewingCredentials::start_renewal(std::int64_t now) {
  state_->renewing = true;
  state_->last_attempt = now;
  // The helper runs with no lock held: requests go on with the old ones.
  std::thread([state = state_, fetch = fetch_] {
    auto fetched = fetch();
    std::lock_guard lock(state->mutex);
    ++state->renewals;
    if (fetched) {
      state->credentials = std::make_shared<const Credentials>(std::move(fetched->credentials));
      state->expires_at = fetched->expires_at.value_or(INT64_MAX);
      state->failure.clear();
    } else {
      state->failure = fetched.error().message;
    }
    state->renewing = false;
    state->renewed.notify_all();
  }).detach();
}

}  // namespace s3loop::s3
