#include "batching_run.hpp"

namespace s3loop::exec {

void run_batching(boost::asio::io_context& context, const CompletionBatching& batching) {
  if (batching.window.count() <= 0 || !batching.busy) {
    context.run();
    return;
  }
  std::size_t ran = context.poll();  // everything ready now
  while (!context.stopped()) {
    if (ran > 0 && batching.busy()) {
      batching.sleep(batching.window);
      ran = context.poll();
      continue;
    }
    // Nothing came in during the last window, or little is in flight: wait
    // for the next completion as run() would, then take what else is ready.
    ran = context.run_one();
    if (ran == 0) return;
    ran += context.poll();
  }
}

}  // namespace s3loop::exec
