// `async`: ONE thread running ONE io_context; `concurrency` consumer
// coroutines, so that many requests are in flight, fed by one producer
// through a bounded channel.
#include "pipeline.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace s3loop::exec {

namespace asio = boost::asio;

namespace {

class LoopContext final : public WorkerContext {
 public:
  explicit LoopContext(s3::Client& client) : client_(client) {}
  s3::Client& client() override { return client_; }
  asio::awaitable<void> run_cpu(std::function<void()> work) override {
    work();
    co_return;
  }

 private:
  s3::Client& client_;
};

class AsyncStrategy final : public Strategy {
 public:
  explicit AsyncStrategy(const Settings& settings) : settings_(settings) {}

  RunReport run(Job& job, s3::ClientShared& shared) override {
    asio::io_context loop(1);  // concurrency hint 1: no locking inside Asio
    s3::Client client(loop.get_executor(), shared);
    LoopContext context(client);
    RunState state(cancelled_);
    const int consumers = settings_.concurrency;
    // Room for one batch per consumer: the producer runs ahead by at most
    // this much, whatever the number of objects.
    ItemChannel channel(loop, static_cast<std::size_t>(consumers));
    state.consumers_running = consumers;
    asio::co_spawn(loop, produce_into(job, client, channel, state, consumers), asio::detached);
    for (int i = 0; i < consumers; ++i) {
      asio::co_spawn(loop, consume_from(job, context, channel, state), asio::detached);
    }
    asio::co_spawn(loop, watch_cancel(channel, state), asio::detached);
    loop.run();
    return state.report();
  }

 private:
  Settings settings_;
};

}  // namespace

std::unique_ptr<Strategy> make_async_strategy(const Settings& settings) {
  return std::make_unique<AsyncStrategy>(settings);
}

}  // namespace s3loop::exec
