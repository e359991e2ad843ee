#include "s3loop/s3/errors.hpp"

#include "s3loop/one_line.hpp"
#include "s3loop/s3/client.hpp"
#include "s3loop/s3/host_label.hpp"
#include "s3loop/s3/retry.hpp"
#include "s3loop/s3/xml.hpp"
#include "s3loop/utf8.hpp"

#include <optional>

namespace s3loop::s3 {

namespace {

// The server's words are its to make long (an error body may hold up to
// 1 MiB): shown, and kept for a run's failure list, at most `most` bytes of
// them, cut between characters. (Past one_line: every byte is part of a
// character or of an escape.)
std::string at_most(std::string text, std::size_t most) {
  if (text.size() <= most) return text;
  std::size_t end = 0;
  while (end < most) {
    const auto character = utf8::decode_at(text, end);
    const std::size_t length = character ? character->length : 1;
    if (end + length > most) break;
    end += length;
  }
  // Nor inside one_line's escape of a byte ("\x1b" cut to "\x" would read
  // as another): back to its backslash.
  const std::size_t backslash = text.rfind('\\', end == 0 ? 0 : end - 1);
  if (backslash != std::string::npos && end - backslash < 4 && backslash + 1 < end &&
      text[backslash + 1] == 'x') {
    end = backslash;
  } else if (backslash != std::string::npos && backslash + 1 == end) {
    end = backslash;  // "\n" or "\x.." cut after its backslash
  }
  text.resize(end);
  return text + "...";
}

// A reply without an S3 <Error> body (a HEAD's, a proxy's, a server that is
// no S3): named as S3 names the status where it has a code for it, else by
// its HTTP reason phrase.
std::string code_for_bare_status(unsigned status) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 411:
      return "MissingContentLength";
    case 412:
      return "PreconditionFailed";
    case 416:
      return "InvalidRange";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 501:
      return "NotImplemented";
    case 502:
      return "BadGateway";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "GatewayTimeout";
    default:
      return "HTTP" + std::to_string(status);
  }
}

// What TLS servers answer a plain-HTTP request with (a 400 page, no S3 XML):
// nginx; Apache's mod_ssl; Go's net/http (MinIO, SeaweedFS, Caddy...).
constexpr std::string_view kPlainHttpToTlsPort[] = {
    "The plain HTTP request was sent to HTTPS port",
    "speaking plain HTTP to an SSL-enabled server port",
    "Client sent an HTTP request to an HTTPS server",
};

std::optional<std::string_view> plain_http_complaint(std::string_view body) {
  for (const auto phrase : kPlainHttpToTlsPort) {
    if (body.find(phrase) != std::string_view::npos) return phrase;
  }
  return std::nullopt;
}

// A 400 page a TLS server sent back to a plain-HTTP request.
Error plain_http_to_tls_port(Op op, const std::string& bucket, const std::string& key,
                             std::string_view complaint) {
  Error e;
  e.kind = ErrorKind::http;
  e.http_status = 400;
  e.s3_code = code_for_bare_status(400);
  e.message = describe_request(op, bucket, key) +
              " failed: HTTP 400: the endpoint speaks HTTPS, not plain HTTP (the server says \"" +
              std::string(complaint) + "\"): use https:// in --endpoint-url";
  return e;  // not retryable: every attempt gets the same page
}

// S3 answers a request sent to another region than the bucket's with a
// redirect that names the bucket's region (it does not follow one across
// regions for us), or, when the signature names the wrong region,
// AuthorizationHeaderMalformed with the right one in <Region>; a HEAD, which
// has no body to say so, a bare 400 with x-amz-bucket-region; a bucket in an
// opt-in region IllegalLocationConstraintException with the header (except
// to CreateBucket, where it means what it says). botocore's region
// redirector follows the same answers. A redirect without an S3 code or
// region is some other server's (http -> https, say).
bool sent_to_wrong_region(Op op, unsigned http_status, const std::string& code,
                          const BucketLocation& location) {
  if (code == "PermanentRedirect" || code == "TemporaryRedirect") return true;
  if (location.region.empty()) return false;
  if (op == Op::head_object && http_status == 400) return true;
  if (code == "IllegalLocationConstraintException" && op != Op::create_bucket) return true;
  return http_status == 301 || http_status == 302 || http_status == 307 ||
         code == "AuthorizationHeaderMalformed";
}

