// LoopWorkerContext::run_parallel: an item's sub-tasks on the slots that idle
// consumers of its loop leave free (SlotGate). The item's own slot runs one
// task after another; before each, every free slot (up to `at_most` tasks at
// once) is borrowed for one more task, which gives its slot back when done,
// so a consumer that gets a new item is served before further borrowing.
#include "loop_runner.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>

namespace s3loop::exec {

namespace asio = boost::asio;
using asio::awaitable;

namespace {

// Lives in the frame of run_parallel, which outlasts every task it started.
struct SubTaskRun {
  SubTaskRun(const asio::any_io_executor& executor, std::size_t tasks, std::size_t limit,
             WorkerContext::SubTask& run_one, SlotGate& slots)
      : count(tasks),
        at_most(limit),
        task(run_one),
        gate(slots),
        lent_done(executor, asio::steady_timer::time_point::max()) {}

  const std::size_t count;
  const std::size_t at_most;
  WorkerContext::SubTask& task;
  SlotGate& gate;
  std::size_t next = 0;     // the next task to start
  std::size_t running = 0;  // tasks started and not yet ended
  std::size_t lent = 0;     // of those, the ones on borrowed slots
  bool stopped = false;     // a task returned false or threw
  std::exception_ptr thrown;
  asio::steady_timer lent_done;  // never expires: cancelled when `lent` drops to 0

  bool more() const { return !stopped && next < count; }
};

// `running` counts the task from before it starts (so the borrowing stops
// at `at_most`) until it has ended.
awaitable<void> run_task(SubTaskRun& run, std::size_t index) {
  bool go_on = false;
  try {
    go_on = co_await run.task(index);
  } catch (...) {
    if (!run.thrown) run.thrown = std::current_exception();
  }
  --run.running;
  if (!go_on) run.stopped = true;
}

void borrow_spare_slots(SubTaskRun& run, const asio::any_io_executor& executor);

awaitable<void> run_on_borrowed_slot(SubTaskRun& run, std::size_t index) {
  co_await run_task(run, index);
  run.gate.return_borrowed();
  // A consumer whose new item has arrived but has not run yet does not wait
  // at the gate yet: let it run first, so that it takes the slot rather than
  // wait for another sub-task.
  const auto executor = co_await asio::this_coro::executor;
  co_await asio::post(executor, asio::use_awaitable);
  borrow_spare_slots(run, executor);
  if (--run.lent == 0) run.lent_done.cancel();
}

void borrow_spare_slots(SubTaskRun& run, const asio::any_io_executor& executor) {
  while (run.more() && run.running < run.at_most && run.gate.try_borrow()) {
    ++run.lent;
    ++run.running;
    asio::co_spawn(executor, run_on_borrowed_slot(run, run.next++), asio::detached);
  }
}

}  // namespace

awaitable<void> LoopWorkerContext::run_parallel(std::size_t count, std::size_t at_most,
                                                SubTask task) {
  if (gate_ == nullptr || at_most <= 1) {
    co_await WorkerContext::run_parallel(count, at_most, std::move(task));
    co_return;
  }
  const auto executor = co_await asio::this_coro::executor;
  SubTaskRun run(executor, count, at_most, task, *gate_);
  while (run.more()) {
    const std::size_t index = run.next++;
    ++run.running;
    borrow_spare_slots(run, executor);
    co_await run_task(run, index);
  }
  while (run.lent > 0) co_await run.lent_done.async_wait(asio::as_tuple(asio::use_awaitable));
  if (run.thrown) std::rethrow_exception(run.thrown);
}

}  // namespace s3loop::exec
