// `ls`: stream a listing page by page to a sink; nothing is kept.
#pragma once

#include "s3loop/exec/job.hpp"
#include "s3loop/s3/client.hpp"
#include "s3loop/s3/s3_url.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace s3loop::jobs {

struct ListOptions {
  s3::S3Url location;
  bool recursive = false;  // without: delimiter "/", sub-prefixes reported separately
  int page_size = 1000;
  // ListObjectsV2 requests in flight for a recursive listing (key ranges
  // listed at once, output still in key order); 1: one page after another.
  // A listing by level (not recursive) is always sequential.
  int list_concurrency = 16;
  // Set (by SIGINT), the listing stops after the requests in flight.
  const std::atomic<bool>* cancelled = nullptr;
  // Called once per page, in listing order, on the producer's loop.
  std::function<void(const s3::ListPage&)> on_page;
};

// The listing is the work itself: produce() pages through ListObjectsV2 and
// hands each page to on_page; it emits no items.
class ListJob final : public exec::Job {
 public:
  explicit ListJob(ListOptions options) : options_(std::move(options)) {}
  boost::asio::awaitable<Result<void>> produce(s3::Client& client, const exec::Emit& emit) override;
  boost::asio::awaitable<Result<std::uint64_t>> process(exec::WorkerContext& context,
                                                        const exec::WorkItem& item) override;

  // Totals of the pages handed to on_page: read them once run() has
  // returned (they are written on the run's loop, without a lock; on_page
  // sees each page as it comes, for a running count).
  std::uint64_t objects() const { return objects_; }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t prefixes() const { return prefixes_; }

 private:
  void count(const s3::ListPage& page);  // and hand it to on_page

  ListOptions options_;
  std::uint64_t objects_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t prefixes_ = 0;
};

// Why a truncated ListObjectsV2 page asked for with `asked_with` cannot be
// followed: it has no NextContinuationToken, or gives back the one it was
// asked with (the same page for ever, as botocore's paginator refuses);
// nullopt when its token leads on.
std::optional<Error> next_page_problem(const s3::ListPage& page, const std::string& asked_with);

// Pages through a whole listing, calling on_page for each; the building
// block of every job that starts from a prefix.
boost::asio::awaitable<Result<void>> for_each_page(
    s3::Client& client, const s3::ListParams& params,
    const std::function<boost::asio::awaitable<bool>(s3::ListPage&)>& on_page);

}  // namespace s3loop::jobs
