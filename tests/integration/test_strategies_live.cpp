// Strategies against the real server: where work runs, how much at once,
// how connections are reused.
#include "live_server.hpp"

#include "s3loop/exec/strategy.hpp"
#include "s3loop/jobs/copy_job.hpp"

#include <mutex>
#include <set>
#include <thread>

namespace s3loop::testing {
namespace {

using boost::asio::awaitable;

// Wraps the real copy job and records, for every item, the thread it started
// on and the thread each completion resumed it on, plus how many ran at once.
class ProbeJob final : public exec::Job {
 public:
  explicit ProbeJob(jobs::CopyOptions options) : inner_(std::move(options)) {}

  awaitable<Result<void>> produce(s3::Client& client, const exec::Emit& emit) override {
    note_thread();
    auto r = co_await inner_.produce(client, emit);
    note_thread();
    co_return r;
  }

  awaitable<Result<std::uint64_t>> process(exec::WorkerContext& context,
                                           const exec::WorkItem& item) override {
    note_thread();
    const int now = ++in_flight_;
    int seen = max_in_flight_.load();
    while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
    }
    auto r = co_await inner_.process(context, item);
    note_thread();  // the completion resumed us here
    --in_flight_;
    co_return r;
  }

  std::set<std::thread::id> threads() {
    std::lock_guard lock(mutex_);
    return threads_;
  }
  int max_in_flight() const { return max_in_flight_.load(); }

 private:
  void note_thread() {
    std::lock_guard lock(mutex_);
    threads_.insert(std::this_thread::get_id());
  }

  jobs::CopyJob inner_;
  std::mutex mutex_;
  std::set<std::thread::id> threads_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
};

class StrategiesLive : public ::testing::Test {
 protected:
  // The objects every test copies, seeded by the suite's first test. Not in
  // SetUpTestSuite: a failure there makes googletest skip the whole suite,
  // and ctest counts skipped tests as passed -- a broken setup silenced them.
  void SetUp() override {
    if (!seeded_) {
      seeded_ = true;
      setup_failed_ = true;  // until every step below has passed
      shared_ = live_client_shared().release();
      ASSERT_NE(shared_, nullptr);
      bucket_ = new std::string(unique_bucket("strat"));
      seed_objects(*shared_, *bucket_, "src/", kObjects);
      setup_failed_ = HasFailure();
    }
    ASSERT_FALSE(setup_failed_) << "the suite's objects could not be seeded (see its first test)";
  }
  static void TearDownTestSuite() {
    delete shared_;
    delete bucket_;
  }

  // A fresh ClientShared per run so counters start at zero.
  std::unique_ptr<s3::ClientShared> fresh() { return live_client_shared(); }

  jobs::CopyOptions copy_to(const std::string& dst) {
    jobs::CopyOptions o;
    o.source = {*bucket_, "src/"};
    o.destination = {*bucket_, dst};
    return *jobs::normalise_copy_locations(o);
  }

  void expect_complete_copy(const std::string& dst) {
    auto src = list_all(*shared_, *bucket_, "src/");
    auto out = list_all(*shared_, *bucket_, dst);
    ASSERT_EQ(src.size(), out.size());
    for (std::size_t i = 0; i < src.size(); ++i) {
      EXPECT_EQ(dst + src[i].key.substr(4), out[i].key);
      EXPECT_EQ(src[i].size, out[i].size);
      EXPECT_EQ(src[i].etag, out[i].etag);
    }
  }

