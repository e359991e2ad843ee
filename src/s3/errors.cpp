#include "s3loop/s3/errors.hpp"

#include "s3loop/s3/client.hpp"
#include "s3loop/s3/retry.hpp"
#include "s3loop/s3/xml.hpp"

namespace s3loop::s3 {

namespace {

std::string code_for_bare_status(unsigned status) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 412:
      return "PreconditionFailed";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    default:
      return "HTTP" + std::to_string(status);
  }
}

}  // namespace

std::string describe_request(Op op, const std::string& bucket, const std::string& key) {
  return std::string(op_name(op)) + " " +
         (bucket.empty() ? std::string("the service") : s3_uri(bucket, key));
}

Error describe_s3_error(Op op, const std::string& bucket, const std::string& key,
                        unsigned http_status, std::string code, std::string server_message,
                        std::string request_id) {
  Error e;
  e.kind = ErrorKind::s3;
  e.http_status = http_status;
  e.s3_code = std::move(code);
  e.request_id = std::move(request_id);
  const std::string where = bucket.empty() ? std::string("the service") : s3_uri(bucket, key);
  const std::string& c = e.s3_code;
  if (c == "SignatureDoesNotMatch" || c == "InvalidAccessKeyId" || c == "InvalidToken" ||
      c == "ExpiredToken" || c == "TokenRefreshRequired") {
    e.kind = ErrorKind::credentials;
    e.message = "the server rejected the credentials (" + c +
                "): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or the "
                "profile's keys";
  } else if (c == "NoSuchBucket") {
    e.message = "bucket '" + bucket + "' does not exist (NoSuchBucket)";
  } else if (c == "NoSuchKey" || (c == "NotFound" && op == Op::head_object)) {
    e.message = "object " + where + " does not exist (" + c + ")";
  } else if (c == "AccessDenied" || c == "Forbidden") {
    e.message = "access denied to " + where + " (" + c + ")";
  } else {
    e.message = describe_request(op, bucket, key) + " failed: HTTP " + std::to_string(http_status) +
                " " + c;
    if (!server_message.empty()) e.message += ": " + server_message;
  }
  if (!e.request_id.empty()) e.message += " [request id " + e.request_id + "]";
  e.retryable = is_retryable(e);
  return e;
}

bool is_upload_gone(const Error& error) {
  return error.http_status == 404 && error.s3_code == "NoSuchUpload";
}

Error error_in_ok_reply(Error parsed, std::string_view body, Op op, const std::string& bucket,
                        const std::string& key) {
  auto document = parse_error_body(body);
  if (!document || document->code.empty()) return parsed;
  Error e = describe_s3_error(op, bucket, key, 200, document->code, document->message,
                              document->request_id);
  e.retryable = e.retryable || parsed.retryable;
  return e;
}

Error error_from_reply(Op op, const std::string& bucket, const std::string& key,
                       unsigned http_status, std::string_view body, std::string_view request_id) {
  std::string code;
  std::string message;
  std::string rid(request_id);
  if (auto parsed = parse_error_body(body)) {
    code = parsed->code;
    message = parsed->message;
    if (!parsed->request_id.empty()) rid = parsed->request_id;
  }
  if (code.empty()) code = code_for_bare_status(http_status);
  // HEAD replies carry no body: a 404 means the key (or bucket) is missing.
  if (op == Op::head_object && http_status == 404 && code == "NotFound") code = "NoSuchKey";
  return describe_s3_error(op, bucket, key, http_status, std::move(code), std::move(message),
                           std::move(rid));
}

}  // namespace s3loop::s3
