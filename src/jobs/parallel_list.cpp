#include "s3loop/jobs/parallel_list.hpp"

#include "s3loop/jobs/list_job.hpp"
#include "s3loop/jobs/list_planner.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>

namespace s3loop::jobs {

namespace asio = boost::asio;
using asio::awaitable;

std::optional<Error> list_concurrency_problem(int concurrency, std::string_view named) {
  if (concurrency >= 1 && concurrency <= kMaxListConcurrency) return std::nullopt;
  return make_error(ErrorKind::usage, fmt::format("{} must be between 1 and {}, got {}", named,
                                                  kMaxListConcurrency, concurrency));
}

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// What the workers and the drain share. Everything runs on one loop, so
// nothing here needs a lock.
struct Walk {
  Walk(s3::Client& c, KeyListing k, listing::PlannerOptions plan)
      : client(c), keys(std::move(k)), planner(std::move(plan)) {}

  s3::Client& client;
  KeyListing keys;
  listing::ListPlanner planner;
  std::optional<Error> error;
  bool stop = false;
  int workers_running = 0;
  std::vector<asio::steady_timer*> waiting;

  bool stopping() const {
    return stop || error || (keys.cancelled != nullptr && keys.cancelled->load());
  }
  // Wakes every waiter to look at the planner again.
  void notify() {
    for (auto* timer : waiting) timer->cancel();
  }
  void fail(Error e) {
    if (!error) error = std::move(e);
    notify();
  }
  // Until notify(); at most a moment, so that a cancel flag set by a signal
  // handler (which cannot notify) is seen soon.
  awaitable<void> wait() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(std::chrono::milliseconds(100));
    waiting.push_back(&timer);
    co_await timer.async_wait(nothrow);
    waiting.erase(std::find(waiting.begin(), waiting.end(), &timer));
  }
};

awaitable<void> list_worker(Walk& walk) {
  std::optional<std::uint64_t> current;
  try {
    while (!walk.stopping()) {
      auto request = walk.planner.next(current);
      if (!request) {
        if (walk.planner.finished()) break;
        co_await walk.wait();
        continue;
      }
      current = request->range;
      s3::ListParams params;
      params.bucket = walk.keys.bucket;
      params.prefix = request->prefix;
      params.delimiter = request->delimiter;
      params.start_after = request->start_after;
      params.max_keys = static_cast<int>(request->max_keys);
      auto page = co_await walk.client.list_objects_v2(std::move(params));
      if (!page) {
        walk.fail(page.error());
        break;
      }
      if (auto fed = walk.planner.on_page(*request, std::move(*page)); !fed) {
        walk.fail(fed.error());
        break;
      }
      walk.notify();
    }
  } catch (const std::exception& e) {
    walk.fail(make_error(ErrorKind::protocol, std::string("internal error: ") + e.what()));
  }
  walk.workers_running--;
  walk.notify();
}

}  // namespace

awaitable<Result<void>> list_keys_in_parallel(s3::Client& client, KeyListing keys, KeysSink sink) {
  listing::PlannerOptions plan;
  plan.prefix = keys.prefix;
  plan.workers = std::max(1, keys.concurrency);
  plan.ordered = keys.ordered;
  plan.page_size = static_cast<std::size_t>(std::max(1, keys.page_size));
  plan.max_buffered_pages = keys.max_buffered_pages;
  Walk walk(client, std::move(keys), std::move(plan));

  const auto executor = co_await asio::this_coro::executor;
  // co_spawn may start a worker inline, and a worker that finds nothing to
  // do ends at once: count them all before the first one runs.
  const int workers = std::max(1, walk.keys.concurrency);
  walk.workers_running = workers;
  for (int i = 0; i < workers; ++i) asio::co_spawn(executor, list_worker(walk), asio::detached);
  // The drain: hands pages on as the planner releases them.
  try {
    while (!walk.stopping()) {
      auto page = walk.planner.pop();
      if (page) {
        if (walk.keys.progress != nullptr) *walk.keys.progress = walk.planner.stats();
        walk.notify();  // room in the buffer: a waiting worker may list on
        if (!co_await sink(*page)) walk.stop = true;
        continue;
      }
      if (walk.planner.finished()) break;
      co_await walk.wait();
    }
  } catch (const std::exception& e) {
    walk.fail(make_error(ErrorKind::protocol, std::string("internal error: ") + e.what()));
  } catch (...) {
    // Any type at all: leaving here would free the frame the workers use.
    walk.fail(make_error(ErrorKind::protocol, "internal error: an exception of unknown type"));
  }
  // The workers hold references into this frame: let them end (each after
  // at most its request in flight) before returning.
  walk.stop = true;
  walk.notify();
  while (walk.workers_running > 0) co_await walk.wait();
  if (walk.error) co_return *walk.error;
  co_return Result<void>();
}

awaitable<Result<void>> list_keys(s3::Client& client, KeyListing keys, KeysSink sink) {
  if (keys.concurrency > 1) {
    co_return co_await list_keys_in_parallel(client, std::move(keys), std::move(sink));
  }
  s3::ListParams params;
  params.bucket = keys.bucket;
  params.prefix = keys.prefix;
  // As the parallel path takes it: a page size below 1 (S3's max-keys=0
  // lists nothing, and the listing passed for empty) is 1.
  params.max_keys = std::max(1, keys.page_size);
  const std::atomic<bool>* cancelled = keys.cancelled;
  co_return co_await for_each_page(client, params, [&](s3::ListPage& page) -> awaitable<bool> {
    if (cancelled != nullptr && cancelled->load()) co_return false;
    if (page.objects.empty()) co_return true;
    co_return co_await sink(page.objects);
  });
}

}  // namespace s3loop::jobs
