#include "pipeline.hpp"

#include "slot_gate.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <thread>

namespace s3loop::exec {

namespace asio = boost::asio;
using asio::awaitable;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
}

void RunState::record_failure(std::string item, Error error) {
  failed++;
  std::lock_guard lock(mutex);
  if (failures.size() < RunReport::kMaxFailureDetails) {
    failures.push_back(Failure{std::move(item), std::move(error)});
  }
}

void RunState::enter() {
  const auto now = ++in_flight;
  auto seen = max_in_flight.load();
  while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
  }
}

awaitable<void> RunState::process_one(Job& job, WorkerContext& context, const WorkItem& item) {
  enter();
  Result<std::uint64_t> outcome = make_error(ErrorKind::protocol, "not run");
  try {
    outcome = co_await job.process(context, item);
  } catch (...) {
    // A job's coroutine chain may throw; the failure belongs to this item only.
    outcome = error_from_exception(std::current_exception());
  }
  leave();
  if (outcome) {
    succeeded++;
    bytes += *outcome;
  } else if (cut_off(outcome.error())) {
    interrupted++;
  } else {
    if (fails_whole_job(outcome.error())) {
      record_job_error(outcome.error());
      aborted = true;
    }
    record_failure(job.describe(item), outcome.error());
  }
  if (auto fatal = job.fatal_error()) {
    record_job_error(std::move(*fatal));
    aborted = true;
  }
}

void RunState::record_job_error(Error error) {
  std::lock_guard lock(mutex);
  if (!job_error) job_error = std::move(error);
}

RunReport RunState::report() {
  RunReport r;
  r.produced = produced.load();
  r.succeeded = succeeded.load();
  r.failed = failed.load();
  r.interrupted = interrupted.load();
  r.bytes = bytes.load();
  r.cancelled = cancel_requested();
  r.max_in_flight = max_in_flight.load();
  std::lock_guard lock(mutex);
  r.job_error = job_error;
  r.failures = std::move(failures);  // (once, at the end: not held twice)
  return r;
}

awaitable<void> produce_into(Job& job, s3::Client& client, ItemChannel& channel, RunState& state,
                             int consumers) {
  Emit emit = [&](WorkItem item) -> awaitable<bool> {
    if (state.stopping()) co_return false;
    item.index = state.produced.load();
    auto [ec] = co_await channel.async_send(boost::system::error_code{}, std::move(item), nothrow);
    if (ec) co_return false;  // closed: cancelled
    state.produced++;
    co_return true;
  };
  Result<void> listed = make_error(ErrorKind::protocol, "producer did not run");
  try {
    // Cancelled before it began (a strategy cancelled earlier): no request,
    // and the job stays unused.
    if (state.cancel_requested()) {
      listed = Result<void>();
    } else if (auto begun = job.begin_run(); !begun) {
      listed = begun.error();
    } else {
      listed = co_await job.produce(client, emit);
    }
  } catch (...) {
    // (Anything: one that got past would leave the consumers waiting for
    // their end markers, and the run would never end.)
    listed = error_from_exception(std::current_exception());
  }
  // A listing the cancel cut off ends the run as a cancel, not as a failure.
  if (!listed && !state.cut_off(listed.error())) state.record_job_error(listed.error());
  try {
    for (int i = 0; i < consumers; ++i) {
      auto [ec] = co_await channel.async_send(boost::system::error_code{}, std::nullopt, nothrow);
      if (ec) break;
    }
  } catch (...) {
    // (Out of memory: the run stops, and watch_cancel's close of the channel
    // ends the consumers the missing end markers would have ended.)
    state.record_job_error(error_from_exception(std::current_exception()));
    state.aborted = true;
  }
  state.producer_done = true;
}

awaitable<void> consume_from(Job& job, WorkerContext& context, ItemChannel& channel,
                             RunState& state, SlotGate* gate) {
  bool holds_slot = false;
  try {
    for (;;) {
      auto [ec, item] = co_await channel.async_receive(nothrow);
      if (ec || !item) break;
      if (gate != nullptr) {
        co_await gate->take();
        holds_slot = true;
      }
      // Received before watch_cancel closed the channel, but the run is
      // stopping: starting it would outlive a fatal error or a cancel.
      if (state.stopping()) break;
      co_await state.process_one(job, context, *item);
      if (gate != nullptr) gate->give_back();
      holds_slot = false;
    }
  } catch (...) {
    // Outside process_one's own catch (out of memory while receiving, or
    // while recording a failure): the run stops with that error. A consumer
    // that ended without counting itself out left the run waiting for it
    // for ever (co_spawn's detached drops the exception).
    state.record_job_error(error_from_exception(std::current_exception()));
    state.aborted = true;
  }
  if (holds_slot) gate->give_back();
  state.consumers_running--;
}

awaitable<void> watch_cancel(ItemChannel& channel, RunState& state) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  bool closed = false;
  while (!(state.producer_done.load() && state.consumers_running.load() == 0)) {
    if (!closed && state.stopping()) {
      // cancel() wakes a producer blocked in async_send on the full channel
      // (close() alone only wakes receivers); close() then fails every later
      // send and receive, dropping items nobody has started.
      channel.cancel();
      channel.close();
      closed = true;
    }
    timer.expires_after(std::chrono::milliseconds(20));
    try {
      co_await timer.async_wait(nothrow);
    } catch (...) {
      // (Out of memory for the wait itself: the watch must go on, or the
      // run's loops are never released. It waits blocking instead, this
      // once, and the next round tries again.)
      state.record_job_error(error_from_exception(std::current_exception()));
      state.aborted = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace s3loop::exec
