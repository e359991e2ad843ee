// `serial`: one request at a time, on the calling thread: every item is
// processed inside the producer's emit, before the next page is listed.
#include "loop_runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace s3loop::exec {

namespace asio = boost::asio;

namespace {

class SerialStrategy final : public Strategy {
 public:
  RunReport run(Job& job, s3::ClientShared& shared) override {
    asio::io_context loop(1);
    const std::atomic<bool>& interrupt = run_interrupt_flag(shared, cancelled_);
    s3::Client client(loop.get_executor(), shared, &interrupt);
    s3::RetryBudget retry_budget(shared.retry_budget.capacity());  // the run's own
    client.set_retry_budget(&retry_budget);
    LoopWorkerContext context(client, /*cpu_pool=*/nullptr);
    RunState state(cancelled_, interrupt);
    auto body = [&]() -> asio::awaitable<void> {
      Emit emit = [&](WorkItem item) -> asio::awaitable<bool> {
        if (state.stopping()) co_return false;
        item.index = state.produced++;
        co_await state.process_one(job, context, item);
        co_return !state.stopping();
      };
      // Cancelled before it began: no request, and the job stays unused.
      if (state.cancel_requested()) co_return;
      if (auto begun = job.begin_run(); !begun) {
        state.record_job_error(begun.error());
        co_return;
      }
      // What the listing throws is the run's error, as under the other
      // strategies (produce_into): lost in the detached coroutine, a cut-off
      // listing passed for a complete one.
      Result<void> listed = make_error(ErrorKind::protocol, "producer did not run");
      try {
        listed = co_await job.produce(client, emit);
      } catch (...) {
        listed = error_from_exception(std::current_exception());
      }
      if (!listed && !state.cut_off(listed.error())) state.record_job_error(listed.error());
    };
    asio::co_spawn(loop, body(), asio::detached);
    loop.run();
    return state.report();
  }
};

}  // namespace

std::unique_ptr<Strategy> make_serial_strategy(const Settings&) {
  return std::make_unique<SerialStrategy>();
}

}  // namespace s3loop::exec
