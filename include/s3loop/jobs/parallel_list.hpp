// Lists one prefix as many concurrent ListObjectsV2 walks over disjoint key
// ranges, on the caller's event loop (ListPlanner decides what each walk
// asks for). Memory: O(concurrency) pages, never the whole key list.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/jobs/list_planner.hpp"
#include "s3loop/s3/client.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace s3loop::jobs {

// The most ListObjectsV2 requests a listing keeps in flight: the planner's
// work grows with it (40,000 cost 40 s of CPU for a 314-key prefix), while
// past a few dozen the server is the limit.
inline constexpr int kMaxListConcurrency = 1024;

// The error (kind usage) for a list concurrency outside 1..kMaxListConcurrency,
// named as the caller calls it (`named`: "--list-concurrency", say).
std::optional<Error> list_concurrency_problem(int concurrency, std::string_view named);

struct KeyListing {
  std::string bucket;
  std::string prefix;
  // ListObjectsV2 requests in flight; 1 is the plain sequential walk.
  int concurrency = 16;
  // Pages reach the sink in key order (ls), or as they arrive (cp).
  bool ordered = true;
  int page_size = 1000;
  // Pages listed ahead of the sink (waiting for it, or requested) stay below
  // this: the listing's memory. 0: twice `concurrency`.
  std::size_t max_buffered_pages = 0;
  // Checked between requests: set, the listing stops early (and succeeds).
  const std::atomic<bool>* cancelled = nullptr;
  // When set (a parallel listing), the planner's counters, brought up to date
  // before each page goes to the sink: what tests watch the bound with.
  listing::PlannerStats* progress = nullptr;
};

// Receives each page of keys, never empty; returning false stops the listing.
using KeysSink = std::function<boost::asio::awaitable<bool>(std::vector<s3::ObjectInfo>&)>;

// Every key under the prefix exactly once; the first failed request (after
// the client's retries) ends the listing with its error.
boost::asio::awaitable<Result<void>> list_keys(s3::Client& client, KeyListing keys, KeysSink sink);

// The parallel walk itself; list_keys() uses it for concurrency > 1.
boost::asio::awaitable<Result<void>> list_keys_in_parallel(s3::Client& client, KeyListing keys,
                                                           KeysSink sink);

}  // namespace s3loop::jobs
