// The S3 operations s3loop uses, as coroutines on one executor. Signs every
// request, retries transient failures with back-off, turns error replies into
// s3loop::Error. Not thread-safe: one Client per event loop or worker thread.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/net/counters.hpp"
#include "s3loop/net/endpoint.hpp"
#include "s3loop/net/http.hpp"
#include "s3loop/net/options.hpp"
#include "s3loop/net/proxy.hpp"
#include "s3loop/s3/attempt_gate.hpp"
#include "s3loop/s3/bucket_regions.hpp"
#include "s3loop/s3/config.hpp"
#include "s3loop/s3/event_stream.hpp"
#include "s3loop/s3/retry.hpp"
#include "s3loop/s3/sigv4.hpp"
#include "s3loop/s3/stats.hpp"
#include "s3loop/s3/xml.hpp"

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace s3loop::net {
class ConnectionPool;
class TlsContext;
}  // namespace s3loop::net

namespace s3loop::s3 {

class RenewingCredentials;

struct ClientOptions {
  net::Endpoint endpoint;
  std::string region = "us-east-1";
  // The endpoint is AWS's own for `region` (none was configured): a bucket
  // S3 says is in another region is then sent to that region's endpoint, not
  // only signed for it.
  bool regional_endpoint = false;
  Credentials credentials;
  AddressingStyle addressing_style = AddressingStyle::automatic;
  net::Timeouts timeouts;
  RetryPolicy retry;
  net::ProxySettings proxy;  // HTTPS_PROXY and NO_PROXY (setup_client reads them)
};

// Everything a set of clients shares: TLS trust, options and the counters.
struct ClientShared {
  ClientOptions options;
  // Set for credentials that expire (a credential_process's): requests sign
  // with what it holds, renewed during the run, not options.credentials.
  std::shared_ptr<RenewingCredentials> renewing_credentials;
  // Required for an https:// endpoint (s3::setup_client sets it): without
  // one every request fails with "no TLS context", none is sent in clear.
  std::shared_ptr<net::TlsContext> tls;
  net::Counters net_counters;
  Stats stats;
  // Capacity from --retry-budget. Every run of a strategy (and run_once)
  // gives its clients a budget of its own of this capacity: a job must not
  // start with what an earlier job on this struct spent, nor drain another
  // running at the same time. A client made by hand draws from this one.
  RetryBudget retry_budget;
  BucketRegions bucket_regions;  // buckets S3 said live in another region
  // --debug: receives one line per request and per reply, secrets redacted;
  // called from every loop and thread (the receiver serialises).
  std::function<void(const std::string&)> debug_log;
  // Every attempt of a client made while this is set waits here for room.
  // (exec gives each client of an adaptive run its own run's gate instead,
  // Client::set_attempt_gate: runs that share this struct are not held to
  // one another's limits.)
  AttemptGate* attempt_gate = nullptr;
  // Set while a job runs: once it is true (Ctrl-C), a failed request is not
  // tried again, a retry's backoff ends early, and the requests in flight
  // are cut off ("... failed: interrupted", of kind cancelled). Read when a
  // client is made (a strategy's clients take the strategy's cancel flag
  // instead when this is null): set it before the job's clients exist.
  const std::atomic<bool>* interrupted = nullptr;
};

struct ListParams {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::string continuation_token;
  std::string start_after;
  int max_keys = 1000;
};

struct ListVersionsParams {
  std::string bucket;
  std::string prefix;
  std::string key_marker;         // to list after: the last page's last key
  std::string version_id_marker;  // and its version id
  int max_keys = 1000;
};

struct ObjectHead {
  std::uint64_t size = 0;
  std::string etag;  // without quotes
  // Absent when the reply had none; an empty one is the source's own (put
  // with an empty Content-Type) and is carried over as it is.
  std::optional<std::string> content_type;
  std::string last_modified;
  net::HeaderList user_metadata;  // x-amz-meta-* as sent
  net::HeaderList
      content_headers;  // Cache-Control, Content-Disposition/-Encoding/-Language, Expires
};

// CreateMultipartUpload's answer.
struct CreatedUpload {
  std::string upload_id;
  // Requests it took. More than one: an earlier attempt may have created an
  // upload of its own on the server before its reply was lost (a reset, a
  // timeout), which nobody knows the id of.
  int attempts = 1;
};

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive, as HTTP Range wants it
};

