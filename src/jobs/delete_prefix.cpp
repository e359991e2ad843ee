#include "s3loop/jobs/delete_prefix.hpp"

#include "s3loop/jobs/list_job.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace s3loop::jobs {

using boost::asio::awaitable;

namespace {

// Deletes one page's objects (or versions): those XML can carry in one
// DeleteObjects, each other one with a DeleteObject of its own (a single one
// would make the server refuse the whole batch). The first failure ends it.
awaitable<Result<void>> delete_page(s3::Client& client, const std::string& bucket,
                                    std::vector<s3::ObjectToDelete> objects) {
  std::vector<s3::ObjectToDelete> batch;
  std::vector<s3::ObjectToDelete> singles;
  batch.reserve(objects.size());
  for (auto& o : objects) (s3::xml_can_carry(o.key) ? batch : singles).push_back(std::move(o));
  if (!batch.empty()) {
    auto failures = co_await client.delete_versions(bucket, std::move(batch));
    if (!failures) co_return failures.error();
    if (!failures->empty()) {
      const auto& f = failures->front();
      co_return make_error(ErrorKind::s3, "could not delete s3://" + bucket + "/" + f.key + ": " +
                                              f.code + " " + f.message);
    }
  }
  for (auto& o : singles) {
    auto one = co_await client.delete_object(bucket, o.key, o.version_id);
    if (!one) co_return one.error();
  }
  co_return Result<void>();
}

// A listing that named a key outside the prefix it was asked for (a server
// that ignored the prefix): nothing of it may be deleted.
Error listed_outside(std::string_view operation, const std::string& bucket,
                     const std::string& prefix, const std::string& key, std::string_view outcome) {
  return make_error(ErrorKind::protocol, std::string(operation) + " under '" + prefix +
                                             "' in s3://" + bucket + " listed '" + key +
                                             "', outside it: " + std::string(outcome));
}

}  // namespace

awaitable<Result<std::uint64_t>> delete_prefix(s3::Client& client, std::string bucket,
                                               std::string prefix) {
  std::uint64_t deleted = 0;
  std::optional<Error> failure;
  s3::ListParams params;
  params.bucket = bucket;
  params.prefix = prefix;
  // Deleting while paging is safe: each page's keys are gone before the next
  // page is asked for, and the continuation token is positional.
  auto listed = co_await for_each_page(client, params, [&](s3::ListPage& page) -> awaitable<bool> {
    std::vector<s3::ObjectToDelete> objects;
    objects.reserve(page.objects.size());
    for (auto& o : page.objects) {
      if (!o.key.starts_with(prefix)) {
        failure = listed_outside("ListObjectsV2", bucket, prefix, o.key, "not deleted");
        co_return false;
      }
      objects.push_back({std::move(o.key), {}});
    }
    const auto count = objects.size();
    if (auto done = co_await delete_page(client, bucket, std::move(objects)); !done) {
      failure = done.error();
      co_return false;
    }
    deleted += count;
    co_return true;
  });
  if (!listed) co_return listed.error();
  if (failure) co_return *failure;
  co_return deleted;
}

awaitable<Result<std::uint64_t>> delete_prefix_versions(s3::Client& client, std::string bucket,
                                                        std::string prefix, int page_size) {
  // The server's pages hold at most 1,000 versions whatever is asked for:
  // the page count allowed below must be reckoned with what it sends (a
  // page size of 100,000 gave up after 2 pages of 1,000; 0 divided by zero).
  page_size = std::clamp(page_size, 1, 1000);
  s3::ListVersionsParams params;
  params.bucket = bucket;
  params.prefix = prefix;
  params.max_keys = page_size;
  // First counted, nothing deleted: the deleting pass below may then take
  // no more pages than that count fills (and two), so that a server that
  // kept what it was told to delete -- one that ignores VersionId and adds
  // a delete marker instead -- cannot keep it going forever. (The markers
  // are the last entry's key and version id, not NextKeyMarker: radosgw
  // 16.2 sends that one unencoded on a page that says EncodingType=url.)
  std::uint64_t listed = 0;
  for (;;) {
    auto page = co_await client.list_object_versions(params);
    if (!page) co_return page.error();
    for (const auto& v : page->versions) {
      if (!v.key.starts_with(prefix)) {
        co_return listed_outside("ListObjectVersions", bucket, prefix, v.key,
                                 "nothing was deleted");
      }
    }
    listed += page->versions.size();
    if (!page->is_truncated) break;
    params.key_marker = page->versions.back().key;
    params.version_id_marker = page->versions.back().version_id;
  }
  params.key_marker.clear();
  params.version_id_marker.clear();

  // Each page is listed from the start of the prefix again, not after the
  // last entry deleted: radosgw 16.2 cannot place a version-id-marker whose
  // version is gone, and skips the rest of that key's versions.
  const std::uint64_t most_pages = listed / static_cast<std::uint64_t>(page_size) + 2;
  std::uint64_t deleted = 0;
  for (std::uint64_t pages = 0;; ++pages) {
    auto page = co_await client.list_object_versions(params);
    if (!page) co_return page.error();
    if (page->versions.empty()) break;
    if (pages == most_pages) {
      const auto& v = page->versions.front();
      co_return make_error(ErrorKind::s3, "could not delete s3://" + bucket + "/" + v.key +
                                              " (version " + v.version_id +
                                              "): deleted, it is listed still");
    }
    std::vector<s3::ObjectToDelete> objects;
    objects.reserve(page->versions.size());
    for (auto& v : page->versions) {
      if (!v.key.starts_with(prefix)) {
        co_return listed_outside("ListObjectVersions", bucket, prefix, v.key, "not deleted");
      }
      objects.push_back({std::move(v.key), std::move(v.version_id)});
    }
    const auto count = objects.size();
    if (auto done = co_await delete_page(client, bucket, std::move(objects)); !done) {
      co_return done.error();
    }
    deleted += count;
  }
  co_return deleted;
}

awaitable<Result<std::uint64_t>> abort_prefix_uploads(s3::Client& client, std::string bucket,
                                                      std::string prefix) {
  auto uploads = co_await client.list_multipart_uploads(bucket, prefix);
  if (!uploads) co_return uploads.error();
  for (const auto& upload : *uploads) {
    if (!upload.key.starts_with(prefix)) {
      co_return listed_outside("ListMultipartUploads", bucket, prefix, upload.key,
                               "nothing aborted");
    }
  }
  std::uint64_t aborted = 0;
  for (const auto& upload : *uploads) {
    auto done = co_await client.abort_multipart_upload(bucket, upload.key, upload.upload_id);
    if (!done) co_return done.error();
    if (*done) ++aborted;
  }
  co_return aborted;
}

}  // namespace s3loop::jobs
