// A lookup that hangs (resolver unreachable: getaddrinfo waits out
// resolv.conf's timeouts) is given up on at the connect deadline or at a
// stop, not waited out (a review: --connect-timeout 1 took 10 s per attempt,
// a Ctrl-C took 8 s to act); its late answer is dropped, also once the loop
// that asked is gone.
#include "net/resolve.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/error.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

namespace s3loop::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A lookup that takes `how_long`, then answers 192.0.2.1; counts its calls.
struct SlowLookup {
  std::chrono::milliseconds how_long;
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> finished = std::make_shared<std::atomic<int>>(0);
  BlockingResolve function() const {
    return [how_long = how_long, calls = calls, finished = finished](const std::string& host,
                                                                     const std::string& service) {
      ++*calls;
      std::this_thread::sleep_for(how_long);
      Resolved out;
      out.second = asio::ip::tcp::resolver::results_type::create(
          asio::ip::tcp::endpoint(asio::ip::make_address("192.0.2.1"), 443), host, service);
      ++*finished;
      return out;
    };
  }
};

Resolved run_resolve(const std::string& host, std::chrono::milliseconds timeout,
                     const std::atomic<bool>* stop, const BlockingResolve& blocking) {
  asio::io_context loop(1);
  auto future = asio::co_spawn(
      loop, resolve(loop.get_executor(), host, 443, timeout, stop, blocking), asio::use_future);
  loop.run();
  return future.get();
}

TEST(Resolve, AnAnswerInTimeIsTheAnswer) {
  SlowLookup lookup{10ms};
  const Resolved r = run_resolve("s3.example", 5s, nullptr, lookup.function());
  ASSERT_FALSE(r.first) << r.first.message();
  ASSERT_EQ(r.second.size(), 1u);
  EXPECT_EQ(r.second.begin()->endpoint().address().to_string(), "192.0.2.1");
  EXPECT_EQ(*lookup.calls, 1);
}

TEST(Resolve, AHungLookupEndsAtTheDeadline) {
  SlowLookup lookup{3s};
  const auto start = Clock::now();
  const Resolved r = run_resolve("s3.example", 200ms, nullptr, lookup.function());
  EXPECT_EQ(r.first, boost::beast::error::timeout) << r.first.message();
  EXPECT_LT(Clock::now() - start, 2s);  // not the lookup's 3 s
}

TEST(Resolve, AStopEndsAHungLookupWithinATenthOfASecondOrSo) {
  SlowLookup lookup{3s};
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    stop = true;
  });
  const auto start = Clock::now();
  const Resolved r = run_resolve("s3.example", 60s, &stop, lookup.function());
  stopper.join();
  EXPECT_EQ(r.first, asio::error::operation_aborted) << r.first.message();
  EXPECT_LT(Clock::now() - start, 2s);
}

TEST(Resolve, ALateAnswerAfterItsLoopIsGoneTouchesNothing) {
  SlowLookup lookup{300ms};
  {
    asio::io_context loop(1);
    asio::co_spawn(loop,
                   resolve(loop.get_executor(), "s3.example", 443, 60s, nullptr, lookup.function()),
                   [](std::exception_ptr, Resolved) { ADD_FAILURE() << "answered"; });
    loop.run_for(50ms);  // the coroutine waits; the loop is destroyed with it
  }
  // The lookup finishes on its own thread and must neither post to the dead
  // loop nor reach the destroyed timer (AddressSanitizer would see either).
  for (int i = 0; i < 100 && *lookup.finished == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(*lookup.finished, 1);
  std::this_thread::sleep_for(50ms);
}

TEST(Resolve, AnAddressNeedsNoLookup) {
  SlowLookup lookup{3s};
  for (const char* host : {"127.0.0.1", "::1", "192.0.2.7"}) {
    const Resolved r = run_resolve(host, 1s, nullptr, lookup.function());
    ASSERT_FALSE(r.first) << host;
    ASSERT_EQ(r.second.size(), 1u) << host;
    EXPECT_EQ(r.second.begin()->endpoint().address().to_string(), host);
    EXPECT_EQ(r.second.begin()->endpoint().port(), 443);
  }
  EXPECT_EQ(*lookup.calls, 0);
}

TEST(Resolve, TheSystemsLookupAnswersForLocalhost) {
  const Resolved r = resolve_blocking("localhost", "443");
  ASSERT_FALSE(r.first) << r.first.message();
  EXPECT_GE(r.second.size(), 1u);
}

}  // namespace
}  // namespace s3loop::net
