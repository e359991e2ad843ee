// Runs a job on one or more event loops, each on its own thread, with a
// number of consumer coroutines per loop, all fed by one producer through the
// bounded channel. The async, threads and async-pool strategies are each one
// shape of this. Private to exec.
#pragma once

#include <system_error>

#include "pipeline.hpp"
#include "slot_gate.hpp"

#include <boost/asio/thread_pool.hpp>

#include <thread>
#include <vector>

namespace s3loop::exec {

// The WorkerContext of one event loop: its client, and where CPU-heavy steps
// run (inline without a pool; with one, on the pool, resuming on the loop).
// With a slot gate, sub-tasks (run_parallel) also run on the slots its
// idle consumers leave free; without one, one after another.
class LoopWorkerContext final : public WorkerContext {
 public:
  LoopWorkerContext(s3::Client& client, boost::asio::thread_pool* cpu_pool,
                    SlotGate* gate = nullptr)
      : client_(client), cpu_pool_(cpu_pool), gate_(gate) {}
  s3::Client& client() override { return client_; }
  boost::asio::awaitable<void> run_cpu(std::function<void()> work) override;
  boost::asio::awaitable<void> run_parallel(std::size_t count, std::size_t at_most,
                                            SubTask task) override;

 private:
  s3::Client& client_;
  boost::asio::thread_pool* cpu_pool_;
  SlotGate* gate_;
};

// What cuts a run's requests off, handed to each of its clients: the
// caller's flag (ClientShared::interrupted: the command's SIGINT flag, which
// is the strategy's own), else the strategy's cancel flag -- so that cancel()
// reaches the requests in flight for a library caller too. Not written into
// the ClientShared, which other runs and clients may share at the same time.
inline const std::atomic<bool>& run_interrupt_flag(const s3::ClientShared& shared,
                                                   const std::atomic<bool>& cancelled) {
  return shared.interrupted != nullptr ? *shared.interrupted : cancelled;
}

struct LoopPlan {
  // Consumers on each loop; loops.size() event loops, each on a thread.
  std::vector<int> consumers_per_loop;
  // The listing gets a loop (and thread) of its own instead of sharing loop 0.
  bool producer_on_own_loop = false;
  // When set, CPU-heavy steps run here and resume on their loop.
  boost::asio::thread_pool* cpu_pool = nullptr;
  // Adaptive concurrency: at most this many requests in flight, fewer while
  // the server throttles (0: off).
  int adaptive_max = 0;
};

RunReport run_loops(Job& job, s3::ClientShared& shared, const std::atomic<bool>& cancelled,
                    const LoopPlan& plan);

// ThreadPoolExecutor's default, min(32, cores + 4): the reference users compare against.
int default_thread_count();
// The run's error when the system refused a thread it needed (EAGAIN).
Error thread_refused(const std::system_error& e);
// async-pool's CPU workers by default: one per core.
int default_cpu_workers();

}  // namespace s3loop::exec
