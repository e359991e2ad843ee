#include "s3loop/s3/renewing_credentials.hpp"

#include "s3loop/utc_text.hpp"

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

RenewingCredentials::~RenewingCredentials() {
  std::unique_lock lock(state_->mutex);
  state_->abandoned = true;
  state_->note = nullptr;  // its receiver may be gone before the thread is
  // The runner looks at `abandoned` ten times a second.
  state_->renewed.wait_for(lock, std::chrono::seconds(1), [this] { return !state_->renewing; });
}

void RenewingCredentials::set_note(Note note) {
  std::lock_guard lock(state_->mutex);
  state_->note = std::move(note);
}

Result<std::shared_ptr<const Credentials>> RenewingCredentials::current(
    const std::atomic<bool>* interrupted) {
  State& state = *state_;
  std::unique_lock lock(state.mutex);
  const std::int64_t now = now_();
  const bool expired = now >= state.expires_at;
  if (!state.renewing && (expired || (now >= state.expires_at - kRenewBefore &&
                                      now - state.last_attempt >= kRenewAtMostEvery))) {
    start_renewal(now);
  }
  if (!expired) return state.credentials;
  // A renewal that started before they expired (in the background) and
  // failed is followed by one more: the helper may have been in passing
  // trouble, or have handed out the old ones until they expired.
  for (bool tried_again = false;; tried_again = true) {
    // The loop waits here (nothing could be signed meanwhile), but a Ctrl-C
    // is seen within a tenth of a second, not when the helper answers.
    while (state.renewing) {
      if (interrupted != nullptr && interrupted->load()) break;
      state.renewed.wait_for(lock, std::chrono::milliseconds(100));
    }
    if (interrupted != nullptr && interrupted->load()) {
      return make_error(ErrorKind::cancelled,
                        "interrupted while the expired credentials were being renewed");
    }
    if (now_() < state.expires_at) return state.credentials;
    if (!tried_again && state.last_attempt < state.expires_at) {
      start_renewal(now_());
      continue;
    }
    break;
  }
  if (!state.failure.empty()) {
    return make_error(
        state.failure_kind == ErrorKind::cancelled ? ErrorKind::cancelled : ErrorKind::credentials,
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
  if (state_->note) {
    state_->note("credentials: renewing those that expire at " + format_utc(state_->expires_at),
                 false);
  }
  // The helper runs with no lock held: requests go on with the old ones.
  std::thread([state = state_, fetch = fetch_, now_clock = now_] {
    auto fetched = fetch(&state->abandoned);
    std::lock_guard lock(state->mutex);
    ++state->renewals;
    if (fetched) {
      state->credentials = std::make_shared<const Credentials>(std::move(fetched->credentials));
      state->expires_at = fetched->expires_at.value_or(INT64_MAX);
      state->failure.clear();
      if (state->note) {
        state->note("credentials: renewed; the new ones expire at " + format_utc(state->expires_at),
                    false);
      }
    } else {
      state->failure = fetched.error().message;
      state->failure_kind = fetched.error().kind;
      // A request waiting for them says why; before they expire, the command
      // warns -- not of a helper stopped by a signal (Ctrl-C reaches it too).
      if (state->note && now_clock() < state->expires_at &&
          fetched.error().kind != ErrorKind::cancelled) {
        state->note("renewing the credentials failed; the current ones serve until " +
                        format_utc(state->expires_at) + ": " + state->failure,
                    true);
      }
    }
    state->renewing = false;
    state->renewed.notify_all();
  }).detach();
}

}  // namespace s3loop::s3
