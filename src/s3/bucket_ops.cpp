// Bucket operations: ls without a bucket, mb, the missing-bucket probe of
// select and compare, compare's versioning check, and the demo, the data
// generator and tests.
#include "s3loop/s3/client.hpp"
#include "s3loop/s3/encoding.hpp"
#include "s3loop/s3/errors.hpp"

namespace s3loop::s3 {

using boost::asio::awaitable;

awaitable<Result<void>> Client::create_bucket(std::string bucket) {
  S3Request req;
  req.op = Op::create_bucket;
  req.method = "PUT";
  req.bucket = bucket;
  const auto& region = shared_.options.region;
  if (!region.empty() && region != "us-east-1") {
    req.body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        region + "</LocationConstraint></CreateBucketConfiguration>";
  }
  auto reply = co_await send(req);
  if (!reply) co_return reply.error();
  co_return Result<void>();
}

awaitable<Result<void>> Client::ensure_bucket(std::string bucket) {
  auto created = co_await create_bucket(std::move(bucket));
  if (!created && created.error().s3_code == "BucketAlreadyOwnedByYou") co_return Result<void>();
  co_return created;
}

awaitable<Result<void>> Client::delete_bucket(std::string bucket) {
  S3Request req;
  req.op = Op::delete_bucket;
  req.method = "DELETE";
  req.bucket = bucket;
  auto reply = co_await send(req);
  if (!reply) co_return reply.error();
  co_return Result<void>();
}

awaitable<Result<std::vector<BucketInfo>>> Client::list_buckets() {
  S3Request req;
  req.op = Op::list_buckets;
  // No bucket: the service itself (GET /). No max-buckets either, so AWS
  // answers unpaginated, every bucket in one reply.
  Result<std::vector<BucketInfo>> buckets = make_error(ErrorKind::protocol, "no reply");
  auto reply = co_await send(req, [&](const net::Response& r) -> Result<void> {
    buckets = parse_list_buckets(r.body);
    if (!buckets) return error_in_ok_reply(buckets.error(), r.body, Op::list_buckets, "", "");
    return {};
  });
  if (!reply) co_return reply.error();
  co_return buckets;
}

awaitable<Result<std::string>> Client::bucket_versioning(std::string bucket) {
  S3Request req;
  req.op = Op::get_bucket_versioning;
  req.bucket = bucket;
  req.query = {{"versioning", ""}};
  Result<std::string> status = make_error(ErrorKind::protocol, "no reply");
  auto reply = co_await send(req, [&](const net::Response& r) -> Result<void> {
    status = parse_bucket_versioning(r.body);
    if (!status) {
      return error_in_ok_reply(status.error(), r.body, Op::get_bucket_versioning, bucket, "");
    }
    return {};
  });
  if (!reply) co_return reply.error();
  co_return status;
}

awaitable<Result<void>> Client::put_bucket_versioning(std::string bucket, std::string status) {
  S3Request req;
  req.op = Op::put_bucket_versioning;
  req.method = "PUT";
  req.bucket = bucket;
  req.query = {{"versioning", ""}};
  req.body = build_versioning_configuration(status);
  // S3 requires a checksum of this body.
  req.headers.emplace_back("content-md5", base64_md5(req.body));
  auto reply = co_await send(req);
  if (!reply) co_return reply.error();
  co_return Result<void>();
}

awaitable<Result<bool>> Client::holds_any_object(std::string bucket, std::string prefix,
                                                 bool versions) {
  if (versions) {
    ListVersionsParams params;
    params.bucket = std::move(bucket);
    params.prefix = std::move(prefix);
    params.max_keys = 1;
    auto page = co_await list_object_versions(std::move(params));
    if (!page) co_return page.error();
    co_return !page->versions.empty();
  }
  ListParams params;
  params.bucket = std::move(bucket);
  params.prefix = std::move(prefix);
  params.max_keys = 1;
  auto page = co_await list_objects_v2(std::move(params));
  if (!page) co_return page.error();
  co_return !page->objects.empty();
}

awaitable<Result<void>> Client::probe_bucket(std::string bucket) {
  auto listed = co_await holds_any_object(std::move(bucket), "");
  if (!listed) co_return listed.error();
  co_return Result<void>();
}

awaitable<std::optional<Error>> Client::missing_bucket(std::string bucket) {
  auto probed = co_await probe_bucket(std::move(bucket));
  if (!probed && probed.error().s3_code == "NoSuchBucket") co_return probed.error();
  co_return std::nullopt;
}

}  // namespace s3loop::s3
