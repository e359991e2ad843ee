// `threads`: N OS threads, each doing one request at a time on its own
// connection (its own client), like a ThreadPoolExecutor of blocking calls;
// the listing runs on a thread of its own, as the submitting main thread
// does there.
#include "loop_runner.hpp"

namespace s3loop::exec {

namespace {

class ThreadsStrategy final : public Strategy {
 public:
  explicit ThreadsStrategy(const Settings& settings) : settings_(settings) {}

  RunReport run(Job& job, s3::ClientShared& shared) override {
    LoopPlan plan;
    const int threads = settings_.threads > 0 ? settings_.threads : default_thread_count();
    // One consumer per thread: its private loop only ever waits on one
    // request, which is what a blocking call does.
    plan.consumers_per_loop.assign(static_cast<std::size_t>(threads), 1);
    plan.producer_on_own_loop = true;
    return run_loops(job, shared, cancelled_, plan);
  }

 private:
  Settings settings_;
};

}  // namespace

std::unique_ptr<Strategy> make_threads_strategy(const Settings& settings) {
  return std::make_unique<ThreadsStrategy>(settings);
}

}  // namespace s3loop::exec
