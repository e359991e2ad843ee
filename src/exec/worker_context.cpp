// What a WorkerContext does unless its strategy knows better.
#include "s3loop/exec/job.hpp"

namespace s3loop::exec {

// One after another: a worker that does one request at a time.
boost::asio::awaitable<void> WorkerContext::run_parallel(std::size_t count, std::size_t /*at_most*/,
                                                         SubTask task) {
  for (std::size_t i = 0; i < count; ++i) {
    if (!co_await task(i)) break;
  }
}

}  // namespace s3loop::exec
