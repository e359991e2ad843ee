// Turns an S3 error reply into an Error a user can act on. Pure.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/s3/stats.hpp"

#include <string>
#include <string_view>

namespace s3loop::s3 {

// "ListObjectsV2 s3://bucket/prefix" ("... the service" without a bucket):
// what a failed request was, as the messages of its failures begin
// "<this> failed: ", whether the server said no or the network did.
std::string describe_request(Op op, const std::string& bucket, const std::string& key);

// `body` is the reply body (an <Error> document, or empty for HEAD);
// `request_id` the x-amz-request-id header, `bucket_region` the
// x-amz-bucket-region one, `redirect_to` the Location header (named when a
// redirect is no S3 region redirect). Never includes secrets. The 400 page a
// TLS server (nginx, Apache, Go's net/http) answers a plain-HTTP request with
// says to use https://.
//
// `forwarded_by`: the forwarding proxy the request went through
// (net::Response::forwarded_by). An error reply without an S3 error document
// or x-amz-request-id then says it may be the proxy's own (a proxy that refuses the request, or
// cannot reach the server, answers in the server's place).
Error error_from_reply(Op op, const std::string& bucket, const std::string& key,
                       unsigned http_status, std::string_view body, std::string_view request_id,
                       std::string_view bucket_region = {}, std::string_view redirect_to = {},
                       std::string_view forwarded_by = {});

// Where S3 says the bucket lives when a request went to the wrong region.
struct BucketLocation {
  std::string region;    // x-amz-bucket-region, else the error body's <Region>
  std::string endpoint;  // the error body's <Endpoint>, named when no region is known
  // The error body's <BucketName>: the bucket the server took the request
  // for, which is not the one asked when it read a bucket name out of the
  // endpoint's host name.
  std::string bucket_named;
};

// Ends a message written anew for an S3 error with the server's request id
// (" [request id ...]"), as every described S3 error ends, for support cases.
void append_request_id(Error& error);

// NoSuchUpload: the multipart upload does not exist (any more). S3 says so
// for an upload that was aborted or completed, so to an abort it means the
// work is done: by an earlier attempt whose reply was lost, by another
// client, by a lifecycle rule. Either way nothing of it is left to cost
// storage, which is all an abort is for.
bool is_upload_gone(const Error& error);

// How the message of credentials the server refused (kind credentials)
// begins: a program may add where they came from (ResolvedConfig's
// credentials_source), as the command does.
inline constexpr std::string_view kCredentialsRejected = "the server rejected the credentials";

// At most this much of the server's message, and of its code and request id,
// goes into an Error (then "..."): a run keeps the errors of its failed
// objects for its summary, and a server's 1 MiB message each would add up.
inline constexpr std::size_t kMostMessageBytes = 1024;
inline constexpr std::size_t kMostCodeBytes = 128;

// Fills in message/kind/retryable for an S3 error code (used for errors that
// arrive inside a 200 too). A redirect, or a signature for the wrong region,
// is told as "bucket B is in region R: pass --region R", and not retried: S3
// answers the same until the region changes.
Error describe_s3_error(Op op, const std::string& bucket, const std::string& key,
                        unsigned http_status, std::string code, std::string server_message,
                        std::string request_id, const BucketLocation& location = {});

// A CopyObject or UploadPartCopy answered NoSuchKey, NoSuchBucket or
// AccessDenied: the error was described by the request's bucket and key, the
// destination's, but a missing key is the source's, and a missing bucket or a
// refusal may be either's (radosgw names the destination in its reply either
// way). Says so.
void describe_copy_source_error(Error& error, const std::string& src_bucket,
                                const std::string& src_key, const std::string& dst_bucket,
                                const std::string& dst_key);

// The bucket's region, followed once, redirected again (`error` is that
// second answer; `signed_for` the region the request was signed for, `host`
// the endpoint it went to): that endpoint does not serve the region, and
// --region could not help. Rewrites the message to say so.
void explain_redirect_again(Error& error, const std::string& bucket, const std::string& signed_for,
                            const std::string& host);

// An error found while reading a 2xx reply's body. An <Error> document there
// (CopyObject, UploadPartCopy and CompleteMultipartUpload may send one after
// working for a while) is described and retried like one that came with a
// 5xx; other errors (malformed XML) pass through.
Error error_in_ok_reply(Error parsed, std::string_view body, Op op, const std::string& bucket,
                        const std::string& key);

}  // namespace s3loop::s3
