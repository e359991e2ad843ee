// The building blocks every strategy assembles: a producer feeding a bounded,
// thread-safe channel, consumers draining it, and the shared run state.
// Private to exec.
#pragma once

#include "s3loop/exec/strategy.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <exception>
#include <mutex>
#include <optional>

namespace s3loop::exec {

// nullopt is the end-of-work marker: the producer sends one per consumer, so
// every buffered item is still processed (closing the channel would drop them;
// closing is reserved for cancellation).
using ItemChannel = boost::asio::experimental::concurrent_channel<void(boost::system::error_code,
                                                                       std::optional<WorkItem>)>;

struct RunState {
  // `interrupt`: the flag the run's clients watch (run_interrupt_flag); when
  // it is not the strategy's own, it cancels the run too.
  RunState(const std::atomic<bool>& cancel_flag, const std::atomic<bool>& interrupt)
      : cancelled(cancel_flag), interrupt_flag(interrupt) {}
  explicit RunState(const std::atomic<bool>& cancel_flag) : RunState(cancel_flag, cancel_flag) {}

  const std::atomic<bool>& cancelled;
  const std::atomic<bool>& interrupt_flag;
  bool cancel_requested() const { return cancelled.load() || interrupt_flag.load(); }
  std::atomic<std::uint64_t> produced{0};
  std::atomic<std::uint64_t> succeeded{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> interrupted{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<std::uint64_t> max_in_flight{0};
  std::atomic<int> consumers_running{0};  // set by the strategy before it starts them
  std::atomic<bool> producer_done{false};
  // Set when an error makes every further item pointless (the destination
  // bucket is missing, the credentials were rejected): stop like a cancel.
  std::atomic<bool> aborted{false};
  bool stopping() const { return cancel_requested() || aborted.load(); }
  // The error of work the cancel cut off in flight (its requests were
  // stopped, "... failed: interrupted"): neither done nor failed, as the
  // work never started is not.
  bool cut_off(const Error& error) const {
    return error.kind == ErrorKind::cancelled && cancel_requested();
  }

  std::mutex mutex;                // guards the two below
  std::optional<Error> job_error;  // the listing failed, or an error aborted the job
  std::vector<Failure> failures;

  // Work in flight, and its high-water mark: items and the sub-tasks that
  // borrowed slots for them (SlotGate).
  void enter();
  void leave() { --in_flight; }

  void record_failure(std::string item, Error error);
  void record_job_error(Error error);
  // Runs one item and records its outcome; keeps the in-flight high-water mark.
  boost::asio::awaitable<void> process_one(Job& job, WorkerContext& context, const WorkItem& item);
  // The run's outcome, once at its end (the failure list moves into it).
  RunReport report();
};

// Lists through the job and feeds the channel; then sends `consumers` end
// markers. Stops early (closing the channel) when the run is cancelled.
boost::asio::awaitable<void> produce_into(Job& job, s3::Client& client, ItemChannel& channel,
                                          RunState& state, int consumers);

class SlotGate;

// Drains the channel until an end marker or the channel closes, then
// decrements state.consumers_running. With a gate, each item waits for a slot
// (one of the consumer's own, unless a sub-task borrowed it).
boost::asio::awaitable<void> consume_from(Job& job, WorkerContext& context, ItemChannel& channel,
                                          RunState& state, SlotGate* gate);

// Polls the cancel flag and closes the channel when it is set; ends once
// production and every consumer have finished.
boost::asio::awaitable<void> watch_cancel(ItemChannel& channel, RunState& state);

}  // namespace s3loop::exec
