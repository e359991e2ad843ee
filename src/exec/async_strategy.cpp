// `async`: ONE thread running ONE io_context, with `concurrency` consumer
// coroutines (so that many requests in flight) fed by the listing on the same
// loop.
#include "loop_runner.hpp"

namespace s3loop::exec {

namespace {

class AsyncStrategy final : public Strategy {
 public:
  explicit AsyncStrategy(const Settings& settings) : settings_(settings) {}

  RunReport run(Job& job, s3::ClientShared& shared) override {
    LoopPlan plan;
    plan.consumers_per_loop = {settings_.concurrency};
    if (settings_.adaptive) plan.adaptive_max = settings_.concurrency;
    return run_loops(job, shared, cancelled_, plan);
  }

 private:
  Settings settings_;
};

}  // namespace

std::unique_ptr<Strategy> make_async_strategy(const Settings& settings) {
  return std::make_unique<AsyncStrategy>(settings);
}

}  // namespace s3loop::exec
