// Object-level operations: list, head, get, put, copy, delete (one or many).
#include "s3loop/s3/client.hpp"
#include "s3loop/s3/encoding.hpp"
#include "s3loop/s3/errors.hpp"
#include "s3loop/s3/request_target.hpp"

#include "copy_send.hpp"

#include <boost/algorithm/string/predicate.hpp>

#include <charconv>

namespace s3loop::s3 {

using boost::asio::awaitable;

namespace {

std::string strip_quotes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

std::string range_header(ByteRange range) {
  return "bytes=" + std::to_string(range.first) + "-" + std::to_string(range.last);
}

// A GetObject, whole or of `range`, of the version `etag` when one is given.
S3Request get_request(std::string bucket, std::string key, std::optional<ByteRange> range,
                      const std::string& etag) {
  S3Request req;
  req.op = Op::get_object;
  req.bucket = std::move(bucket);
  req.key = std::move(key);
  if (range) req.headers.emplace_back("range", range_header(*range));
  if (!etag.empty()) req.headers.emplace_back("if-match", "\"" + etag + "\"");
  return req;
}

}  // namespace

awaitable<Result<ListPage>> Client::list_objects_v2(ListParams params) {
  if (auto refused = page_size_problem(Op::list_objects, params.max_keys)) {
    co_return std::move(*refused);
  }
  S3Request req;
  req.op = Op::list_objects;
  req.bucket = params.bucket;
  req.query = {
      {"list-type", "2"}, {"encoding-type", "url"}, {"max-keys", std::to_string(params.max_keys)}};
  if (!params.prefix.empty()) req.query.emplace_back("prefix", params.prefix);
  req.prefix = params.prefix;
  if (!params.delimiter.empty()) req.query.emplace_back("delimiter", params.delimiter);
  if (!params.continuation_token.empty()) {
    req.query.emplace_back("continuation-token", params.continuation_token);
  }
  if (!params.start_after.empty()) req.query.emplace_back("start-after", params.start_after);

  Result<ListPage> page = make_error(ErrorKind::protocol, "no reply");
  auto reply = co_await send(req, [&](const net::Response& r) -> Result<void> {
    page = parse_list_objects_v2(r.body);
    if (!page)
      return error_in_ok_reply(page.error(), r.body, Op::list_objects, params.bucket,
                               params.prefix);
    return {};
  });
  if (!reply) co_return reply.error();
  co_return page;
}

awaitable<Result<ObjectHead>> Client::head_object(std::string bucket, std::string key) {
  S3Request req;
  req.op = Op::head_object;
  req.method = "HEAD";
  req.bucket = bucket;
  req.key = key;
  auto reply = co_await send(req);
  if (!reply) co_return reply.error();
  ObjectHead head;
  // The object's size: without it, select would answer for an empty object
  // and a multipart copy plan no parts.
  const auto length = reply->header("Content-Length");
  const auto parsed =
      length ? std::from_chars(length->data(), length->data() + length->size(), head.size)
             : std::from_chars_result{nullptr, std::errc::invalid_argument};
  if (parsed.ec != std::errc() || parsed.ptr != length->data() + length->size()) {
    co_return make_error(ErrorKind::protocol,
                         "HEAD " + s3_uri(bucket, key) +
                             ": the reply has no valid Content-Length (" +
                             (length ? "'" + std::string(*length) + "'" : std::string("none")) +
                             "), so the object's size is unknown");
  }
  head.etag = strip_quotes(reply->header("ETag").value_or(""));
  if (auto type = reply->header("Content-Type")) head.content_type = std::string(*type);
  head.last_modified = reply->header("Last-Modified").value_or("");
  for (const auto& [name, value] : reply->headers) {
    if (boost::algorithm::istarts_with(name, "x-amz-meta-")) {
      head.user_metadata.emplace_back(name, value);
    }
    for (const char* kept : {"cache-control", "content-disposition", "content-encoding",
                             "content-language", "expires"}) {
      if (boost::algorithm::iequals(name, kept)) head.content_headers.emplace_back(name, value);
    }
  }
  co_return head;
}

Client::Awaitable Client::get_object(std::string bucket, std::string key,
                                     std::optional<ByteRange> range, std::string etag) {
  S3Request req = get_request(std::move(bucket), std::move(key), range, etag);
  // Held whole: a range holds no more than its bytes (a server that sent an
  // endless 206 for 64 KiB grew the process to a gigabyte, a review).
  if (range) req.max_body = range->last - range->first + 1;
  auto reply = co_await send(req);
  if (!reply) co_return reply.error();
  co_return std::move(reply->body);
}

awaitable<Result<void>> Client::get_object_stream(std::string bucket, std::string key,
                                                  std::optional<ByteRange> range,
                                                  net::BodySink sink, std::string etag) {
  const S3Request req = get_request(std::move(bucket), std::move(key), range, etag);
  auto reply = co_await send(req, {}, &sink);
  if (!reply) co_return reply.error();
  co_return Result<void>();
}

Client::Awaitable Client::put_object(std::string bucket, std::string key, std::string body,
                                     Headers extra_headers) {
  S3Request req;
  req.op = Op::put_object;
  req.method = "PUT";
  req.bucket = bucket;
  req.key = key;
  req.headers = extra_headers;
  req.body = std::move(body);
  auto reply = co_await send(req);
  if (!reply) co_return reply.error();
  co_return strip_quotes(reply->header("ETag").value_or(""));
}

Client::Awaitable Client::copy_object(std::string src_bucket, std::string src_key,
                                      std::string dst_bucket, std::string dst_key,
                                      std::string source_etag) {
  S3Request req;
  req.op = Op::copy_object;
  req.method = "PUT";
  req.bucket = dst_bucket;
  req.key = dst_key;
  co_return co_await send_copy(*this, std::move(req), src_bucket, src_key, source_etag);
}

awaitable<Result<std::vector<Tag>>> Client::get_object_tagging(std::string bucket,
                                                               std::string key) {
  S3Request req;
  req.op = Op::get_object_tagging;
  req.bucket = bucket;
  req.key = key;
  req.query = {{"tagging", ""}};
  Result<std::vector<Tag>> tags = make_error(ErrorKind::protocol, "no reply");
  auto reply = co_await send(req, [&](const net::Response& r) -> Result<void> {
    tags = parse_tagging(r.body);
    if (!tags) return error_in_ok_reply(tags.error(), r.body, Op::get_object_tagging, bucket, key);
    return {};
  });
  if (!reply) co_return reply.error();
  co_return tags;
}

awaitable<Result<void>> Client::put_object_tagging(std::string bucket, std::string key,
                                                   std::vector<Tag> tags) {
  S3Request req;
  req.op = Op::put_object_tagging;
  req.method = "PUT";
  req.bucket = bucket;
  req.key = key;
  req.query = {{"tagging", ""}};
  req.body = build_tagging(tags);
  req.headers.emplace_back("content-md5", base64_md5(req.body));  // S3 requires it here
  req.headers.emplace_back("content-type", "application/xml");
  auto reply = co_await send(req);
  if (!reply) co_return reply.error();
  co_return Result<void>();
}

awaitable<Result<std::vector<DeleteFailure>>> Client::delete_objects(
    std::string bucket, std::vector<std::string> keys) {
  std::vector<ObjectToDelete> objects;
  objects.reserve(keys.size());
  for (auto& key : keys) objects.push_back({std::move(key), {}});
  co_return co_await delete_versions(std::move(bucket), std::move(objects));
}

awaitable<Result<std::vector<DeleteFailure>>> Client::delete_versions(
    std::string bucket, std::vector<ObjectToDelete> objects) {
  // No object has the empty key: refused here, as delete_object refuses it
  // (the server would fail the whole request with a 400).
  if (std::any_of(objects.begin(), objects.end(),
                  [](const ObjectToDelete& o) { return o.key.empty(); })) {
    co_return make_error(ErrorKind::usage, describe_request(Op::delete_objects, bucket, "") +
                                               ": an empty key in the list (no object has one)");
  }
  S3Request req;
  req.op = Op::delete_objects;
  req.method = "POST";
  req.bucket = bucket;
  req.query = {{"delete", ""}};
  req.body = build_delete_versions(objects, /*quiet=*/true);
  req.headers.emplace_back("content-md5", base64_md5(req.body));
  req.headers.emplace_back("content-type", "application/xml");
  std::vector<DeleteFailure> failures;
  auto reply = co_await send(req, [&](const net::Response& r) -> Result<void> {
    auto parsed = parse_delete_result(r.body);
    if (!parsed) return error_in_ok_reply(parsed.error(), r.body, Op::delete_objects, bucket, "");
    failures = std::move(*parsed);
    return {};
  });
  if (!reply) co_return reply.error();
  co_return failures;
}

awaitable<Result<void>> Client::delete_object(std::string bucket, std::string key,
                                              std::string version_id) {
  S3Request req;
  req.op = Op::delete_object;
  req.method = "DELETE";
  req.bucket = bucket;
  req.key = key;
  if (!version_id.empty()) req.query = {{"versionId", version_id}};
  auto reply = co_await send(req);
  if (!reply && reply.error().http_status != 404) co_return reply.error();
  co_return Result<void>();
}

awaitable<Result<VersionsPage>> Client::list_object_versions(ListVersionsParams params) {
  if (auto refused = page_size_problem(Op::list_object_versions, params.max_keys)) {
    co_return std::move(*refused);
  }
  S3Request req;
  req.op = Op::list_object_versions;
  req.bucket = params.bucket;
  req.query = {
      {"versions", ""}, {"encoding-type", "url"}, {"max-keys", std::to_string(params.max_keys)}};
  if (!params.prefix.empty()) req.query.emplace_back("prefix", params.prefix);
  req.prefix = params.prefix;
  if (!params.key_marker.empty()) req.query.emplace_back("key-marker", params.key_marker);
  if (!params.version_id_marker.empty()) {
    req.query.emplace_back("version-id-marker", params.version_id_marker);
  }
  Result<VersionsPage> page = make_error(ErrorKind::protocol, "no reply");
  auto reply = co_await send(req, [&](const net::Response& r) -> Result<void> {
    page = parse_list_object_versions(r.body);
    if (!page) {
      return error_in_ok_reply(page.error(), r.body, Op::list_object_versions, params.bucket,
                               params.prefix);
    }
    return {};
  });
  if (!reply) co_return reply.error();
  co_return page;
}

}  // namespace s3loop::s3
