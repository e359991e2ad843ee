// `async-pool`: network IO on K event loops (one thread each, sharing the
// in-flight requests), CPU-heavy steps (reply parsing, CSV, aggregation) on a
// worker pool of N threads, resumed on the loop that asked.
#include "loop_runner.hpp"

#include <system_error>
#include <thread>
#include <vector>

namespace s3loop::exec {

namespace {

class AsyncPoolStrategy final : public Strategy {
 public:
  explicit AsyncPoolStrategy(const Settings& settings) : settings_(settings) {}

  RunReport run(Job& job, s3::ClientShared& shared) override {
    const int workers = settings_.threads > 0 ? settings_.threads : default_cpu_workers();
    // The workers are threads of our own attached to a pool of none: asio's
    // pool, when the system refuses one of its threads (EAGAIN: a process
    // limit), throws from its constructor and joins the threads it started,
    // which wait for work for ever -- the run hung before it began.
    boost::asio::thread_pool cpu_pool(0);
    std::vector<std::thread> cpu_threads;
    try {
      for (int i = 0; i < workers; ++i)
        cpu_threads.emplace_back([&cpu_pool] { cpu_pool.attach(); });
    } catch (const std::system_error& e) {
      cpu_pool.stop();
      for (auto& t : cpu_threads) t.join();
      RunReport refused;
      refused.job_error = thread_refused(e);
      return refused;
    }
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
    cpu_pool.wait();  // the work it has, then its threads return
    for (auto& t : cpu_threads) t.join();
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
