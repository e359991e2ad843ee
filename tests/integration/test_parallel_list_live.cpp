// list_keys() with many ranges in flight against the real server: the same
// keys as a sequential listing, in order when asked; errors end it (no hang);
// a cancel flag or a sink saying stop end it early.
#include "live_server.hpp"

#include "s3loop/jobs/parallel_list.hpp"
#include "s3loop/net/tls.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace s3loop::testing {
namespace {

using boost::asio::awaitable;

class ParallelListLive : public ::testing::Test {
 protected:
  // The objects every test lists, seeded by the suite's first test. Not in
  // SetUpTestSuite: a failure there makes googletest skip the whole suite,
  // and ctest counts skipped tests as passed -- a broken setup silenced them.
  void SetUp() override {
    if (!seeded_) {
      seeded_ = true;
      setup_failed_ = true;  // until every step below has passed
      shared_ = live_client_shared().release();
      ASSERT_NE(shared_, nullptr);
      bucket_ = new std::string(unique_bucket("plist"));
      // Small pages make many ranges out of few keys.
      seed_objects(*shared_, *bucket_, "p/", 1500);
      seed_objects(*shared_, *bucket_, "q/", 3);
      setup_failed_ = HasFailure();
    }
    ASSERT_FALSE(setup_failed_) << "the suite's objects could not be seeded (see its first test)";
  }

  struct Listed {
    Result<void> outcome;
    std::vector<std::string> keys;
    int pages = 0;
  };

  static Listed list(s3::ClientShared& shared, jobs::KeyListing listing, int stop_after = 0) {
    Listed out;
    out.outcome = exec::run_once<void>(shared, [&](s3::Client& client) {
      return jobs::list_keys(
          client, listing,
          [&out, stop_after](std::vector<s3::ObjectInfo>& objects) -> awaitable<bool> {
            for (const auto& o : objects) out.keys.push_back(o.key);
            co_return stop_after == 0 || ++out.pages < stop_after;
          });
    });
    return out;
  }

  // The most pages the listing ran ahead of a slow sink: list requests sent
  // but not yet taken by the sink, at each page it takes.
  // The most pages the listing had asked for or held but the sink had not
  // taken, seen each time the sink takes one: requests in flight plus pages
  // waiting, from the planner's own counts (a reply that kept no key -- the
  // last page of a range, whose keys lie past its end -- is never taken).
  static std::int64_t most_pages_ahead(s3::ClientShared& shared, jobs::KeyListing listing) {
    jobs::listing::PlannerStats progress;
    listing.progress = &progress;
    std::int64_t taken = 0;
    std::int64_t most = 0;
    std::size_t keys = 0;
    auto outcome = exec::run_once<void>(shared, [&](s3::Client& client) {
      return jobs::list_keys(
          client, listing, [&](std::vector<s3::ObjectInfo>& objects) -> awaitable<bool> {
            const auto in_flight = static_cast<std::int64_t>(progress.requests - progress.replies);
            const auto waiting = static_cast<std::int64_t>(progress.pages) - taken;
            most = std::max(most, in_flight + waiting);
            ++taken;
            keys += objects.size();
            boost::asio::steady_timer pause(co_await boost::asio::this_coro::executor,
                                            std::chrono::milliseconds(30));
            co_await pause.async_wait(boost::asio::use_awaitable);
            co_return true;
          });
    });
    EXPECT_TRUE(outcome) << outcome.error().message;
    EXPECT_EQ(keys, 1500u);
    EXPECT_EQ(static_cast<std::int64_t>(progress.pages), taken);
    return most;
  }

  static jobs::KeyListing listing(const std::string& prefix, int concurrency, bool ordered) {
    jobs::KeyListing l;
    l.bucket = *bucket_;
    l.prefix = prefix;
    l.concurrency = concurrency;
    l.ordered = ordered;
    l.page_size = 50;
    return l;
  }

  static s3::ClientShared* shared_;
  static std::string* bucket_;
  static inline bool seeded_ = false;
  static inline bool setup_failed_ = false;
};

s3::ClientShared* ParallelListLive::shared_ = nullptr;
std::string* ParallelListLive::bucket_ = nullptr;

TEST_F(ParallelListLive, SameKeysAsSequentialInOrderOrNot) {
  std::vector<std::string> truth;
  for (const auto& o : list_all(*shared_, *bucket_, "p/")) truth.push_back(o.key);
  ASSERT_EQ(truth.size(), 1500u);
  for (const int c : {1, 4, 16}) {
    SCOPED_TRACE(c);
    auto ordered = list(*shared_, listing("p/", c, true));
    ASSERT_TRUE(ordered.outcome) << ordered.outcome.error().message;
    EXPECT_EQ(ordered.keys, truth);
    auto any = list(*shared_, listing("p/", c, false));
    ASSERT_TRUE(any.outcome) << any.outcome.error().message;
    std::sort(any.keys.begin(), any.keys.end());
    EXPECT_EQ(any.keys, truth);
  }
  auto small = list(*shared_, listing("q/", 16, true));
  ASSERT_TRUE(small.outcome);
  EXPECT_EQ(small.keys.size(), 3u);
  auto none = list(*shared_, listing("nothing/", 16, true));
  ASSERT_TRUE(none.outcome);
  EXPECT_TRUE(none.keys.empty());
}

TEST_F(ParallelListLive, MaxBufferedPagesBoundsHowFarTheListingRunsAhead) {
  // 30 pages of 50 keys, 16 workers, a sink that takes 30 ms a page.
  auto bounded = listing("p/", 16, false);
  bounded.max_buffered_pages = 2;
  EXPECT_LE(most_pages_ahead(*shared_, bounded), 2);
  // The default (twice the workers) lets the same listing run far ahead.
  EXPECT_GE(most_pages_ahead(*shared_, listing("p/", 16, false)), 8);
}

TEST_F(ParallelListLive, AMissingBucketEndsTheListingWithItsError) {
  auto l = listing("p/", 16, true);
  l.bucket = unique_bucket("missing");
  auto out = list(*shared_, l);
  ASSERT_FALSE(out.outcome);
  EXPECT_EQ(out.outcome.error().s3_code, "NoSuchBucket") << out.outcome.error().message;
}

TEST_F(ParallelListLive, AnUnreachableServerEndsTheListingWithItsError) {
  s3::ClientShared unreachable;
  unreachable.options = shared_->options;
  unreachable.options.endpoint = *net::parse_endpoint_url("https://127.0.0.1:1");
  unreachable.options.retry.max_attempts = 1;
  unreachable.tls = shared_->tls;
  auto out = list(unreachable, listing("p/", 16, true));
  ASSERT_FALSE(out.outcome);
  EXPECT_EQ(out.outcome.error().kind, ErrorKind::network) << out.outcome.error().message;
}

TEST_F(ParallelListLive, ASinkSayingStopOrTheCancelFlagEndItEarly) {
  auto stopped = list(*shared_, listing("p/", 16, false), /*stop_after=*/2);
  ASSERT_TRUE(stopped.outcome);
  EXPECT_LE(stopped.keys.size(), 100u);
  EXPECT_FALSE(stopped.keys.empty());

  std::atomic<bool> cancelled{true};
  auto l = listing("p/", 16, true);
  l.cancelled = &cancelled;
  auto out = list(*shared_, l);
  ASSERT_TRUE(out.outcome);
  EXPECT_LT(out.keys.size(), 1500u);
}

}  // namespace
}  // namespace s3loop::testing