// One S3 request before signing.
struct S3Request {
  Op op = Op::get_object;
  std::string method = "GET";
  std::string bucket;
  std::string key;
  QueryParams query;
  Headers headers;
  std::string body;
  // What the request's messages name after the bucket, when not `key`: a
  // listing's prefix ("ListObjectsV2 s3://b/logs/ failed", not s3://b/).
  std::string prefix;
  const std::string& named_key() const { return prefix.empty() ? key : prefix; }
  // The most a successful reply kept whole may hold, when the request says
  // (a ranged GET: the range); otherwise an XML document's bound, or none
  // for an object GET whole.
  std::optional<std::uint64_t> max_body;
};

// Operations take their arguments by value: a coroutine may run after the
// expression that created it has ended (spawned, or returned from a lambda),
// and must not hold references to the caller's temporaries.
//
// Lifetime: a Client must outlive every operation started on it, and its
// io_context must outlive the Client. Destroying either while an operation
// is suspended is a use-after-free (its coroutine frame, destroyed later with
// the io_context, still refers to the Client's connections). To stop early,
// set the flag the Client reads as `interrupted` (ClientShared::interrupted,
// or the one given to the constructor; the strategies do this) and
// run the io_context until the operations have ended, then destroy the
// Client, then the io_context.
class Client {
 public:
  Client(boost::asio::any_io_executor executor, ClientShared& shared)
      : Client(std::move(executor), shared, shared.interrupted) {}
  // `interrupted`: the flag that cuts this client's requests off (what
  // ClientShared::interrupted says of it), when it is not the shared one: a
  // strategy hands its clients its own cancel flag, without writing it into
  // a ClientShared that other runs or clients may use at the same time.
  Client(boost::asio::any_io_executor executor, ClientShared& shared,
         const std::atomic<bool>* interrupted);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  using Awaitable = boost::asio::awaitable<Result<std::string>>;

  boost::asio::awaitable<Result<ListPage>> list_objects_v2(ListParams params);
  boost::asio::awaitable<Result<ObjectHead>> head_object(std::string bucket, std::string key);
  // Whole body in memory: for small objects and tests. Large reads stream.
  // With `etag` (unquoted, as head_object gives it), only that version is
  // read (If-Match): an object overwritten since fails with 412
  // PreconditionFailed instead of giving bytes of another version -- what a
  // job reading one object in many ranged GETs needs.
  Awaitable get_object(std::string bucket, std::string key,
                       std::optional<ByteRange> range = std::nullopt, std::string etag = {});
  boost::asio::awaitable<Result<void>> get_object_stream(std::string bucket, std::string key,
                                                         std::optional<ByteRange> range,
                                                         net::BodySink sink, std::string etag = {});
  // A streamed read whose body broke after bytes reached the sink is not
  // retried by send(); its caller resumes it with a new ranged read from
  // where it stopped. Called before that read, with the break and the number
  // of reads made so far: a resume is a retry of GetObject, with the same
  // rules -- a transient error, an attempt left of --max-attempts, the retry
  // budget's cost, the back-off, none after Ctrl-C. Returns nothing when the
  // caller may resume, else the error to report (marked as send() marks it).
  // `op`: the request resumed (select_object_content sends its again whole).
  boost::asio::awaitable<std::optional<Error>> before_resumed_read(Error broke, int reads,
                                                                   Op op = Op::get_object);
  // Returns the ETag without quotes.
  Awaitable put_object(std::string bucket, std::string key, std::string body,
                       Headers extra_headers = {});
  // With `source_etag`, only that version of the source is copied
  // (x-amz-copy-source-if-match: a source changed since fails with 412; radosgw
  // 16.2 ignores the header). Returns the copy's ETag without quotes.
  Awaitable copy_object(std::string src_bucket, std::string src_key, std::string dst_bucket,
                        std::string dst_key, std::string source_etag = {});
  // GetObjectTagging: the object's tags (none: empty).
  boost::asio::awaitable<Result<std::vector<Tag>>> get_object_tagging(std::string bucket,
                                                                      std::string key);
  // PutObjectTagging: replaces the object's tag set with `tags`.
  boost::asio::awaitable<Result<void>> put_object_tagging(std::string bucket, std::string key,
                                                          std::vector<Tag> tags);
  // Every key must be one XML can carry (xml_can_carry): a single other key
  // makes the server refuse the whole batch. Send those with delete_object.
  boost::asio::awaitable<Result<std::vector<DeleteFailure>>> delete_objects(
      std::string bucket, std::vector<std::string> keys);
  // DeleteObjects naming versions: each one given (or delete marker) is
  // deleted for good. The same rule on keys as delete_objects.
  boost::asio::awaitable<Result<std::vector<DeleteFailure>>> delete_versions(
      std::string bucket, std::vector<ObjectToDelete> objects);
  // DeleteObject: one key, any bytes; with a version id that version (or
  // delete marker), for good. A key already gone (204 or 404) is success.
  boost::asio::awaitable<Result<void>> delete_object(std::string bucket, std::string key,
                                                     std::string version_id = {});
  // ListObjectVersions: a page of the versions and delete markers under a prefix.
  boost::asio::awaitable<Result<VersionsPage>> list_object_versions(ListVersionsParams params);
  // GetBucketVersioning: "Enabled", "Suspended", or "" for a bucket that
  // never had versioning on.
  boost::asio::awaitable<Result<std::string>> bucket_versioning(std::string bucket);
  // PutBucketVersioning: status "Enabled" or "Suspended" (for tests).
  boost::asio::awaitable<Result<void>> put_bucket_versioning(std::string bucket,
                                                             std::string status);

