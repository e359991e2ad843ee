// Renewing a credential process's credentials during a run: when, from
// which thread, and what a request gets when renewing fails.
#include "s3loop/s3/renewing_credentials.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <thread>
#include <vector>

namespace s3loop::s3 {
namespace {

constexpr std::int64_t kStart = 4'000'000'000;

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
    return [this] {
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

void wait_for_renewals(const RenewingCredentials& c, int n) {
  for (int i = 0; i < 2000 && c.renewals() < n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
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
  for (int i = 0; i < 200 && helper.started == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
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
  RenewingCredentials c(keys("A", kStart + 3600), helper.fetch(), helper.clock());
  helper.now = kStart + 3600 - 30;
  EXPECT_EQ(id_of(c.current()), "A");
  helper.answer(0, make_error(ErrorKind::credentials,
                              "credential_process of profile 'p' ('h' in ~/.aws/config) failed "
                              "with exit status 1"));
  wait_for_renewals(c, 1);
  EXPECT_EQ(id_of(c.current()), "A");  // still valid for half a minute: they serve
  helper.now = kStart + 3600;          // and the helper failed less than a minute ago
  auto expired = c.current();
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().kind, ErrorKind::credentials);
  EXPECT_EQ(expired.error().message,
            "the credentials expired and renewing them failed: credential_process of profile "
            "'p' ('h' in ~/.aws/config) failed with exit status 1");
  // A minute later the helper is tried again, and its new ones serve.
  helper.now = kStart + 3600 - 30 + RenewingCredentials::kRenewAtMostEvery;
  auto renewing = std::async(std::launch::async, [&] { return id_of(c.current()); });
  helper.answer(1, keys("B", kStart + 9000));
  EXPECT_EQ(renewing.get(), "B");
}

TEST(RenewingCredentials, DestroyedWithoutWaitingForARenewal) {
  // A command whose work is done exits at once, not when a slow helper answers.
  FakeHelper helper;
  std::optional<RenewingCredentials> c;
  c.emplace(keys("A", kStart + 3600), helper.fetch(), helper.clock());
  helper.now = kStart + 3600 - 60;
  EXPECT_EQ(id_of(c->current()), "A");
  for (int i = 0; i < 200 && helper.started == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(helper.started, 1);
  const auto start = std::chrono::steady_clock::now();
  c.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  helper.answer(0, keys("B", kStart + 7200));  // it finishes on its own
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
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
