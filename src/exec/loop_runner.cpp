#include "loop_runner.hpp"

#include "adaptive_gate.hpp"
#include "batching_run.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <numeric>
#include <system_error>
#include <thread>

namespace s3loop::exec {

namespace asio = boost::asio;

namespace {

// Completion batching (batching_run.hpp): at 64 items in flight and more, a
// reply held up to 2 ms costs at most ~1/25 of a 50 ms request's latency
// when the run is latency-bound, and nothing when the server is the limit;
// with fewer in flight there is little to gather.
constexpr int kBatchMinInFlight = 64;
constexpr std::chrono::microseconds kBatchWindow{2000};

asio::awaitable<void> run_inline(std::function<void()> work) {
  work();
  co_return;
}

struct Loop {
  asio::io_context context{1};
  std::optional<s3::Client> client;
  std::optional<SlotGate> gate;
  std::optional<LoopWorkerContext> worker;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
};

}  // namespace

// Deliberately not a coroutine: GCC 12 destroys a coroutine parameter twice
// when a lambda in the coroutine body init-captures it by move.
asio::awaitable<void> LoopWorkerContext::run_cpu(std::function<void()> work) {
  if (cpu_pool_ == nullptr) return run_inline(std::move(work));
  // Run the work on the pool, then post the coroutine's continuation back to
  // its own loop (the handler's associated executor); the work guard keeps
  // that loop running meanwhile. What the work throws goes back with it and
  // is rethrown in the coroutine, as inline work would throw there: escaping
  // a pool thread, it ended the process (std::terminate).
  return asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
      [pool = cpu_pool_](auto handler, std::function<void()> w) {
        auto loop = asio::get_associated_executor(handler);
        asio::post(*pool, [w = std::move(w), handler = std::move(handler),
                           guard = asio::make_work_guard(loop)]() mutable {
          std::exception_ptr thrown;
          try {
            w();
          } catch (...) {
            thrown = std::current_exception();
          }
          auto resume_on = guard.get_executor();
          asio::post(resume_on, asio::append(std::move(handler), thrown));
        });
      },
      asio::use_awaitable, std::move(work));
}

Error thread_refused(const std::system_error& e) {
  return make_error(ErrorKind::io,
                    std::string("the system would not start another thread (") + e.what() +
                        "): lower --threads or --loops, or raise the process's limits (ulimit "
                        "-u, ulimit -v)");
}

int default_thread_count() {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::min(32, cores + 4);
}

int default_cpu_workers() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

