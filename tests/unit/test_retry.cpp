#include "s3loop/s3/bucket_regions.hpp"
#include "s3loop/s3/errors.hpp"
#include "s3loop/s3/retry.hpp"
#include "s3loop/s3/xml.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace s3loop::s3 {
namespace {

using std::chrono::milliseconds;

Error s3_error(unsigned status, std::string code) {
  return describe_s3_error(Op::copy_object, "b", "k", status, std::move(code), "", "");
}

TEST(Retry, TransientErrorsAreRetryable) {
  EXPECT_TRUE(is_retryable(s3_error(503, "SlowDown")));
  EXPECT_TRUE(is_retryable(s3_error(500, "InternalError")));
  EXPECT_TRUE(is_retryable(s3_error(400, "RequestTimeout")));
  EXPECT_TRUE(is_retryable(s3_error(429, "TooManyRequests")));
  EXPECT_TRUE(is_retryable(s3_error(502, "BadGateway")));
  EXPECT_TRUE(is_retryable(s3_error(504, "GatewayTimeout")));
  // botocore's throttling codes, which S3-compatible servers send with a 400.
  EXPECT_TRUE(is_retryable(s3_error(400, "Throttling")));
  EXPECT_TRUE(is_retryable(s3_error(400, "ThrottlingException")));
  EXPECT_TRUE(is_retryable(s3_error(200, "InternalError")));  // error inside a 200
  EXPECT_TRUE(is_retryable(make_error(ErrorKind::network, "reset")));
  EXPECT_TRUE(is_retryable(make_error(ErrorKind::timeout, "stalled")));
}

TEST(Retry, ClientErrorsAreNot) {
  EXPECT_FALSE(is_retryable(s3_error(404, "NoSuchBucket")));
  EXPECT_FALSE(is_retryable(s3_error(403, "AccessDenied")));
  EXPECT_FALSE(is_retryable(s3_error(403, "SignatureDoesNotMatch")));
  EXPECT_FALSE(is_retryable(s3_error(400, "InvalidObjectName")));
  // Not among the AWS SDKs' transient statuses: the same answer every time
  // (a plain web server's 501 to a PUT was retried five times).
  EXPECT_FALSE(is_retryable(s3_error(501, "NotImplemented")));
  EXPECT_FALSE(is_retryable(s3_error(505, "")));
  const Error bare = error_from_reply(Op::create_bucket, "b", "", 501, "", "");
  EXPECT_EQ(bare.s3_code, "NotImplemented");
  EXPECT_FALSE(is_retryable(bare));
  // Every retry is signed by the same wrong clock.
  EXPECT_FALSE(is_retryable(s3_error(403, "RequestTimeTooSkewed")));
  EXPECT_FALSE(is_retryable(make_error(ErrorKind::tls, "untrusted")));
  EXPECT_FALSE(is_retryable(make_error(ErrorKind::usage, "bad flag")));
}

TEST(Retry, ThrottlingIsTheServerAskingToSlowDown) {
  EXPECT_TRUE(is_throttling(s3_error(503, "SlowDown")));
  EXPECT_TRUE(is_throttling(s3_error(503, "")));  // a bare 503
  EXPECT_TRUE(is_throttling(s3_error(429, "TooManyRequests")));
  EXPECT_TRUE(is_throttling(s3_error(400, "Throttling")));
  EXPECT_TRUE(is_throttling(s3_error(400, "ThrottlingException")));
  EXPECT_TRUE(is_throttling(s3_error(200, "SlowDown")));        // inside a 200
  EXPECT_FALSE(is_throttling(s3_error(500, "InternalError")));  // failing, not throttling
  EXPECT_FALSE(is_throttling(s3_error(404, "NoSuchKey")));
  EXPECT_FALSE(is_throttling(make_error(ErrorKind::timeout, "stalled")));
}

TEST(Retry, FullJitterStaysWithinTheExponentialCeiling) {
  RetryPolicy policy;
  policy.base = milliseconds(100);
  policy.cap = milliseconds(20'000);
  EXPECT_EQ(backoff_delay(policy, 0, 0.0, std::nullopt), milliseconds(0));
  EXPECT_EQ(backoff_delay(policy, 0, 0.5, std::nullopt), milliseconds(50));
  EXPECT_EQ(backoff_delay(policy, 3, 0.5, std::nullopt), milliseconds(400));  // 100*2^3/2
  EXPECT_LE(backoff_delay(policy, 3, 0.999, std::nullopt), milliseconds(800));
  EXPECT_LE(backoff_delay(policy, 40, 0.999, std::nullopt), milliseconds(20'000));  // capped
}

TEST(Retry, RetryAfterIsAFloorButStillCapped) {
  RetryPolicy policy;
  EXPECT_EQ(backoff_delay(policy, 0, 0.1, milliseconds(3000)), milliseconds(3000));
  EXPECT_EQ(backoff_delay(policy, 0, 0.1, milliseconds(600'000)), policy.cap);
}

TEST(Retry, ParsesRetryAfterSeconds) {
  EXPECT_EQ(parse_retry_after("3"), milliseconds(3000));
  EXPECT_EQ(parse_retry_after(" 0 "), milliseconds(0));
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
  EXPECT_FALSE(parse_retry_after("-1"));
  EXPECT_FALSE(parse_retry_after(""));
  // Huge values are a day, not an overflow into a negative wait (UB before).
  EXPECT_EQ(parse_retry_after("9223372036854775807"), milliseconds(86'400'000));
  EXPECT_EQ(parse_retry_after("9223372036854775"), milliseconds(86'400'000));
}

TEST(Retry, AFailedChangeWithAnUnansweredAttemptSaysItMayHaveBeenMade) {
  Error error = s3_error(503, "SlowDown");
  const std::string plain = error.message;
  note_unanswered_attempt(error, Op::copy_object, false);  // every attempt was answered
  EXPECT_EQ(error.message, plain);
  EXPECT_FALSE(error.sent_unanswered);
  note_unanswered_attempt(error, Op::copy_object, true);
  EXPECT_EQ(error.message, plain +
                               " (an attempt reached the server and its reply was lost: it "
                               "may have been carried out)");
  EXPECT_TRUE(error.sent_unanswered);
  // A read changes nothing: its failure needs no such word.
  Error read = s3_error(503, "SlowDown");
  note_unanswered_attempt(read, Op::get_object, true);
  EXPECT_EQ(read.message, plain);
  for (const Op op : {Op::put_object, Op::copy_object, Op::delete_objects, Op::delete_object,
                      Op::create_multipart, Op::complete_multipart, Op::abort_multipart,
                      Op::put_object_tagging}) {
    EXPECT_TRUE(effect_outlasts_failure(op)) << op_name(op);
  }
  // A part copy's upload is aborted when it fails: whether it was copied does not matter.
  for (const Op op : {Op::upload_part_copy, Op::list_objects, Op::head_object, Op::get_object,
                      Op::select_object, Op::list_object_versions, Op::get_bucket_versioning}) {
    EXPECT_FALSE(effect_outlasts_failure(op)) << op_name(op);
  }
}

TEST(RetryBudget, ARetryStormEndsAfterCapacityOverCostRetries) {
  RetryBudget budget(50);
  int retries = 0;
  while (budget.try_spend(false)) ++retries;
  EXPECT_EQ(retries, 50 / RetryBudget::kRetryCost);
  EXPECT_FALSE(budget.try_spend(false));
  EXPECT_EQ(budget.tokens(), 0);
}

TEST(RetryBudget, SuccessesRefillItUpToTheCapacity) {
  RetryBudget budget(20);
  ASSERT_TRUE(budget.try_spend(true));  // a timeout costs 10
  EXPECT_EQ(budget.tokens(), 10);
  ASSERT_TRUE(budget.try_spend(true));
  EXPECT_FALSE(budget.try_spend(false));
  for (int i = 0; i < 4; ++i) budget.on_success();
  EXPECT_FALSE(budget.try_spend(false));  // 4 < 5
  budget.on_success();
  EXPECT_TRUE(budget.try_spend(false));
  for (int i = 0; i < 100; ++i) budget.on_success();
  EXPECT_EQ(budget.tokens(), 20);
}

TEST(RetryBudget, OneFailureInSixRequestsIsSustainable) {
  RetryBudget budget;
  for (int request = 0; request < 60'000; ++request) {
    if (request % 6 == 0) {
      ASSERT_TRUE(budget.try_spend(false)) << request;
    } else {
      budget.on_success();
    }
  }
}

TEST(RetryBudget, ASuccessAfterARetryGivesItsCostBack) {
  // botocore's standard mode: the retry's own cost comes back when it works, so transient
  // errors that retries get past do not drain the budget (25% of requests failing once
  // emptied the default budget after ~1,000 objects, failing the rest at their first error).
  RetryBudget budget(20);
  ASSERT_TRUE(budget.try_spend(false));
  ASSERT_TRUE(budget.try_spend(true));
  EXPECT_EQ(budget.tokens(), 5);
  budget.on_success(RetryBudget::cost(true));
  EXPECT_EQ(budget.tokens(), 15);
  budget.on_success(RetryBudget::cost(false));
  EXPECT_EQ(budget.tokens(), 20);
  budget.on_success(RetryBudget::cost(true));  // never above the capacity
  EXPECT_EQ(budget.tokens(), 20);
  // Every fourth request failing once, then succeeding: sustainable for ever.
  RetryBudget steady;
  for (int request = 0; request < 60'000; ++request) {
    if (request % 4 == 0) {
      ASSERT_TRUE(steady.try_spend(false)) << request;
      steady.on_success(RetryBudget::kRetryCost);
    } else {
      steady.on_success();
    }
  }
  // Errors that no retry gets past still spend it.
  RetryBudget storm(50);
  int retries = 0;
  while (storm.try_spend(false)) ++retries;
  EXPECT_EQ(retries, 10);
}

TEST(RetryBudget, ZeroMeansUnlimited) {
  RetryBudget budget(0);
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(budget.try_spend(true));
}

// Through a forwarding proxy, a reply without an S3 error document may be
// the proxy's own (a squid 403, tinyproxy's 500 "Unable to connect"): said
// so (a review's finding: it read as the bucket's access denied).
TEST(S3Errors, ABareReplyThroughAForwardingProxyMayBeItsOwn) {
  const std::string proxy = "proxy 127.0.0.1:3128 (HTTP_PROXY)";
  const std::string note =
      " (a reply without an S3 error document, through proxy 127.0.0.1:3128 (HTTP_PROXY): it may "
      "be the proxy's own)";
  auto denied = error_from_reply(Op::list_objects, "b", "", 403, "<html>Access denied</html>", "",
                                 "", "", proxy);
  EXPECT_EQ(denied.message, "access denied to s3://b/ (Forbidden)" + note);
  auto unreachable =
      error_from_reply(Op::list_objects, "b", "", 500, "Unable to connect", "", "", "", proxy);
  EXPECT_EQ(unreachable.message, "ListObjectsV2 s3://b/ failed: HTTP 500 InternalError" + note);
  EXPECT_TRUE(unreachable.retryable);
  // A HEAD's reply has no body: S3's carries x-amz-request-id, a proxy's not
  // (a review's finding: select's HeadObject read a proxy's 404 as NoSuchKey).
  auto head = error_from_reply(Op::head_object, "b", "k", 404, "", "", "", "", proxy);
  EXPECT_EQ(head.message, "object s3://b/k does not exist (NoSuchKey)" + note);
  auto servers_head = error_from_reply(Op::head_object, "b", "k", 404, "", "tx9", "", "", proxy);
  EXPECT_EQ(servers_head.message.find("proxy"), std::string::npos) << servers_head.message;
  // The server's own error document, or no proxy: no note.
  auto s3 = error_from_reply(Op::list_objects, "b", "", 403,
                             "<Error><Code>AccessDenied</Code><Message>no</Message></Error>", "",
                             "", "", proxy);
  EXPECT_EQ(s3.message.find("proxy"), std::string::npos) << s3.message;
  auto direct = error_from_reply(Op::list_objects, "b", "", 403, "<html/>", "");
  EXPECT_EQ(direct.message, "access denied to s3://b/ (Forbidden)");
}

TEST(S3Errors, MessagesNameTheProblemAndTheFix) {
  auto denied = error_from_reply(Op::list_objects, "b", "", 403,
                                 "<Error><Code>SignatureDoesNotMatch</Code><Message></Message>"
                                 "<RequestId>tx1</RequestId></Error>",
                                 "");
  EXPECT_EQ(denied.kind, ErrorKind::credentials);
  EXPECT_NE(denied.message.find("rejected the credentials"), std::string::npos);
  EXPECT_NE(denied.message.find("tx1"), std::string::npos);

  auto missing = error_from_reply(Op::list_objects, "nope", "", 404,
                                  "<Error><Code>NoSuchBucket</Code></Error>", "tx2");
  EXPECT_EQ(missing.s3_code, "NoSuchBucket");
  EXPECT_NE(missing.message.find("bucket 'nope' does not exist"), std::string::npos);
  EXPECT_EQ(missing.request_id, "tx2");

  // Another bucket named in the reply: the server read one out of the endpoint's host
  // name (radosgw, with "localhost" not its own name). It said "does not exist", and mb
  // said so of the bucket it was creating.
  for (const Op op : {Op::list_objects, Op::create_bucket}) {
    auto other = error_from_reply(op, "mine", "", 404,
                                  "<Error><Code>NoSuchBucket</Code><BucketName>localhost"
                                  "</BucketName></Error>",
                                  "tx4");
    EXPECT_EQ(other.s3_code, "NoSuchBucket");
    EXPECT_EQ(other.message,
              "bucket 'mine' not found: the server looked for bucket 'localhost' instead "
              "(NoSuchBucket), a name it took from the endpoint's host name: check the host in "
              "--endpoint-url (the server may know itself by another name) [request id tx4]");
  }
  auto same = error_from_reply(Op::list_objects, "nope", "", 404,
                               "<Error><Code>NoSuchBucket</Code><BucketName>nope</BucketName>"
                               "</Error>",
                               "");
  EXPECT_EQ(same.message, "bucket 'nope' does not exist (NoSuchBucket)");

  auto head = error_from_reply(Op::head_object, "b", "k", 404, "", "");
  EXPECT_EQ(head.s3_code, "NoSuchKey");
  EXPECT_NE(head.message.find("s3://b/k does not exist"), std::string::npos);

  auto bare = error_from_reply(Op::copy_object, "b", "k", 503, "", "");
  EXPECT_EQ(bare.s3_code, "ServiceUnavailable");
  EXPECT_TRUE(bare.retryable);

  auto generic = error_from_reply(Op::copy_object, "b", "k", 400,
                                  "<Error><Code>InvalidObjectName</Code><Message>too long"
                                  "</Message></Error>",
                                  "");
  EXPECT_EQ(generic.message, "CopyObject s3://b/k failed: HTTP 400 InvalidObjectName: too long");
}

TEST(S3Errors, AClockOffTheServersSaysToSetTheClockAndIsNotRetried) {
  auto skewed = error_from_reply(Op::list_objects, "b", "", 403,
                                 "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference "
                                 "is too large.</Message></Error>",
                                 "tx3");
  EXPECT_FALSE(skewed.retryable);
  EXPECT_EQ(skewed.message,
            "ListObjectsV2 s3://b/ failed: the server says this machine's clock is wrong "
            "(RequestTimeTooSkewed: more than 15 minutes off the server's): set the clock "
            "(timedatectl, NTP) [request id tx3]");
}

TEST(S3Errors, ABucketThatExistsSaysWhoseItIs) {
  auto ours = error_from_reply(Op::create_bucket, "b", "", 409,
                               "<Error><Code>BucketAlreadyOwnedByYou</Code></Error>", "");
  EXPECT_EQ(ours.message, "bucket 'b' already exists, and is yours (BucketAlreadyOwnedByYou)");
  EXPECT_FALSE(ours.retryable);
  auto theirs = error_from_reply(Op::create_bucket, "b", "", 409,
                                 "<Error><Code>BucketAlreadyExists</Code></Error>", "");
  EXPECT_EQ(theirs.message,
            "bucket name 'b' is taken by another account (BucketAlreadyExists): bucket names "
            "are global, choose another");
}

// An <Error> in a copy's 200 is retried as the same code with a 5xx would
// be -- ServiceUnavailable too, which a 200's own status would not make so.
TEST(S3Errors, ATransientErrorInsideACopysOkReplyIsRetried) {
  const std::string body = "<Error><Code>ServiceUnavailable</Code><Message>x</Message></Error>";
  auto parsed = parse_copy_result(body);
  ASSERT_FALSE(parsed.has_value());
  const Error e = error_in_ok_reply(parsed.error(), body, Op::copy_object, "b", "k");
  EXPECT_EQ(e.s3_code, "ServiceUnavailable");
  EXPECT_TRUE(e.retryable);
}

// NoSuchBucket or AccessDenied to a copy may be the source's or the
// destination's; NoSuchKey is the source's key.
TEST(S3Errors, ACopysMissingSourceIsNamed) {
  auto missing = [](std::string code, const std::string& src_bucket) {
    Error e;
    e.s3_code = std::move(code);
    e.request_id = "r";
    describe_copy_source_error(e, src_bucket, "k", "dst", "d/k");
    return e.message;
  };
  EXPECT_EQ(missing("NoSuchBucket", "src"),
            "bucket 'dst' or the copy's source bucket 'src' does not exist (NoSuchBucket) "
            "[request id r]");
  EXPECT_EQ(missing("NoSuchBucket", "dst"),
            "bucket 'dst' does not exist (NoSuchBucket) [request id r]");
  EXPECT_EQ(missing("NoSuchKey", "src"),
            "the copy's source object s3://src/k does not exist (NoSuchKey) [request id r]");
  EXPECT_EQ(missing("AccessDenied", "src"),
            "access denied to the copy's source s3://src/k or its destination s3://dst/d/k "
            "(AccessDenied) [request id r]");
}

TEST(S3Errors, ARequestOfNoBucketIsNamedAlone) {
  // ListBuckets has no bucket: "ListBuckets failed", not "ListBuckets the service failed".
  auto refused = error_from_reply(Op::list_buckets, "", "", 400,
                                  "<Error><Code>InvalidArgument</Code></Error>", "");
  EXPECT_EQ(refused.message, "ListBuckets failed: HTTP 400 InvalidArgument");
  // NoSuchBucket for it: the server took the host name for a bucket (no "bucket ''").
  auto host_as_bucket = error_from_reply(Op::list_buckets, "", "", 404,
                                         "<Error><Code>NoSuchBucket</Code></Error>", "");
  EXPECT_EQ(host_as_bucket.message,
            "ListBuckets failed: the server took the endpoint's host name for a bucket name "
            "(NoSuchBucket): check the host in --endpoint-url (the server may know itself by "
            "another name)");
}

// An abort answered NoSuchUpload finds the upload gone, which is what it was
// for; other refusals are failures.
TEST(S3Errors, OnlyNoSuchUploadSaysTheUploadIsGone) {
  const auto reply = [](unsigned status, const std::string& code) {
    return error_from_reply(Op::abort_multipart, "b", "k", status,
                            "<Error><Code>" + code + "</Code></Error>", "");
  };
  EXPECT_TRUE(is_upload_gone(reply(404, "NoSuchUpload")));
  EXPECT_FALSE(is_upload_gone(reply(404, "NoSuchBucket")));
  EXPECT_FALSE(is_upload_gone(reply(403, "AccessDenied")));
  EXPECT_FALSE(is_upload_gone(reply(503, "SlowDown")));
  EXPECT_FALSE(is_upload_gone(error_from_reply(Op::abort_multipart, "b", "k", 404, "", "")));
  EXPECT_FALSE(is_upload_gone(make_error(ErrorKind::network, "connection closed")));
}

// A TLS server's answer to a plain-HTTP request: a 400 page, which says so.
TEST(S3Errors, APlainHttpRequestToATlsPortSaysUseHttps) {
  const std::string nginx =
      "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>"
      "\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>The plain HTTP "
      "request was sent to HTTPS port</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n"
      "</html>\r\n";
  const Error e = error_from_reply(Op::list_objects, "b", "", 400, nginx, "");
  EXPECT_EQ(e.message,
            "ListObjectsV2 s3://b/ failed: HTTP 400: the endpoint speaks HTTPS, not plain HTTP "
            "(the server says \"The plain HTTP request was sent to HTTPS port\"): use https:// "
            "in --endpoint-url");
  EXPECT_EQ(e.http_status, 400u);
  EXPECT_FALSE(is_retryable(e));
  // Go's net/http (MinIO) and Apache's mod_ssl say it in words of their own.
  for (const char* body : {"Client sent an HTTP request to an HTTPS server.\n",
                           "<p>Reason: You're speaking plain HTTP to an SSL-enabled server "
                           "port.<br />\n Instead use the HTTPS scheme to access this URL"}) {
    const Error other = error_from_reply(Op::copy_object, "b", "k", 400, body, "");
    EXPECT_NE(other.message.find("use https:// in --endpoint-url"), std::string::npos)
        << other.message;
    EXPECT_FALSE(is_retryable(other));
  }
}

TEST(S3Errors, OtherBadRequestsDoNotSayUseHttps) {
  // An S3 error document is the server's own answer, whatever its message says.
  const Error s3 = error_from_reply(Op::list_objects, "b", "", 400,
                                    "<Error><Code>InvalidArgument</Code><Message>The plain HTTP "
                                    "request was sent to HTTPS port</Message></Error>",
                                    "");
  EXPECT_EQ(s3.s3_code, "InvalidArgument");
  EXPECT_EQ(s3.message.find("use https://"), std::string::npos) << s3.message;
  // Any other page: a proxy or a firewall may refuse a request for many reasons.
  const Error html = error_from_reply(Op::list_objects, "b", "", 400,
                                      "<html><body><h1>400 Bad Request</h1></body></html>", "");
  EXPECT_EQ(html.message, "ListObjectsV2 s3://b/ failed: HTTP 400 BadRequest");
  // The phrase with another status is not that answer either.
  const Error other_status = error_from_reply(Op::list_objects, "b", "", 403,
                                              "The plain HTTP request was sent to HTTPS port", "");
  EXPECT_EQ(other_status.message.find("use https://"), std::string::npos) << other_status.message;
}

// A bucket in another region: S3 redirects (the region in x-amz-bucket-region,
// sometimes only in the body) or, for a signature naming the wrong region,
// says AuthorizationHeaderMalformed with <Region>. Either way the line says
// which --region to pass, and no retry can help.
TEST(S3Errors, BucketInAnotherRegionNamesTheRegionToPass) {
  const std::string redirect_body =
      "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access "
      "must be addressed using the specified endpoint.</Message>"
      "<Endpoint>b.s3.eu-west-1.amazonaws.com</Endpoint><Bucket>b</Bucket>"
      "<RequestId>tx3</RequestId></Error>";
  auto redirect = error_from_reply(Op::list_objects, "b", "", 301, redirect_body, "", "eu-west-1");
  EXPECT_EQ(redirect.kind, ErrorKind::s3);
  EXPECT_EQ(redirect.s3_code, "PermanentRedirect");
  EXPECT_FALSE(redirect.retryable);
  EXPECT_FALSE(is_retryable(redirect));
  EXPECT_EQ(redirect.message,
            "bucket 'b' is in region eu-west-1 (PermanentRedirect): pass --region eu-west-1 (or "
            "set AWS_REGION) [request id tx3]");
  EXPECT_EQ(redirect.bucket_region, "eu-west-1");  // what the client follows

  // Only the body knows.
  auto malformed = error_from_reply(
      Op::copy_object, "b", "k", 400,
      "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is "
      "malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message>"
      "<Region>eu-west-1</Region></Error>",
      "");
  EXPECT_FALSE(is_retryable(malformed));
  EXPECT_EQ(malformed.message,
            "bucket 'b' is in region eu-west-1 (AuthorizationHeaderMalformed): pass --region "
            "eu-west-1 (or set AWS_REGION)");
  EXPECT_EQ(malformed.bucket_region, "eu-west-1");

  // The header wins over the body; a HEAD reply has the header only.
  auto head = error_from_reply(Op::head_object, "b", "k", 301, "", "", "ap-south-1");
  EXPECT_FALSE(is_retryable(head));
  EXPECT_EQ(head.message,
            "bucket 'b' is in region ap-south-1 (PermanentRedirect): pass --region ap-south-1 "
            "(or set AWS_REGION)");
  EXPECT_EQ(head.bucket_region, "ap-south-1");

  // No region anywhere: the endpoint S3 points to says which.
  auto unknown = error_from_reply(Op::list_objects, "b", "", 301, redirect_body, "");
  EXPECT_FALSE(is_retryable(unknown));
  EXPECT_EQ(unknown.message,
            "bucket 'b' is in another region (PermanentRedirect; S3 points to "
            "b.s3.eu-west-1.amazonaws.com): pass its region with --region (or set AWS_REGION) "
            "[request id tx3]");
  EXPECT_EQ(unknown.bucket_region, "");  // nothing to follow
  // Other errors name no region to follow.
  EXPECT_EQ(error_from_reply(Op::list_objects, "b", "", 404,
                             "<Error><Code>NoSuchBucket</Code></Error>", "", "eu-west-1")
                .bucket_region,
            "");
}

// A redirect that is no S3 region redirect (no code, no region: http:// to
// https://, a load balancer) said "HTTP 301 HTTP301"; now where it points and
// what to change, and no retry.
TEST(S3Errors, AnotherServersRedirectNamesWhereItPoints) {
  auto moved = error_from_reply(Op::list_objects, "b", "", 301, "", "", "",
                                "https://elsewhere.example:9443/b?list-type=2");
  EXPECT_FALSE(is_retryable(moved));
  EXPECT_EQ(moved.bucket_region, "");
  EXPECT_EQ(moved.message,
            "ListObjectsV2 s3://b/ failed: HTTP 301, a redirect to "
            "https://elsewhere.example:9443/b?list-type=2, which s3loop does not follow: check "
            "the host, port and scheme in --endpoint-url");
  auto bare = error_from_reply(Op::head_object, "b", "k", 307, "", "rid1");
  EXPECT_FALSE(is_retryable(bare));
  EXPECT_EQ(bare.message,
            "HeadObject s3://b/k failed: HTTP 307, a redirect, which s3loop does not follow: "
            "check the host, port and scheme in --endpoint-url [request id rid1]");
  auto long_location = error_from_reply(Op::list_objects, "b", "", 302, "", "", "",
                                        "https://x/" + std::string(500, 'a'));
  EXPECT_LT(long_location.message.size(), 400u);
  // S3's own region redirect is said as before.
  EXPECT_EQ(error_from_reply(Op::head_object, "b", "k", 301, "", "", "ap-south-1",
                             "https://b.s3.ap-south-1.amazonaws.com/k")
                .bucket_region,
            "ap-south-1");
}

// Followed once and redirected again: the endpoint that was asked does not
// serve the bucket's region, and only another endpoint can help.
TEST(S3Errors, ARedirectAfterFollowingNamesTheEndpointThatWasAsked) {
  const std::string body =
      "<Error><Code>PermanentRedirect</Code><RequestId>tx9</RequestId></Error>";
  // Signed for the region S3 named, and told to go there again.
  auto again = error_from_reply(Op::list_objects, "b", "", 301, body, "", "eu-west-1");
  explain_redirect_again(again, "b", "eu-west-1", "s3.example.com:443");
  EXPECT_EQ(again.message,
            "bucket 'b' is in region eu-west-1 (PermanentRedirect), and s3.example.com:443 "
            "redirects requests signed for it too: set --endpoint-url to an endpoint of that "
            "region [request id tx9]");
  EXPECT_FALSE(is_retryable(again));
  // Sent to the first region named, then told of a third.
  auto third = error_from_reply(Op::copy_object, "b", "k", 400,
                                "<Error><Code>AuthorizationHeaderMalformed</Code>"
                                "<Region>ap-south-1</Region></Error>",
                                "");
  explain_redirect_again(third, "b", "eu-west-1", "s3.eu-west-1.amazonaws.com:443");
  EXPECT_EQ(third.message,
            "bucket 'b' is in region ap-south-1 (AuthorizationHeaderMalformed), and "
            "s3.eu-west-1.amazonaws.com:443 redirected a request signed for eu-west-1 there "
            "too: set --endpoint-url to an endpoint of that region");
}

TEST(S3Errors, BareHeadAndOptInRegionAnswersNameTheRegionToFollow) {
  // A HEAD signed for the wrong region: 400 without a body, the region in the header.
  auto head = error_from_reply(Op::head_object, "b", "k", 400, "", "", "eu-west-1");
  EXPECT_EQ(head.bucket_region, "eu-west-1");
  EXPECT_FALSE(is_retryable(head));
  // Without the header it is just a 400; another request's bare 400 too.
  EXPECT_EQ(error_from_reply(Op::head_object, "b", "k", 400, "", "", "").bucket_region, "");
  EXPECT_EQ(error_from_reply(Op::list_objects, "b", "", 400, "", "", "eu-west-1").bucket_region,
            "");
  // A bucket in an opt-in region; to CreateBucket the same code means what it says.
  const std::string opt_in =
      "<Error><Code>IllegalLocationConstraintException</Code><Message>The ap-east-1 location "
      "constraint is incompatible for the region specific endpoint this request was "
      "sent to.</Message></Error>";
  EXPECT_EQ(error_from_reply(Op::list_objects, "b", "", 400, opt_in, "", "ap-east-1").bucket_region,
            "ap-east-1");
  EXPECT_EQ(
      error_from_reply(Op::create_bucket, "b", "", 400, opt_in, "", "ap-east-1").bucket_region, "");
}

TEST(BucketRegions, RemembersWhatS3SaidPerBucket) {
  BucketRegions regions;
  EXPECT_EQ(regions.find("b"), std::nullopt);
  regions.learn("b", "eu-west-1");
  regions.learn("c", "ap-south-1");
  EXPECT_EQ(regions.find("b"), "eu-west-1");
  EXPECT_EQ(regions.find("c"), "ap-south-1");
  EXPECT_EQ(regions.find("bb"), std::nullopt);
  regions.learn("b", "us-west-2");  // S3 said otherwise later: the later word stands
  EXPECT_EQ(regions.find("b"), "us-west-2");
}

TEST(S3Errors, OnlyARegionS3NamesMakesARegionHint) {
  // Malformed for another reason: no <Region>, the server's own words.
  auto malformed = error_from_reply(Op::list_objects, "b", "", 400,
                                    "<Error><Code>AuthorizationHeaderMalformed</Code><Message>bad "
                                    "credential scope</Message></Error>",
                                    "");
  EXPECT_EQ(malformed.message,
            "ListObjectsV2 s3://b/ failed: HTTP 400 AuthorizationHeaderMalformed: bad credential "
            "scope");
  // A bare redirect is some other server's (http -> https), not S3 naming a region.
  auto bare = error_from_reply(Op::list_objects, "b", "", 301, "", "");
  EXPECT_EQ(bare.message,
            "ListObjectsV2 s3://b/ failed: HTTP 301, a redirect, which s3loop does not follow: "
            "check the host, port and scheme in --endpoint-url");
  // What is no region name is not suggested as one.
  auto odd = error_from_reply(Op::list_objects, "b", "", 301, "", "", "eu west\n1");
  EXPECT_EQ(odd.message,
            "ListObjectsV2 s3://b/ failed: HTTP 301, a redirect, which s3loop does not follow: "
            "check the host, port and scheme in --endpoint-url");
  // The same test as --region's (is_region_name): a 64-character name or one
  // ending in '-' is not suggested either.
  for (const std::string& bad : std::vector<std::string>{std::string(64, 'r'), "eu-west-", "-1"}) {
    EXPECT_EQ(error_from_reply(Op::list_objects, "b", "", 301, "", "", bad).message,
              "ListObjectsV2 s3://b/ failed: HTTP 301, a redirect, which s3loop does not follow: "
              "check the host, port and scheme in --endpoint-url")
        << bad;
  }
  // The service itself has no bucket to place.
  auto service = error_from_reply(Op::list_buckets, "", "", 301, "", "", "eu-west-1");
  EXPECT_EQ(service.message.find("--region"), std::string::npos) << service.message;
}

// The prefix network failures of a request share with S3's generic errors.
TEST(S3Errors, DescribeRequestIsTheGenericErrorsPrefix) {
  EXPECT_EQ(describe_request(Op::copy_object, "b", "k"), "CopyObject s3://b/k");
  EXPECT_EQ(describe_request(Op::list_objects, "bucket", ""), "ListObjectsV2 s3://bucket/");
  auto generic = error_from_reply(Op::list_objects, "bucket", "", 500, "", "");
  EXPECT_EQ(
      generic.message.rfind(describe_request(Op::list_objects, "bucket", "") + " failed: ", 0), 0u)
      << generic.message;
}

// An Error's message is one line (error.hpp), whatever the server wrote: its words are
// escaped where they enter (a review found a <Message> and a request id with line breaks
// passed into library messages; only the command's own output escaped them).
TEST(S3Errors, TheServersWordsAreOneLineInTheMessage) {
  const std::string body =
      "<Error><Code>Invalid\nArgument</Code><Message>first line\nsecond line\r\nthird</Message>"
      "<RequestId>rid\n1</RequestId></Error>";
  auto e = error_from_reply(Op::copy_object, "b", "k", 400, body, "");
  EXPECT_EQ(e.message,
            "CopyObject s3://b/k failed: HTTP 400 Invalid\\nArgument: first line\\nsecond "
            "line\\nthird [request id rid\\n1]");  // (XML reads CR LF as LF)
  EXPECT_EQ(e.request_id, "rid\\n1");
  // A request id from the header alone, and an error inside a 200.
  auto bare = error_from_reply(Op::head_object, "b", "k", 500, "",
                               "h\x01"
                               "d");
  EXPECT_EQ(bare.request_id, "h\\x01d");
  auto parsed = parse_copy_result(body);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message.find('\n'), std::string::npos) << parsed.error().message;
  // DeleteObjects' per-key errors: the key as it is, the server's words one line.
  auto failures = parse_delete_result(
      "<DeleteResult><Error><Key>a\nb</Key><Code>C\n</Code><Message>m\n</Message></Error>"
      "</DeleteResult>");
  ASSERT_TRUE(failures);
  ASSERT_EQ(failures->size(), 1u);
  EXPECT_EQ((*failures)[0].key, "a\nb");
  EXPECT_EQ((*failures)[0].code, "C\\n");
  EXPECT_EQ((*failures)[0].message, "m\\n");
}

// A failed object's error is kept for the run's summary: a server's long message (a review
// measured 196 KB per failure for a 100 KB <Message>) is cut, between characters.
TEST(S3Errors, TheServersLongWordsAreCut) {
  const std::string long_message = "\xC3\xA9" + std::string(100'000, 'm');
  const std::string body = "<Error><Code>" + std::string(1000, 'C') + "</Code><Message>" +
                           long_message + "</Message><RequestId>" + std::string(1000, 'r') +
                           "</RequestId></Error>";
  auto e = error_from_reply(Op::copy_object, "b", "k", 400, body, "");
  EXPECT_EQ(e.s3_code, std::string(kMostCodeBytes, 'C') + "...");
  EXPECT_EQ(e.request_id, std::string(kMostCodeBytes, 'r') + "...");
  EXPECT_EQ(e.message, "CopyObject s3://b/k failed: HTTP 400 " + e.s3_code + ": " +
                           long_message.substr(0, kMostMessageBytes) + "... [request id " +
                           e.request_id + "]");
  // Not inside a character: "é" at the cut goes whole or not at all.
  const std::string cut_inside = std::string(kMostMessageBytes - 1, 'x') + "\xC3\xA9tail";
  auto whole =
      error_from_reply(Op::copy_object, "b", "k", 400,
                       "<Error><Code>C</Code><Message>" + cut_inside + "</Message></Error>", "");
  EXPECT_EQ(whole.message, "CopyObject s3://b/k failed: HTTP 400 C: " +
                               std::string(kMostMessageBytes - 1, 'x') + "...");
  // Nor inside the escape of a byte: "\x1b" cut to "\x" would read as another.
  for (std::size_t before : {kMostMessageBytes - 3, kMostMessageBytes - 2, kMostMessageBytes - 1}) {
    auto escaped = error_from_reply(Op::copy_object, "b", "k", 400,
                                    "<Error><Code>C</Code><Message>" + std::string(before, 'x') +
                                        "\x01" + "tail" + "</Message></Error>",
                                    "");
    EXPECT_EQ(escaped.message,
              "CopyObject s3://b/k failed: HTTP 400 C: " + std::string(before, 'x') + "...")
        << before;
  }
  auto line_break =
      error_from_reply(Op::copy_object, "b", "k", 400,
                       "<Error><Code>C</Code><Message>" + std::string(kMostMessageBytes - 1, 'x') +
                           "\ntail" + "</Message></Error>",
                       "");
  EXPECT_EQ(line_break.message, "CopyObject s3://b/k failed: HTTP 400 C: " +
                                    std::string(kMostMessageBytes - 1, 'x') + "...");
  // What fits is kept as it is.
  const std::string fits(kMostMessageBytes, 'f');
  auto kept = error_from_reply(Op::copy_object, "b", "k", 400,
                               "<Error><Code>C</Code><Message>" + fits + "</Message></Error>", "");
  EXPECT_EQ(kept.message, "CopyObject s3://b/k failed: HTTP 400 C: " + fits);
}

TEST(S3Errors, AnErrorInsideA200IsDescribedAndRetriedLikeA5xx) {
  const std::string body =
      "<Error><Code>InternalError</Code><Message>try again</Message>"
      "<RequestId>tx9</RequestId></Error>";
  auto parsed = parse_copy_result(body);
  ASSERT_FALSE(parsed);
  auto e = error_in_ok_reply(parsed.error(), body, Op::copy_object, "b", "k");
  EXPECT_EQ(e.kind, ErrorKind::s3);
  EXPECT_EQ(e.s3_code, "InternalError");
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.message,
            "CopyObject s3://b/k failed: HTTP 200 InternalError: try again [request id tx9]");
  // Malformed XML is not an S3 error: passed through, with the request it
  // answered (it named none).
  auto garbage = parse_copy_result("<CopyObjectResult><ETag>");
  ASSERT_FALSE(garbage);
  const Error malformed =
      error_in_ok_reply(garbage.error(), "<CopyObjectResult><ETag>", Op::copy_object, "b", "k");
  EXPECT_EQ(malformed.kind, ErrorKind::protocol);
  EXPECT_TRUE(
      malformed.message.starts_with("CopyObject s3://b/k: malformed XML in CopyObject "
                                    "reply: "))
      << malformed.message;
}

}  // namespace
}  // namespace s3loop::s3

namespace s3loop::s3 {
namespace {

// radosgw ignores session tokens it does not know, so an expired one can only
// be shown here: AWS answers 400 ExpiredToken (or 403 InvalidToken).
TEST(S3Errors, ExpiredOrInvalidSessionTokensAreCredentialErrors) {
  for (const char* code : {"ExpiredToken", "InvalidToken", "TokenRefreshRequired"}) {
    auto e = error_from_reply(Op::list_objects, "b", "", 400,
                              std::string("<Error><Code>") + code +
                                  "</Code><Message>The provided token has expired.</Message>"
                                  "</Error>",
                              "req-1");
    EXPECT_EQ(e.kind, ErrorKind::credentials) << code;
    EXPECT_FALSE(e.retryable) << code;
    EXPECT_NE(e.message.find(code), std::string::npos);
    EXPECT_NE(e.message.find("AWS_SESSION_TOKEN"), std::string::npos);
  }
}

}  // namespace
}  // namespace s3loop::s3
