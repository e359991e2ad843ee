#include "copy_send.hpp"

#include "s3loop/s3/encoding.hpp"
#include "s3loop/s3/errors.hpp"
#include "s3loop/s3/request_target.hpp"
#include "s3loop/s3/xml.hpp"

namespace s3loop::s3 {

boost::asio::awaitable<Result<std::string>> send_copy(Client& client, S3Request request,
                                                      const std::string& src_bucket,
                                                      const std::string& src_key,
                                                      const std::string& source_etag) {
  if (auto problem = copy_source_problem(request.op, src_bucket, src_key)) {
    co_return std::move(*problem);
  }
  request.headers.emplace_back("x-amz-copy-source",
                               "/" + src_bucket + "/" + uri_encode(src_key, /*keep_slash=*/true));
  if (!source_etag.empty()) {
    request.headers.emplace_back("x-amz-copy-source-if-match", "\"" + source_etag + "\"");
  }
  std::string etag;
  auto reply = co_await client.send(request, [&](const net::Response& r) -> Result<void> {
    auto parsed = parse_copy_result(r.body);
    if (!parsed) {
      return error_in_ok_reply(parsed.error(), r.body, request.op, request.bucket, request.key);
    }
    etag = std::move(*parsed);
    return {};
  });
  if (!reply) {
    Error error = reply.error();
    describe_copy_source_error(error, src_bucket, src_key, request.bucket, request.key);
    co_return error;
  }
  co_return etag;
}

}  // namespace s3loop::s3
