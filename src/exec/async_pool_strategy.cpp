// `async-pool`: network IO on K event loops (one thread each, sharing the
// in-flight requests), CPU-heavy steps (reply parsing, CSV, aggregation) on a
// worker pool of N threads, resumed on the loop that asked.
#include "loop_runner.hpp"

namespace s3loop::exec {

namespace {

class AsyncPoolStrategy final : public Strategy {
 public:
  explicit AsyncPoolStrategy(const Settings& settings) : settings_(settings) {}

  RunReport run(Job& job, s3::ClientShared& shared) override {
    const int workers = settings_.threads > 0 ? settings_.threads : default_cpu_workers();
    boost::asio::thread_pool cpu_pool(static_cast<std::size_t>(workers));
    LoopPlan plan;
    const int loops = std::min(settings_.loops, settings_.concurrency);
    // Shard the in-flight requests evenly over the loops.
    for (int i = 0; i < loops; ++i) {
      plan.consumers_per_loop.push_back(settings_.concurrency / loops +
                                        (i < settings_.concurrency % loops ? 1 : 0));
    }
    plan.cpu_pool = &cpu_pool;
    if (settings_.adaptive) plan.adaptive_max = settings_.concurrency;
    RunReport report = run_loops(job, shared, cancelled_, plan);
    cpu_pool.join();
    return report;
  }

 private:
  Settings settings_;
};

}  // namespace

std::unique_ptr<Strategy> make_async_pool_strategy(const Settings& settings) {
  return std::make_unique<AsyncPoolStrategy>(settings);
}

}  // namespace s3loop::exec
