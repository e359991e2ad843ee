// What exec runs: a Job produces work items (usually from a listing) and
// processes each one. A job is written once, against these types only; the
// Strategy decides on which threads and loops, and how many at once.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/s3/xml.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace s3loop::s3 {
class Client;
}

namespace s3loop::exec {

// One unit of work: an object (copy, list) or a byte range of one (select).
struct WorkItem {
  std::uint64_t index = 0;  // position in production order
  s3::ObjectInfo object;
  std::uint64_t first_byte = 0;  // range units only
  std::uint64_t last_byte = 0;
};

// Handed to Job::process: the S3 client of the loop or thread running it.
class WorkerContext {
 public:
  virtual ~WorkerContext() = default;
  virtual s3::Client& client() = 0;
  // Runs CPU-heavy work (parsing, aggregation): inline for most strategies,
  // on the worker pool for async-pool, resuming on the caller's loop.
  virtual boost::asio::awaitable<void> run_cpu(std::function<void()> work) = 0;

  // One sub-task of an item (a part of a multipart copy); false stops the
  // tasks not yet started (the item failed).
  using SubTask = std::function<boost::asio::awaitable<bool>(std::size_t index)>;
  // Runs task(0) .. task(count - 1) and returns when every one started has
  // ended. At most `at_most` at once, and only as many as the strategy can
  // give without exceeding its bound on work in flight: the async strategies
  // lend the slots that idle consumers of the caller's event loop leave free
  // (and take them back for new items first); serial and threads, whose workers do one request at a
  // time, run the tasks one after another. An exception a task throws is
  // rethrown here once the others have ended.
  virtual boost::asio::awaitable<void> run_parallel(std::size_t count, std::size_t at_most,
                                                    SubTask task);
};

// Hands produced items to the strategy; waits while its bounded queue is
// full (this is what keeps memory O(concurrency)). Returns false once the
// run is being cancelled: the producer should stop.
using Emit = std::function<boost::asio::awaitable<bool>(WorkItem)>;

class Job {
 public:
  virtual ~Job() = default;
  // Runs once, on an event loop, with its own client.
  virtual boost::asio::awaitable<Result<void>> produce(s3::Client& client, const Emit& emit) = 0;
  // Runs once per item. Its bytes count toward the run's throughput.
  virtual boost::asio::awaitable<Result<std::uint64_t>> process(WorkerContext& context,
                                                                const WorkItem& item) = 0;
  // Name of the item in failure reports (the key, usually).
  virtual std::string describe(const WorkItem& item) const { return item.object.key; }
  // An error that makes going on pointless although the item that met it
  // succeeded (cp: the object was copied but the journal cannot record it).
  // Checked after every item: once set, it becomes the run's job_error and
  // no further item is started. Thread-safe.
  virtual std::optional<Error> fatal_error() const { return std::nullopt; }

  // A job keeps what its run produced (counters, the order its output is
  // written in, aggregates): a second run would add to the first's numbers,
  // or -- a select -- write nothing and report success. Every strategy calls
  // this once before produce(); a second call is refused (kind usage). A
  // strategy cancelled before it starts leaves the job unused.
  Result<void> begin_run();

 private:
  std::atomic<bool> ran_{false};
};

}  // namespace s3loop::exec
