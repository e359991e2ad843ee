// Multipart upload operations used by large server-side copies.
#include "s3loop/s3/client.hpp"
#include "s3loop/s3/encoding.hpp"
#include "s3loop/s3/errors.hpp"

namespace s3loop::s3 {

using boost::asio::awaitable;

Client::Awaitable Client::create_multipart_upload(std::string bucket, std::string key,
                                                  Headers headers) {
  S3Request req;
  req.op = Op::create_multipart;
  req.method = "POST";
  req.bucket = bucket;
  req.key = key;
  req.query = {{"uploads", ""}};
  req.headers = headers;
  std::string upload_id;
  auto reply = co_await send(req, [&](const net::Response& r) -> Result<void> {
    auto parsed = parse_initiate_multipart(r.body);
    if (!parsed) return parsed.error();
    upload_id = std::move(*parsed);
    return {};
  });
  if (!reply) co_return reply.error();
  co_return upload_id;
}

Client::Awaitable Client::upload_part_copy(std::string src_bucket, std::string src_key,
                                           std::string dst_bucket, std::string dst_key,
                                           std::string upload_id, int part_number,
                                           ByteRange range) {
  S3Request req;
  req.op = Op::upload_part_copy;
  req.method = "PUT";
  req.bucket = dst_bucket;
  req.key = dst_key;
  req.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  req.headers.emplace_back("x-amz-copy-source",
                           "/" + src_bucket + "/" + uri_encode(src_key, /*keep_slash=*/true));
  req.headers.emplace_back("x-amz-copy-source-range", "bytes=" + std::to_string(range.first) + "-" +
                                                          std::to_string(range.last));
  std::string etag;
  auto reply = co_await send(req, [&](const net::Response& r) -> Result<void> {
    auto parsed = parse_copy_result(r.body);
    if (!parsed)
      return error_in_ok_reply(parsed.error(), r.body, Op::upload_part_copy, dst_bucket, dst_key);
    etag = std::move(*parsed);
    return {};
  });
  if (!reply) co_return reply.error();
  co_return etag;
}

Client::Awaitable Client::complete_multipart_upload(std::string bucket, std::string key,
                                                    std::string upload_id,
                                                    std::vector<CompletedPart> parts) {
  S3Request req;
  req.op = Op::complete_multipart;
  req.method = "POST";
  req.bucket = bucket;
  req.key = key;
  req.query = {{"uploadId", upload_id}};
  req.body = build_complete_multipart(parts);
  req.headers.emplace_back("content-type", "application/xml");
  std::string etag;
  auto reply = co_await send(req, [&](const net::Response& r) -> Result<void> {
    auto parsed = parse_complete_multipart(r.body);
    if (!parsed)
      return error_in_ok_reply(parsed.error(), r.body, Op::complete_multipart, bucket, key);
    etag = std::move(*parsed);
    return {};
  });
  if (!reply) co_return reply.error();
  co_return etag;
}

awaitable<Result<void>> Client::abort_multipart_upload(std::string bucket, std::string key,
                                                       std::string upload_id) {
  S3Request req;
  req.op = Op::abort_multipart;
  req.method = "DELETE";
  req.bucket = bucket;
  req.key = key;
  req.query = {{"uploadId", upload_id}};
  auto reply = co_await send(req);
  if (!reply) co_return reply.error();
  co_return Result<void>();
}

}  // namespace s3loop::s3