  static constexpr int kObjects = 300;
  static inline s3::ClientShared* shared_ = nullptr;
  static inline std::string* bucket_ = nullptr;
  static inline bool seeded_ = false;
  static inline bool setup_failed_ = false;
};

TEST_F(StrategiesLive, AsyncRunsEverythingOnTheCallingThreadWithinTheBound) {
  auto shared = fresh();
  ProbeJob job(copy_to("async/"));
  exec::Settings settings;
  settings.kind = exec::StrategyKind::async;
  settings.concurrency = 16;
  auto report = exec::make_strategy(settings).value()->run(job, *shared);
  EXPECT_EQ(report.succeeded, static_cast<std::uint64_t>(kObjects));
  EXPECT_EQ(report.failed, 0u);
  EXPECT_EQ(job.threads(), std::set<std::thread::id>{std::this_thread::get_id()});
  EXPECT_LE(job.max_in_flight(), 16);
  EXPECT_GE(job.max_in_flight(), 8) << "requests should overlap";
  EXPECT_LE(report.max_in_flight, 16u);
  // Keep-alive: one connection per consumer (plus the listing's, which a
  // consumer may reuse), not one per object.
  EXPECT_LE(shared->net_counters.tls_handshakes.load(), 17u);
  EXPECT_EQ(shared->stats[s3::Op::copy_object].attempts.load(),
            static_cast<std::uint64_t>(kObjects));
  expect_complete_copy("async/");
}

TEST_F(StrategiesLive, SerialDoesOneRequestAtATimeOnOneConnection) {
  auto shared = fresh();
  ProbeJob job(copy_to("serial/"));
  exec::Settings settings;
  settings.kind = exec::StrategyKind::serial;
  auto report = exec::make_strategy(settings).value()->run(job, *shared);
  EXPECT_EQ(report.succeeded, static_cast<std::uint64_t>(kObjects));
  EXPECT_EQ(job.max_in_flight(), 1);
  EXPECT_EQ(job.threads(), std::set<std::thread::id>{std::this_thread::get_id()});
  EXPECT_EQ(shared->net_counters.tls_handshakes.load(), 1u);
  expect_complete_copy("serial/");
}

TEST_F(StrategiesLive, ThreadsUsesItsWorkersEachOneAtATime) {
  auto shared = fresh();
  ProbeJob job(copy_to("threads/"));
  exec::Settings settings;
  settings.kind = exec::StrategyKind::threads;
  settings.threads = 4;
  auto report = exec::make_strategy(settings).value()->run(job, *shared);
  EXPECT_EQ(report.succeeded, static_cast<std::uint64_t>(kObjects));
  EXPECT_LE(job.max_in_flight(), 4);
  // Four workers (the caller's thread is one of them) and the listing's.
  EXPECT_EQ(job.threads().size(), 5u);
  // Each worker keeps its own connection; the listing has one more.
  EXPECT_EQ(shared->net_counters.tls_handshakes.load(), 5u);
  expect_complete_copy("threads/");
}

TEST_F(StrategiesLive, AsyncPoolShardsRequestsOverItsLoops) {
  auto shared = fresh();
  ProbeJob job(copy_to("async-pool/"));
  exec::Settings settings;
  settings.kind = exec::StrategyKind::async_pool;
  settings.concurrency = 16;
  settings.loops = 2;
  settings.threads = 2;
  auto report = exec::make_strategy(settings).value()->run(job, *shared);
  EXPECT_EQ(report.succeeded, static_cast<std::uint64_t>(kObjects));
  EXPECT_LE(job.max_in_flight(), 16);
  // Items resume only on the two loops (loop 0 is the caller's thread),
  // never on the CPU pool.
  const auto threads = job.threads();
  EXPECT_EQ(threads.size(), 2u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 1u);
  expect_complete_copy("async-pool/");
}

TEST_F(StrategiesLive, CancelStopsEarlyAndLeavesOnlyWholeObjects) {
  auto shared = fresh();
  ProbeJob job(copy_to("cancel/"));
  exec::Settings settings;
  settings.kind = exec::StrategyKind::serial;
  auto strategy = exec::make_strategy(settings).value();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    strategy->cancel();
  });
  auto report = strategy->run(job, *shared);
  canceller.join();
  EXPECT_TRUE(report.cancelled);
  EXPECT_LT(report.succeeded, static_cast<std::uint64_t>(kObjects));
  EXPECT_EQ(report.failed, 0u);
  // What was copied is complete: every destination object matches its source.
  auto out = list_all(*shared_, *bucket_, "cancel/");
  EXPECT_EQ(out.size(), report.succeeded);
  auto src = list_all(*shared_, *bucket_, "src/");
  for (const auto& o : out) {
    auto it = std::find_if(src.begin(), src.end(), [&](const s3::ObjectInfo& s) {
      return s.key.substr(4) == o.key.substr(7);
    });
    ASSERT_NE(it, src.end()) << o.key;
    EXPECT_EQ(it->size, o.size);
    EXPECT_EQ(it->etag, o.etag);
  }
}

}  // namespace
}  // namespace s3loop::testing
