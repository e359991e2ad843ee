// Renewing a credential process's credentials during a run: when, from
// which thread, and what a request gets when renewing fails.
#include "s3loop/s3/renewing_credentials.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <thread>
#include <vector>

namespace s3loop::s3 {
namespace {

constexpr std::int64_t kStart = 4'000'000'000;

using Note = std::pair<std::string, bool>;

ProcessCredentials keys(const std::string& id, std::optional<std::int64_t> expires_at) {
  return ProcessCredentials{Credentials{id, "secret-" + id, "token-" + id}, expires_at};
}

// A helper the test answers for: each fetch waits for the test's answer.
struct FakeHelper {
  std::atomic<std::int64_t> now{kStart};
  std::atomic<int> started{0};
  std::mutex mutex;
  std::vector<std::promise<Result<ProcessCredentials>>> answers{16};

  RenewingCredentials::Fetch fetch() {
    return [this](const std::atomic<bool>*) {
      const int n = started.fetch_add(1);
      std::future<Result<ProcessCredentials>> answer;
      {
        std::lock_guard lock(mutex);
        answer = answers[static_cast<std::size_t>(n)].get_future();
      }
      // (A test that fails before answering must not leave it waiting for ever.)
      if (answer.wait_for(std::chrono::seconds(10)) == std::future_status::timeout) {
        return Result<ProcessCredentials>(make_error(ErrorKind::credentials, "no answer"));
      }
      try {
        return answer.get();
      } catch (const std::future_error&) {  // the test ended without answering
        return Result<ProcessCredentials>(make_error(ErrorKind::credentials, "no answer"));
      }
    };
  }
  RenewingCredentials::Clock clock() {
    return [this] { return now.load(); };
  }
  void answer(int n, Result<ProcessCredentials> r) {
    std::lock_guard lock(mutex);
    answers[static_cast<std::size_t>(n)].set_value(std::move(r));
  }
};

std::string id_of(const Result<std::shared_ptr<const Credentials>>& r) {
  return r ? (*r)->access_key_id : "error: " + r.error().message;
}

// Waits up to `seconds` for what another thread is to do; whether it did.
bool eventually(const std::function<bool()>& done, int seconds = 10) {
  for (int i = 0; i < seconds * 200 && !done(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

void wait_for_renewals(const RenewingCredentials& c, int n) {
  eventually([&] { return c.renewals() >= n; });
  ASSERT_EQ(c.renewals(), n);
}

TEST(RenewingCredentials, FreshOnesServeWithoutRunningTheHelper) {
  FakeHelper helper;
  RenewingCredentials c(keys("A", kStart + 3600), helper.fetch(), helper.clock());
  EXPECT_EQ(id_of(c.current()), "A");
  helper.now = kStart + 3600 - RenewingCredentials::kRenewBefore - 1;
  EXPECT_EQ(id_of(c.current()), "A");
  EXPECT_EQ(helper.started, 0);
}

TEST(RenewingCredentials, RenewedInTheBackgroundFromFifteenMinutesBefore) {
  FakeHelper helper;
  RenewingCredentials c(keys("A", kStart + 3600), helper.fetch(), helper.clock());
  helper.now = kStart + 3600 - RenewingCredentials::kRenewBefore;
  // The old ones serve while the helper runs: no request waits for it.
  EXPECT_EQ(id_of(c.current()), "A");
  EXPECT_EQ(id_of(c.current()), "A");
  eventually([&] { return helper.started > 0; }, 1);
  EXPECT_EQ(helper.started, 1);  // once, however many requests asked
  helper.answer(0, keys("B", kStart + 7200));
  wait_for_renewals(c, 1);
  EXPECT_EQ(id_of(c.current()), "B");
  EXPECT_EQ((*c.current())->session_token, "token-B");
  helper.now = kStart + 7200 - RenewingCredentials::kRenewBefore - 1;
  EXPECT_EQ(id_of(c.current()), "B");
  EXPECT_EQ(helper.started, 1);
}

TEST(RenewingCredentials, ShortLivedOnesRunTheHelperAtMostOnceAMinute) {
  FakeHelper helper;
  // Ten minutes of life: inside the window from the start.
  RenewingCredentials c(keys("A", kStart + 600), helper.fetch(), helper.clock());
  EXPECT_EQ(id_of(c.current()), "A");
  EXPECT_EQ(helper.started, 0);  // the first fetch was this very minute
  helper.now = kStart + RenewingCredentials::kRenewAtMostEvery;
  EXPECT_EQ(id_of(c.current()), "A");
  helper.answer(0, keys("B", helper.now + 600));
  wait_for_renewals(c, 1);
  helper.now = helper.now + RenewingCredentials::kRenewAtMostEvery - 1;
  EXPECT_EQ(id_of(c.current()), "B");
  EXPECT_EQ(helper.started, 1);
  helper.now = helper.now + 1;
  EXPECT_EQ(id_of(c.current()), "B");
  helper.answer(1, keys("C", helper.now + 600));
  wait_for_renewals(c, 2);
  EXPECT_EQ(id_of(c.current()), "C");
}

TEST(RenewingCredentials, ARequestThatFindsThemExpiredWaitsForTheRenewal) {
  FakeHelper helper;
  RenewingCredentials c(keys("A", kStart + 3600), helper.fetch(), helper.clock());
  helper.now = kStart + 3600;  // expired: no renewal tried before
  auto waiting = std::async(std::launch::async, [&] { return id_of(c.current()); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  helper.answer(0, keys("B", kStart + 7200));
  EXPECT_EQ(waiting.get(), "B");
}

TEST(RenewingCredentials, ExpiredAndNotRenewedIsAnErrorSayingWhy) {
  FakeHelper helper;
  std::vector<std::pair<std::string, bool>> notes;
  RenewingCredentials c(keys("A", kStart + 3600), helper.fetch(), helper.clock());
  c.set_note([&](const std::string& line, bool failed) { notes.emplace_back(line, failed); });
  helper.now = kStart + 3600 - 30;
  EXPECT_EQ(id_of(c.current()), "A");
  helper.answer(0, make_error(ErrorKind::credentials,
                              "credential_process of profile 'p' ('h' in ~/.aws/config) failed "
                              "with exit status 1"));
  wait_for_renewals(c, 1);
  EXPECT_EQ(id_of(c.current()), "A");  // still valid for half a minute: they serve
  EXPECT_EQ(helper.started, 1);        // and are not renewed again within the minute
  // Once they have expired, a request tries again at once, and waits for it.
  helper.now = kStart + 3600;
  auto again = std::async(std::launch::async, [&] { return c.current(); });
  helper.answer(1, make_error(ErrorKind::credentials, "... failed with exit status 2"));
  auto expired = again.get();
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().kind, ErrorKind::credentials);
  EXPECT_EQ(expired.error().message,
            "the credentials expired and renewing them failed: ... failed with exit status 2");
  // The next request tries again (the helper may have been passing trouble).
  auto renewing = std::async(std::launch::async, [&] { return id_of(c.current()); });
  helper.answer(2, keys("B", kStart + 9000));
  EXPECT_EQ(renewing.get(), "B");
  // Said: each start and end; the failure while they still served as a warning.
  ASSERT_EQ(notes.size(), 5u);
  EXPECT_EQ(notes[0],
            Note("credentials: renewing those that expire at 2096-10-02 08:06:40 UTC", false));
  EXPECT_EQ(notes[1],
            Note("renewing the credentials failed; the current ones serve until 2096-10-02 "
                 "08:06:40 UTC: credential_process of profile 'p' ('h' in ~/.aws/config) failed "
                 "with exit status 1",
                 true));
  // Expired, the second failure is the request's error, no note.
  EXPECT_EQ(notes[2].first.rfind("credentials: renewing those", 0), 0u);
  EXPECT_EQ(notes[3].first.rfind("credentials: renewing those", 0), 0u);
  EXPECT_EQ(notes[4].first, "credentials: renewed; the new ones expire at 2096-10-02 09:36:40 UTC");
}

TEST(RenewingCredentials, ABackgroundRenewalThatFailsAfterTheyExpiredIsTriedOnceMore) {
  // It started before they expired and was still running when they did.
  FakeHelper helper;
  RenewingCredentials c(keys("A", kStart + 3600), helper.fetch(), helper.clock());
  helper.now = kStart + 3600 - 10;
  EXPECT_EQ(id_of(c.current()), "A");
  helper.now = kStart + 3600;
  auto waiting = std::async(std::launch::async, [&] { return id_of(c.current()); });
  helper.answer(0, make_error(ErrorKind::credentials, "busy"));
  helper.answer(1, keys("B", kStart + 7200));
  EXPECT_EQ(waiting.get(), "B");
  EXPECT_EQ(helper.started, 2);
}

TEST(RenewingCredentials, AHelperStoppedByASignalIsNoWarning) {
  // Ctrl-C reaches the helper too: the user is not to look into it.
  FakeHelper helper;
  std::vector<Note> notes;
  RenewingCredentials c(keys("A", kStart + 3600), helper.fetch(), helper.clock());
  c.set_note([&](const std::string& line, bool failed) { notes.emplace_back(line, failed); });
  helper.now = kStart + 3600 - 100;
  EXPECT_EQ(id_of(c.current()), "A");
  helper.answer(0, make_error(ErrorKind::cancelled, "... was stopped by a signal"));
  wait_for_renewals(c, 1);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_FALSE(notes[0].second);
  // Expired, a request that finds the renewal stopped so is cancelled, not failed.
  helper.now = kStart + 3600;
  auto r = std::async(std::launch::async, [&] { return c.current(); });
  helper.answer(1, make_error(ErrorKind::cancelled, "... was stopped by a signal"));
  auto stopped = r.get();
  ASSERT_FALSE(stopped.has_value());
  EXPECT_EQ(stopped.error().kind, ErrorKind::cancelled);
}

TEST(RenewingCredentials, AnInterruptedRequestStopsWaitingForTheRenewal) {
  FakeHelper helper;
  RenewingCredentials c(keys("A", kStart + 3600), helper.fetch(), helper.clock());
  helper.now = kStart + 3600;
  std::atomic<bool> interrupted{false};
  auto waiting = std::async(std::launch::async, [&] { return c.current(&interrupted); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(150)), std::future_status::timeout);
  interrupted = true;
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto r = waiting.get();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::cancelled);
  helper.answer(0, keys("B", kStart + 7200));
  wait_for_renewals(c, 1);
}

TEST(RenewingCredentials, DestroyedItStopsTheRenewalUnderWay) {
  // No helper outlives the command, nor holds up its exit.
  std::atomic<bool> saw_stop{false};
  std::atomic<bool> fetching{false};
  std::atomic<std::int64_t> now{kStart};
  std::optional<RenewingCredentials> c;
  c.emplace(
      keys("A", kStart + 3600),
      [&](const std::atomic<bool>* stop) -> Result<ProcessCredentials> {
        fetching = true;
        for (int i = 0; i < 1000 && !stop->load(); ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        saw_stop = stop->load();
        return make_error(ErrorKind::cancelled, "stopped");
      },
      [&] { return now.load(); });
  now = kStart + 3600 - 60;
  EXPECT_EQ(id_of(c->current()), "A");
  ASSERT_TRUE(eventually([&] { return fetching.load(); }, 1));
  const auto start = std::chrono::steady_clock::now();
  c.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(saw_stop);
}

TEST(RenewingCredentials, ManyThreadsAskWhileTheyAreRenewed) {
  FakeHelper helper;
  RenewingCredentials c(keys("A", kStart + 3600), helper.fetch(), helper.clock());
  helper.now = kStart + 3600 - 100;
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> askers;
  for (int t = 0; t < 4; ++t) {
    askers.emplace_back([&] {
      while (!stop) {
        const std::string id = id_of(c.current());
        if (id != "A" && id != "B") ++wrong;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  helper.answer(0, keys("B", kStart + 7200));
  wait_for_renewals(c, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  for (auto& t : askers) t.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(helper.started, 1);
  EXPECT_EQ(id_of(c.current()), "B");
}

}  // namespace
}  // namespace s3loop::s3
