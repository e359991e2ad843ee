// Credentials that expire (a credential_process's), renewed during a run as
// botocore renews them: in the background from 15 minutes before they
// expire, so that no request waits for the helper while the old ones still
// serve; a request that finds them expired waits for a renewal.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/s3/credential_process.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace s3loop::s3 {

class RenewingCredentials {
 public:
  // What gets new credentials (runs the process again; it stops the process
  // when `stop` turns true), and the clock in seconds since 1970 UTC (tests
  // pass their own).
  using Fetch = std::function<Result<ProcessCredentials>(const std::atomic<bool>* stop)>;
  using Clock = std::function<std::int64_t()>;
  // Told of each renewal, from the thread that renews: a line, and whether
  // it says that one failed while the current credentials still serve (the
  // command warns of that; the rest is for --debug).
  using Note = std::function<void(const std::string& line, bool failed)>;

  // Renewal starts this long before they expire (botocore's advisory window).
  static constexpr std::int64_t kRenewBefore = 15 * 60;
  // Before they expire, a renewal follows the last by at least this long:
  // credentials that live 15 minutes or less (or a helper that gives the same
  // ones until they expire) would otherwise run the helper before every
  // request. Once they have expired, a request always tries again.
  static constexpr std::int64_t kRenewAtMostEvery = 60;

  RenewingCredentials(ProcessCredentials first, Fetch fetch, Clock now = system_clock_seconds);
  // A renewal under way is stopped (its helper killed) and waited for up to
  // a second, so that no helper outlives the command, nor holds up its exit.
  ~RenewingCredentials();
  RenewingCredentials(const RenewingCredentials&) = delete;
  RenewingCredentials& operator=(const RenewingCredentials&) = delete;

  void set_note(Note note);

  // The credentials to sign with now; from any thread. An error (kind
  // credentials) when they have expired and renewing them failed: the
  // renewal's own message, or that they expired; kind cancelled when
  // `interrupted` (may be null) turned true while it waited for a renewal.
  Result<std::shared_ptr<const Credentials>> current(
      const std::atomic<bool>* interrupted = nullptr);

  // How many times the helper ran again and answered (for tests).
  int renewals() const;

  static std::int64_t system_clock_seconds();

 private:
  // What the renewing thread shares with the requests; it holds it too, so
  // it may outlive this object.
  struct State {
    std::mutex mutex;
    std::condition_variable renewed;
    std::shared_ptr<const Credentials> credentials;
    std::int64_t expires_at = 0;
    bool renewing = false;
    std::int64_t last_attempt = 0;  // when the last renewal started (at first: the first fetch)
    int renewals = 0;
    std::string failure;  // the last renewal's error; empty when it succeeded
    ErrorKind failure_kind = ErrorKind::credentials;
    Note note;
    std::atomic<bool> abandoned{false};  // the owner is gone: stop the helper
  };

  void start_renewal(std::int64_t now);  // with state_->mutex held

  const Fetch fetch_;
  const Clock now_;
  const std::shared_ptr<State> state_;
};

}  // namespace s3loop::s3