std::string wrong_region_message(const std::string& bucket, const std::string& code,
                                 const BucketLocation& location) {
  if (!location.region.empty()) {
    return "bucket '" + bucket + "' is in region " + location.region + " (" + code +
           "): pass --region " + location.region + " (or set AWS_REGION)";
  }
  const std::string points_to =
      location.endpoint.empty() ? "" : "; S3 points to " + location.endpoint;
  return "bucket '" + bucket + "' is in another region (" + code + points_to +
         "): pass its region with --region (or set AWS_REGION)";
}

}  // namespace

void describe_copy_source_error(Error& error, const std::string& src_bucket,
                                const std::string& src_key, const std::string& dst_bucket,
                                const std::string& dst_key) {
  if (error.s3_code == "NoSuchKey") {
    error.message =
        "the copy's source object " + s3_uri(src_bucket, src_key) + " does not exist (NoSuchKey)";
  } else if (error.s3_code == "NoSuchBucket") {
    error.message = src_bucket == dst_bucket
                        ? "bucket '" + dst_bucket + "' does not exist (NoSuchBucket)"
                        : "bucket '" + dst_bucket + "' or the copy's source bucket '" + src_bucket +
                              "' does not exist (NoSuchBucket)";
  } else if (error.s3_code == "AccessDenied" || error.s3_code == "Forbidden") {
    // Reading the source and writing the destination are both checked.
    error.message = "access denied to the copy's source " + s3_uri(src_bucket, src_key) +
                    " or its destination " + s3_uri(dst_bucket, dst_key) + " (" + error.s3_code +
                    ")";
  } else {
    return;
  }
  append_request_id(error);
}

std::string describe_request(Op op, const std::string& bucket, const std::string& key) {
  // No bucket: a request of the service itself (ListBuckets), named alone.
  if (bucket.empty()) return std::string(op_name(op));
  return std::string(op_name(op)) + " " + s3_uri(bucket, key);
}

