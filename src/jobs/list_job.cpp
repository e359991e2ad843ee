#include "s3loop/jobs/list_job.hpp"

#include "s3loop/jobs/parallel_list.hpp"
#include "s3loop/s3/client.hpp"
#include "s3loop/s3/s3_url.hpp"

namespace s3loop::jobs {

using boost::asio::awaitable;

std::optional<Error> next_page_problem(const s3::ListPage& page, const std::string& asked_with) {
  if (page.next_continuation_token.empty()) {
    return make_error(ErrorKind::protocol,
                      "ListObjectsV2 reply is truncated but has no NextContinuationToken");
  }
  if (page.next_continuation_token == asked_with) {
    return make_error(ErrorKind::protocol,
                      "ListObjectsV2 reply gave back the NextContinuationToken it was asked "
                      "with: the listing would repeat the same page for ever");
  }
  return std::nullopt;
}

namespace {

// A key the listing did not ask for is the server's fault: taken as listed,
// it was printed, copied or counted as if under the prefix (a review).
std::optional<Error> outside_prefix_problem(const s3::ListPage& page, const std::string& prefix) {
  auto outside = [&](const std::string& name) -> std::optional<Error> {
    if (name.starts_with(prefix)) return std::nullopt;
    return make_error(ErrorKind::protocol,
                      "ListObjectsV2 reply has a key outside the prefix asked for (\"" + name +
                          "\"): the listing would not be right");
  };
  for (const auto& object : page.objects) {
    if (auto problem = outside(object.key)) return problem;
  }
  for (const auto& common : page.common_prefixes) {
    if (auto problem = outside(common)) return problem;
  }
  return std::nullopt;
}

}  // namespace

awaitable<Result<void>> for_each_page(
    s3::Client& client, const s3::ListParams& params,
    const std::function<awaitable<bool>(s3::ListPage&)>& on_page) {
  s3::ListParams request = params;
  for (;;) {
    auto page = co_await client.list_objects_v2(request);
    if (!page) co_return page.error();
    if (auto problem = outside_prefix_problem(*page, request.prefix)) co_return std::move(*problem);
    if (!co_await on_page(*page)) co_return Result<void>();
    if (!page->is_truncated) co_return Result<void>();
    if (auto problem = next_page_problem(*page, request.continuation_token)) {
      co_return std::move(*problem);
    }
    request.continuation_token = std::move(page->next_continuation_token);
  }
}

awaitable<Result<void>> ListJob::produce(s3::Client& client, const exec::Emit&) {
  // max-keys=0 would list nothing, page after page, and say nothing of it.
  if (options_.page_size < 1 || options_.page_size > 1000) {
    co_return make_error(ErrorKind::usage,
                         "ListOptions::page_size must be between 1 and 1000 "
                         "(ListObjectsV2's max-keys), got " +
                             std::to_string(options_.page_size));
  }
  if (auto problem =
          list_concurrency_problem(options_.list_concurrency, "ListOptions::list_concurrency")) {
    co_return std::move(*problem);
  }
  if (const std::string problem = s3::bucket_name_problem(options_.location.bucket);
      !problem.empty()) {
    co_return make_error(ErrorKind::usage, "ListOptions::location: " + problem);
  }
  if (options_.recursive) {
    KeyListing keys;
    keys.bucket = options_.location.bucket;
    keys.prefix = options_.location.key;
    keys.concurrency = options_.list_concurrency;
    keys.ordered = true;
    keys.page_size = options_.page_size;
    keys.cancelled = options_.cancelled;
    co_return co_await list_keys(client, std::move(keys),
                                 [&](std::vector<s3::ObjectInfo>& objects) -> awaitable<bool> {
                                   s3::ListPage page;
                                   page.objects = std::move(objects);
                                   count(page);
                                   co_return true;
                                 });
  }
  s3::ListParams params;
  params.bucket = options_.location.bucket;
  params.prefix = options_.location.key;
  params.max_keys = options_.page_size;
  params.delimiter = "/";
  co_return co_await for_each_page(client, params, [&](s3::ListPage& page) -> awaitable<bool> {
    if (options_.cancelled != nullptr && options_.cancelled->load()) co_return false;
    count(page);
    co_return true;
  });
}

void ListJob::count(const s3::ListPage& page) {
  objects_ += page.objects.size();
  prefixes_ += page.common_prefixes.size();
  for (const auto& object : page.objects) bytes_ += object.size;
  if (options_.on_page) options_.on_page(page);
}

awaitable<Result<std::uint64_t>> ListJob::process(exec::WorkerContext&, const exec::WorkItem&) {
  co_return std::uint64_t{0};  // never called: the listing emits no items
}

}  // namespace s3loop::jobs