RunReport run_loops(Job& job, s3::ClientShared& shared, const std::atomic<bool>& cancelled,
                    const LoopPlan& plan) {
  const std::size_t consumer_loops = plan.consumers_per_loop.size();
  const std::size_t total_loops = consumer_loops + (plan.producer_on_own_loop ? 1 : 0);
  const std::atomic<bool>& interrupt = run_interrupt_flag(shared, cancelled);
  RunState state(cancelled, interrupt);
  // Adaptive: every attempt of the run's clients waits at the run's gate
  // (its own: `shared` may serve other runs at the same time).
  std::optional<AdaptiveLimit> limit;
  std::optional<AdaptiveGate> gate;
  if (plan.adaptive_max > 0) {
    limit.emplace(plan.adaptive_max, AdaptiveLimit::Clock::now());
    gate.emplace(*limit, state);
  }
  // The run's own retry budget (ClientShared's comment says why).
  s3::RetryBudget retry_budget(shared.retry_budget.capacity());
  std::vector<std::unique_ptr<Loop>> loops;
  for (std::size_t i = 0; i < total_loops; ++i) {
    auto loop = std::make_unique<Loop>();
    loop->client.emplace(loop->context.get_executor(), shared, &interrupt);
    loop->client->set_retry_budget(&retry_budget);
    if (gate) loop->client->set_attempt_gate(&*gate);
    // A loop of one consumer (threads) never has a slot to lend.
    const int on_loop = i < consumer_loops ? plan.consumers_per_loop[i] : 0;
    if (on_loop > 1) loop->gate.emplace(loop->context.get_executor(), on_loop, state);
    loop->worker.emplace(*loop->client, plan.cpu_pool, loop->gate ? &*loop->gate : nullptr);
    if (plan.cpu_pool != nullptr) {
      loop->client->set_cpu_runner([worker = &*loop->worker](std::function<void()> work) {
        return worker->run_cpu(std::move(work));
      });
    }
    // Consumers wait on a channel fed from another thread: keep each loop
    // alive until the whole run is over.
    loop->guard.emplace(loop->context.get_executor());
    loops.push_back(std::move(loop));
  }
  Loop& producer_loop = plan.producer_on_own_loop ? *loops.back() : *loops.front();

  const int consumers =
      std::accumulate(plan.consumers_per_loop.begin(), plan.consumers_per_loop.end(), 0);
  // A loop batches completions while its share of the items in flight is
  // at least kBatchMinInFlight (the async strategy's default concurrency is
  // 256; a threads-shaped plan, one consumer a loop, never batches, nor does
  // a listing's own loop).
  auto batching_for = [&](std::size_t i) {
    CompletionBatching batching;
    const int on_loop = i < consumer_loops ? plan.consumers_per_loop[i] : 0;
    // (on_loop is part of consumers: the share below never divides by 0.)
    if (on_loop < kBatchMinInFlight) return batching;
    batching.window = kBatchWindow;
    batching.busy = [&state, on_loop, consumers] {
      const auto share = state.in_flight.load(std::memory_order_relaxed) *
                         static_cast<std::uint64_t>(on_loop) /
                         static_cast<std::uint64_t>(consumers);
      return share >= static_cast<std::uint64_t>(kBatchMinInFlight);
    };
    return batching;
  };
  // Started before any work is spawned (each loop's guard keeps it
  // waiting): a thread the system refuses (EAGAIN: a process limit, no
  // memory for its stack) ends the run before it began, with one error --
  // later, the consumers spawned on its loop would never run and the run
  // would wait for them for ever, and the threads already started, still
  // joinable, ended the process (std::terminate).
  std::vector<std::thread> threads;
  try {
    for (std::size_t i = 1; i < total_loops; ++i) {
      threads.emplace_back([&loop = *loops[i], batching = batching_for(i)] {
        run_batching(loop.context, batching);
      });
    }
  } catch (const std::system_error& e) {
    for (auto& loop : loops) loop->guard.reset();
    for (auto& t : threads) t.join();
    RunReport refused;
    refused.job_error = thread_refused(e);
    return refused;
  }
  // Room for one item per consumer: the producer runs ahead by at most this
  // much, whatever the number of objects.
  ItemChannel channel(producer_loop.context, static_cast<std::size_t>(consumers));
  state.consumers_running = consumers;

  asio::co_spawn(producer_loop.context,
                 produce_into(job, *producer_loop.client, channel, state, consumers),
                 asio::detached);
  for (std::size_t i = 0; i < consumer_loops; ++i) {
    for (int c = 0; c < plan.consumers_per_loop[i]; ++c) {
      Loop& loop = *loops[i];
      asio::co_spawn(
          loop.context,
          consume_from(job, *loop.worker, channel, state, loop.gate ? &*loop.gate : nullptr),
          asio::detached);
    }
  }
  auto release_all = [&]() -> asio::awaitable<void> {
    co_await watch_cancel(channel, state);
    for (auto& loop : loops) loop->guard.reset();
  };
  asio::co_spawn(producer_loop.context, release_all(), asio::detached);

  run_batching(loops.front()->context, batching_for(0));
  for (auto& t : threads) t.join();
  RunReport report = state.report();
  if (limit) {
    report.adaptive = true;
    report.limit_cuts = limit->cuts();
    report.limit_final = limit->limit();
    report.limit_history = limit->history();
    // (Not the lowest a cut set: 0 for a run never cut read as nothing
    // allowed in flight, and a cut may leave the limit above the first.)
    report.limit_min = limit->lowest_limit();
  }
  return report;
}

}  // namespace s3loop::exec