  boost::asio::awaitable<Result<CreatedUpload>> create_multipart_upload(std::string bucket,
                                                                        std::string key,
                                                                        Headers headers);
  // `source_etag`, when given, is sent as x-amz-copy-source-if-match: a part
  // of a source that changed meanwhile is refused (412 PreconditionFailed)
  // rather than spliced with parts of the old one.
  Awaitable upload_part_copy(std::string src_bucket, std::string src_key, std::string dst_bucket,
                             std::string dst_key, std::string upload_id, int part_number,
                             ByteRange range, std::string source_etag = {});
  Awaitable complete_multipart_upload(std::string bucket, std::string key, std::string upload_id,
                                      std::vector<CompletedPart> parts);
  // True: aborted. An upload already gone (NoSuchUpload: see is_upload_gone)
  // is success too, false -- completed by a CompleteMultipartUpload whose
  // reply was lost, or aborted by this abort's own attempt whose reply was.
  boost::asio::awaitable<Result<bool>> abort_multipart_upload(std::string bucket, std::string key,
                                                              std::string upload_id);
  // ListMultipartUploads of every upload whose key starts with `prefix`, page
  // after page (key-marker, upload-id-marker), in the server's order.
  boost::asio::awaitable<Result<std::vector<MultipartUpload>>> list_multipart_uploads(
      std::string bucket, std::string prefix);

  // SelectObjectContent: each event of the reply (Records, Stats, Progress,
  // Cont, End), in order, as it arrives. An error event becomes an Error of
  // kind s3; a reply cut short before End is a protocol error. A reply that
  // broke part way (a reset, a stall) is asked for again whole, under
  // before_resumed_read's rules, when the caller can start over: it gives
  // `on_restart`, called before the new request (it drops what the broken
  // reply's events delivered); without it, such a break is the answer.
  // radosgw's reply dialect is translated (ceph_select.hpp): its Records
  // reach on_event as AWS writes them, its failure text is an Error, and it
  // need not send End.
  using SelectEventSink = std::function<Result<void>(const SelectEvent&)>;
  boost::asio::awaitable<Result<void>> select_object_content(std::string bucket, std::string key,
                                                             SelectRequest request,
                                                             SelectEventSink on_event,
                                                             std::function<void()> on_restart = {});

