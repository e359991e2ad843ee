// A streamed range's bytes, evaluated block by block through
// WorkerContext::run_cpu while the loop goes on reading. Private to jobs.
//
// Why blocks and not whole ranges: evaluating a range held whole (8 MiB by
// default) means zero-filling and faulting in fresh pages for it, then
// reading it back from memory long after it arrived; evaluating 256 KiB
// blocks as they fill keeps the bytes in cache and the memory at a few
// blocks per range. Measured on a 128 MiB object in 8 MiB ranges: half the
// CPU, 13 instead of 70-100 MiB peak RSS. Under async-pool the blocks are
// still evaluated on the worker pool, one block at a time per range, so
// ranges evaluate in parallel while their reads continue on the loop.
#pragma once

#include "select_range.hpp"

#include "s3loop/error.hpp"
#include "s3loop/exec/job.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace s3loop::jobs {

class StreamedEvaluation {
 public:
  StreamedEvaluation(exec::WorkerContext& context, RangeEvaluator& evaluator,
                     const boost::asio::any_io_executor& executor);
  StreamedEvaluation(const StreamedEvaluation&) = delete;
  StreamedEvaluation& operator=(const StreamedEvaluation&) = delete;

  // From a body sink, on the loop; never waits. An Error once evaluation
  // failed (the read should stop); bytes after the range's last record are
  // dropped.
  Result<void> push(std::string_view bytes);
  // The read's backpressure (BodySink::pace): returns once fewer than a few
  // blocks wait for evaluation, so a pool slower than the network holds
  // the read back instead of piling up the range in memory.
  boost::asio::awaitable<void> room();
  // Evaluates what is left and waits until every block is through. Must be
  // awaited before this object goes away (a block may be on the pool).
  // Returns whether the range's last record is in.
  boost::asio::awaitable<Result<bool>> settle();
  // The range's last record is in (or LIMIT rows were made), as far as the
  // blocks evaluated so far tell: later bytes would only be dropped.
  bool done() const { return done_; }
  // Ctrl-C: what the read and the evaluation end with, of kind cancelled
  // (an interrupted range, never a whole one).
  static Error cut_off_by_interrupt();

 private:
  void hand_over();  // the filling block joins the queue; a drain starts if none runs
  bool interrupted() const;
  boost::asio::awaitable<void> drain();
  boost::asio::awaitable<void> wait_for_progress();  // until a block is through or a drain ends

  exec::WorkerContext& context_;
  RangeEvaluator& evaluator_;
  boost::asio::any_io_executor executor_;
  boost::asio::steady_timer progress_;  // its wait ends when a block was evaluated
  std::string filling_;
  std::deque<std::string> ready_;
  bool draining_ = false;
  bool done_ = false;  // the range's last record is in
  std::optional<Error> error_;
};

}  // namespace s3loop::jobs