Error describe_s3_error(Op op, const std::string& bucket, const std::string& key,
                        unsigned http_status, std::string code, std::string server_message,
                        std::string request_id, const BucketLocation& location) {
  Error e;
  e.kind = ErrorKind::s3;
  e.http_status = http_status;
  // The server's words, one line each, as the message is (a header's request
  // id, an event stream's error: read_error has escaped an XML body's).
  e.s3_code = at_most(one_line(code), kMostCodeBytes);
  e.request_id = at_most(one_line(request_id), kMostCodeBytes);
  server_message = at_most(one_line(server_message), kMostMessageBytes);
  const std::string where = bucket.empty() ? std::string("the service") : s3_uri(bucket, key);
  const std::string& c = e.s3_code;
  if (c == "SignatureDoesNotMatch" || c == "InvalidAccessKeyId" || c == "InvalidToken" ||
      c == "ExpiredToken" || c == "TokenRefreshRequired") {
    e.kind = ErrorKind::credentials;
    e.message = std::string(kCredentialsRejected) + " (" + c +
                "): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or the "
                "profile's keys";
  } else if (!bucket.empty() && sent_to_wrong_region(op, http_status, c, location)) {
    e.message = wrong_region_message(bucket, c, location);
    e.bucket_region = location.region;
  } else if (c == "RequestTimeTooSkewed") {
    // Every retry would be signed by the same clock.
    e.message = describe_request(op, bucket, key) +
                " failed: the server says this machine's clock is wrong (RequestTimeTooSkewed: "
                "more than 15 minutes off the server's): set the clock (timedatectl, NTP)";
  } else if (c == "BucketAlreadyOwnedByYou") {
    e.message = "bucket '" + bucket + "' already exists, and is yours (" + c + ")";
  } else if (c == "BucketAlreadyExists") {
    e.message = "bucket name '" + bucket + "' is taken by another account (" + c +
                "): bucket names are global, choose another";
  } else if (c == "NoSuchBucket" && bucket.empty()) {
    // Asked of no bucket: the server took the endpoint's host name for one.
    e.message = describe_request(op, bucket, key) +
                " failed: the server took the endpoint's host name for a bucket name "
                "(NoSuchBucket): check the host in --endpoint-url (the server may know itself "
                "by another name)";
  } else if (c == "NoSuchBucket" && !location.bucket_named.empty() &&
             location.bucket_named != bucket) {
    // A server that reads virtual-hosted names out of the Host header and
    // does not know the endpoint's host as its own takes part of it for the
    // bucket (radosgw with another rgw_dns_name: "localhost").
    e.message = "bucket '" + bucket + "' not found: the server looked for bucket '" +
                location.bucket_named +
                "' instead (NoSuchBucket), a name it took from the endpoint's host name: check "
                "the host in --endpoint-url (the server may know itself by another name)";
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
  append_request_id(e);
  e.retryable = is_retryable(e);
  return e;
}

void append_request_id(Error& error) {
  if (!error.request_id.empty()) error.message += " [request id " + error.request_id + "]";
}

bool is_upload_gone(const Error& error) {
  return error.http_status == 404 && error.s3_code == "NoSuchUpload";
}

void explain_redirect_again(Error& error, const std::string& bucket, const std::string& signed_for,
                            const std::string& host) {
  error.message = "bucket '" + bucket + "' is in region " + error.bucket_region + " (" +
                  error.s3_code + "), and " + host +
                  (error.bucket_region == signed_for
                       ? " redirects requests signed for it too"
                       : " redirected a request signed for " + signed_for + " there too") +
                  ": set --endpoint-url to an endpoint of that region";
  append_request_id(error);
}

Error error_in_ok_reply(Error parsed, std::string_view body, Op op, const std::string& bucket,
                        const std::string& key) {
  auto document = parse_error_body(body);
  if (!document || document->code.empty()) {
    // A reply that is no document of its kind: said with the request it
    // answered ("malformed XML in ListObjectsV2 reply" named no bucket).
    parsed.message = describe_request(op, bucket, key) + ": " + parsed.message;
    return parsed;
  }
  Error e = describe_s3_error(op, bucket, key, 200, document->code, document->message,
                              document->request_id);
  e.retryable = e.retryable || parsed.retryable;
  return e;
}

Error error_from_reply(Op op, const std::string& bucket, const std::string& key,
                       unsigned http_status, std::string_view body, std::string_view request_id,
                       std::string_view bucket_region, std::string_view redirect_to,
                       std::string_view forwarded_by) {
  std::string code;
  std::string message;
  std::string rid(request_id);
  BucketLocation location;
  // What is no region name (the same test --region passes) is not one to
  // suggest as a flag value.
  if (is_region_name(bucket_region)) location.region = bucket_region;
  if (auto parsed = parse_error_body(body)) {
    code = parsed->code;
    message = parsed->message;
    if (!parsed->request_id.empty()) rid = parsed->request_id;
    if (location.region.empty() && is_region_name(parsed->region)) {
      location.region = parsed->region;
    }
    location.endpoint = parsed->endpoint;
    location.bucket_named = parsed->bucket_name;
  }
  if (code.empty() && http_status == 400) {
    if (auto complaint = plain_http_complaint(body)) {
      return plain_http_to_tls_port(op, bucket, key, *complaint);
    }
  }
  // A HEAD reply has no body to name it, but a 301 naming the bucket's region
  // is S3's PermanentRedirect.
  if (code.empty() && http_status == 301 && !location.region.empty()) code = "PermanentRedirect";
  const bool bare = code.empty();
  if (code.empty()) code = code_for_bare_status(http_status);
  // HEAD replies carry no body: a 404 means the key (or bucket) is missing.
  if (op == Op::head_object && http_status == 404 && code == "NotFound") code = "NoSuchKey";
  Error e = describe_s3_error(op, bucket, key, http_status, std::move(code), std::move(message),
                              std::move(rid), location);
  // A redirect that is no S3 region redirect (no code, no region) is some
  // other server's -- http:// to https://, a load balancer's, another host
  // name -- and was said as "HTTP 301 HTTP301". Like aws cli, s3loop follows
  // none: the endpoint is the thing to change.
  if (bare && http_status >= 300 && http_status < 400 && e.bucket_region.empty()) {
    constexpr std::size_t kMaxShown = 200;  // a Location is the server's to make long
    const std::string to = redirect_to.size() > kMaxShown
                               ? std::string(redirect_to.substr(0, kMaxShown)) + "..."
                               : std::string(redirect_to);
    e.message = describe_request(op, bucket, key) + " failed: HTTP " + std::to_string(http_status) +
                ", a redirect" + (to.empty() ? "" : " to " + to) +
                ", which s3loop does not follow: check the host, port and scheme in "
                "--endpoint-url";
    append_request_id(e);
  }
  // S3 names every reply of its own with x-amz-request-id, a HEAD's too
  // (which has no body to tell by).
  if (bare && request_id.empty() && http_status >= 400 && !forwarded_by.empty()) {
    e.message += " (a reply without an S3 error document, through " + std::string(forwarded_by) +
                 ": it may be the proxy's own)";
  }
  return e;
}

}  // namespace s3loop::s3