  // CreateBucket; the server's answer as it is: for a bucket of that name
  // that is already ours, AWS outside us-east-1 answers
  // BucketAlreadyOwnedByYou (an error, as `aws s3 mb` fails on it), while
  // us-east-1 and radosgw 16.2 answer 200.
  boost::asio::awaitable<Result<void>> create_bucket(std::string bucket);
  // The same, except that a bucket already ours is what was wanted (data
  // generators, test fixtures rerun).
  boost::asio::awaitable<Result<void>> ensure_bucket(std::string bucket);
  boost::asio::awaitable<Result<void>> delete_bucket(std::string bucket);
  // ListBuckets (GET / on the service): every bucket the credentials own, in
  // one reply (see parse_list_buckets).
  boost::asio::awaitable<Result<std::vector<BucketInfo>>> list_buckets();
  // One listing of at most one key: whether anything lies under `prefix` --
  // any version or delete marker too, with `versions` (ListObjectVersions,
  // else ListObjectsV2).
  boost::asio::awaitable<Result<bool>> holds_any_object(std::string bucket, std::string prefix,
                                                        bool versions = false);
  // One ListObjectsV2 of at most one key: whether `bucket` can be listed,
  // or the error that says why not.
  boost::asio::awaitable<Result<void>> probe_bucket(std::string bucket);
  // Whether `bucket` is missing, by probe_bucket: the server's NoSuchBucket
  // error when it is, nullopt when the bucket exists or the listing failed
  // for any other reason (a caller explaining an error of its own keeps that
  // one).
  boost::asio::awaitable<std::optional<Error>> missing_bucket(std::string bucket);

  // Signs and sends with retries. `check` inspects a 2xx reply (for errors
  // hidden in a 200); a retryable error from it is retried like a 5xx.
  // `attempts`, when given, receives how many requests were sent (set on
  // success and on failure alike; 0 when none was; a resend after a kept-alive
  // connection closed with no reply counts, on success, as one more).
  using ReplyCheck = std::function<Result<void>(const net::Response&)>;
  boost::asio::awaitable<Result<net::Response>> send(const S3Request& request,
                                                     const ReplyCheck& check = {},
                                                     const net::BodySink* sink = nullptr,
                                                     int* attempts = nullptr);

  ClientShared& shared() { return shared_; }
  // The flag that interrupts this client's requests (may be null).
  const std::atomic<bool>* interrupt_flag() const { return interrupted_; }
  // That flag is there and set: a stop was asked for.
  bool interrupt_requested() const { return interrupted_ != nullptr && interrupted_->load(); }

  // Where reply parsing runs: inline by default; the async-pool strategy
  // hands it to its worker pool and resumes here -- a reply of at least
  // kPoolParseMinBytes (a listing page: ~250 KiB for 1,000 keys). A smaller
  // one (a CopyObject or UploadPartCopy result, ~250 bytes) is parsed in
  // place: the two cross-thread hand-overs would cost more CPU than parsing
  // it (async-pool spent 0.313 ms per copy where async spent 0.235).
  static constexpr std::size_t kPoolParseMinBytes = 16 * 1024;
  using CpuRunner = std::function<boost::asio::awaitable<void>(std::function<void()>)>;
  void set_cpu_runner(CpuRunner runner) { cpu_runner_ = std::move(runner); }
  // The gate every attempt of this client waits at (ClientShared's when it
  // was made; null: none). It must outlive the client's requests.
  void set_attempt_gate(AttemptGate* gate) { attempt_gate_ = gate; }
  // The budget this client's retries draw from (ClientShared's when it was
  // made). It must outlive the client's requests.
  void set_retry_budget(RetryBudget* budget) { retry_budget_ = budget; }

 private:
  net::ConnectionPool& pool_for(const net::Endpoint& endpoint);
  // Where a request signed for `region` goes when that is not the
  // configured endpoint: AWS's endpoint of that region.
  std::optional<net::Endpoint> other_region_endpoint(const std::string& region) const;
  // One attempt, signed for `region` (the client's, or the bucket's once S3
  // named it in a redirect).
  boost::asio::awaitable<Result<net::Response>> send_once(const S3Request& request,
                                                          const std::string& region,
                                                          const net::BodySink* sink);

  // Waits out the back-off before retry `attempt` + 1 (Retry-After, when
  // the server sent one, instead), in slices so that Ctrl-C ends it within a
  // tenth of a second. Returns the error to give up with when it was cut.
  boost::asio::awaitable<std::optional<Error>> back_off(
      Error& error, int attempt, std::optional<std::chrono::milliseconds> retry_after);

  boost::asio::any_io_executor executor_;
  ClientShared& shared_;
  const std::atomic<bool>* interrupted_;
  std::map<std::string, std::unique_ptr<net::ConnectionPool>> pools_;  // by host:port
  std::minstd_rand rng_;
  CpuRunner cpu_runner_;
  AttemptGate* attempt_gate_;
  RetryBudget* retry_budget_;
};

// "s3://bucket/key" for messages.
std::string s3_uri(const std::string& bucket, const std::string& key);

}  // namespace s3loop::s3
