#include "select_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <utility>

namespace s3loop::jobs {

namespace {
constexpr std::size_t kBlock = 256 * 1024;  // fits in L2: evaluated while still cached
constexpr std::size_t kMaxWaiting = 4;      // blocks per range waiting for evaluation
}  // namespace

StreamedEvaluation::StreamedEvaluation(exec::WorkerContext& context, RangeEvaluator& evaluator,
                                       const boost::asio::any_io_executor& executor)
    : context_(context), evaluator_(evaluator), executor_(executor), progress_(executor) {}

Error StreamedEvaluation::cut_off_by_interrupt() {
  return make_error(ErrorKind::cancelled, "the range was cut off: interrupted");
}

bool StreamedEvaluation::interrupted() const {
  return context_.client().interrupt_requested();
}

Result<void> StreamedEvaluation::push(std::string_view bytes) {
  if (error_) return *error_;
  if (done_) return {};
  while (!bytes.empty()) {
    if (filling_.capacity() < kBlock) filling_.reserve(kBlock);
    const std::size_t take = std::min(bytes.size(), kBlock - filling_.size());
    filling_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (filling_.size() == kBlock) hand_over();
  }
  return {};
}

void StreamedEvaluation::hand_over() {
  ready_.push_back(std::move(filling_));
  filling_ = std::string();
  if (draining_) return;
  draining_ = true;
  boost::asio::co_spawn(executor_, drain(), boost::asio::detached);
}

boost::asio::awaitable<void> StreamedEvaluation::drain() {
  try {
    while (!ready_.empty()) {
      const std::string block = std::move(ready_.front());
      ready_.pop_front();
      if (done_ || error_) continue;
      // Over loopback a body never makes the read wait, and a costly WHERE
      // may take seconds a range: Ctrl-C is seen between blocks, not only
      // by a read that waits (a whole-object range ran to its end).
      if (interrupted()) {
        error_ = cut_off_by_interrupt();
        continue;
      }
      Result<bool> fed = false;
      co_await context_.run_cpu([&] { fed = evaluator_.feed(block); });
      if (!fed) {
        error_ = fed.error();
      } else if (*fed) {
        done_ = true;
      }
      progress_.cancel();  // wakes room()
    }
  } catch (const std::exception& e) {  // (out of memory): settle() must not wait forever
    error_ = make_error(ErrorKind::protocol, std::string("evaluating a range failed: ") + e.what());
    ready_.clear();
  }
  draining_ = false;
  progress_.cancel();  // wakes settle()
}

boost::asio::awaitable<void> StreamedEvaluation::wait_for_progress() {
  progress_.expires_at(boost::asio::steady_timer::time_point::max());
  co_await progress_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

boost::asio::awaitable<void> StreamedEvaluation::room() {
  while (draining_ && ready_.size() >= kMaxWaiting && !done_ && !error_) {
    co_await wait_for_progress();
  }
}

boost::asio::awaitable<Result<bool>> StreamedEvaluation::settle() {
  if (!filling_.empty()) hand_over();
  while (draining_) co_await wait_for_progress();
  if (error_) co_return *error_;
  co_return done_;
}

}  // namespace s3loop::jobs
