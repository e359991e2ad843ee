#include "s3loop/s3/client.hpp"
#include "s3loop/s3/debug_log.hpp"

#include "s3loop/net/connection_pool.hpp"
#include "s3loop/net/tls.hpp"
#include "s3loop/s3/addressing.hpp"
#include "s3loop/s3/encoding.hpp"
#include "s3loop/s3/errors.hpp"
#include "s3loop/s3/renewing_credentials.hpp"
#include "s3loop/s3/request_target.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <utility>

namespace s3loop::s3 {

namespace asio = boost::asio;
using asio::awaitable;

namespace {

// A retryable error that Ctrl-C kept from its retry: the run was stopped,
// and the item is counted interrupted, not failed, as one cut off in flight.
Error cut_short_by_interrupt(Error error) {
  error.kind = ErrorKind::cancelled;
  error.retryable = false;
  error.message += " (not retried: interrupted)";
  return error;
}

// SHA-256 of the empty string: most S3 requests have no body.
// The most of a reply kept whole that is not an object's data (see send()).
constexpr std::uint64_t kMaxReplyDocument = 64u << 20;

constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// One attempt's way through the AttemptGate, if there is one: leaves exactly
// once, also when the coroutine unwinds (an exception, a destroyed frame).
class GatePass {
 public:
  explicit GatePass(AttemptGate* gate) : gate_(gate) {}
  GatePass(const GatePass&) = delete;
  GatePass& operator=(const GatePass&) = delete;
  ~GatePass() { leave(AttemptReply::failed); }

  // False when the gate says the run is stopping.
  awaitable<bool> enter() {
    if (gate_ == nullptr) co_return true;
    ticket_ = co_await gate_->enter();
    co_return ticket_.has_value();
  }
  void leave(AttemptReply reply) {
    if (gate_ != nullptr && ticket_) gate_->leave(*std::exchange(ticket_, std::nullopt), reply);
  }

 private:
  AttemptGate* gate_;
  std::optional<std::uint64_t> ticket_;
};

// What Ctrl-C does to a request in flight: most are cut off, but a multipart
// upload left open costs storage until somebody finds and aborts it. So an
// interrupted multipart copy still aborts its upload, and the requests whose
// outcome that needs -- the upload id, whether the upload was completed --
// get a moment to finish. (Ending an upload either way is atomic on the
// server: no object is ever half written.)
net::OnStop on_stop(Op op) {
  switch (op) {
    case Op::abort_multipart:
      return net::OnStop::cleanup;
    case Op::create_multipart:
    case Op::complete_multipart:
      return net::OnStop::finish;
    default:
      return net::OnStop::cut;
  }
}
// The two endings of a retryable error that was not retried (send() and a
// resumed read alike).
void note_budget_refusal(Error& error) {
  error.message += " (not retried: the job's retry budget is spent; see --retry-budget)";
}
void note_gave_up(Error& error, int attempts) {
  error.message += " (gave up after " + std::to_string(attempts) + " attempts)";
}

}  // namespace

std::string s3_uri(const std::string& bucket, const std::string& key) {
  return "s3://" + bucket + "/" + key;
}

Client::Client(asio::any_io_executor executor, ClientShared& shared,
               const std::atomic<bool>* interrupted)
    : executor_(std::move(executor)),
      shared_(shared),
      interrupted_(interrupted),
      rng_(std::random_device{}()),
      attempt_gate_(shared.attempt_gate),
      retry_budget_(&shared.retry_budget) {}

Client::~Client() = default;

net::ConnectionPool& Client::pool_for(const net::Endpoint& endpoint) {
  const std::string key = endpoint.host_port();
  auto& slot = pools_[key];
  if (!slot) {
    // The job's interrupt flag stops the pool's exchanges in flight too: a
    // stalled reply would otherwise hold Ctrl-C up for --read-timeout.
    // (Each endpoint its own: a region's endpoint may be in NO_PROXY.)
    slot = std::make_unique<net::ConnectionPool>(
        executor_, endpoint, shared_.tls, shared_.options.timeouts, shared_.net_counters,
        interrupted_, shared_.options.proxy.for_endpoint(endpoint));
  }
  return *slot;
}

std::optional<net::Endpoint> Client::other_region_endpoint(const std::string& region) const {
  // A configured endpoint serves every region it serves (signing says
  // which); AWS's own are one per region.
  const auto& options = shared_.options;
  if (options.regional_endpoint && region != options.region) return aws_endpoint_for_region(region);
  return std::nullopt;
}

awaitable<Result<net::Response>> Client::send_once(const S3Request& request,
                                                   const std::string& region,
                                                   const net::BodySink* sink) {
  const auto& options = shared_.options;
  // No copy of the endpoint per request unless it is another region's.
  const std::optional<net::Endpoint> elsewhere = other_region_endpoint(region);
  // (The configured endpoint's was checked before the run.)
  if (elsewhere) {
    if (auto unusable = shared_.options.proxy.unusable_for(*elsewhere)) co_return *unusable;
  }
  const RequestTarget target = address(elsewhere ? *elsewhere : options.endpoint,
                                       options.addressing_style, request.bucket, request.key);

  SigningInput signing;
  signing.method = request.method;
  signing.canonical_uri = target.canonical_uri;
  signing.query = request.query;
  signing.region = region;
  signing.amz_date = format_amz_date(std::chrono::system_clock::now());
  signing.payload_hash = request.body.empty() ? kEmptySha256 : sha256_hex(request.body);
  signing.headers = request.headers;
  signing.headers.emplace_back("host", target.host_header);
  signing.headers.emplace_back("x-amz-date", signing.amz_date);
  signing.headers.emplace_back("x-amz-content-sha256", signing.payload_hash);
  std::shared_ptr<const Credentials> renewed;  // kept while they sign
  if (shared_.renewing_credentials) {
    auto current = shared_.renewing_credentials->current(interrupted_);
    if (!current) co_return current.error();
    renewed = std::move(*current);
  }
  const Credentials& credentials = renewed ? *renewed : options.credentials;
  if (!credentials.session_token.empty()) {
    signing.headers.emplace_back("x-amz-security-token", credentials.session_token);
  }
  const Signature signature = sign_v4(signing, credentials);

  net::Request http;
  http.method = request.method;
  http.host = target.host_header;
  http.target = target.canonical_uri;
  if (!request.query.empty()) http.target += "?" + canonical_query_string(request.query);
  for (auto& header : signing.headers) {
    if (header.first != "host") http.headers.push_back(header);
  }
  http.headers.emplace_back("Authorization", signature.authorization);
  http.body = request.body;
  http.action = describe_request(request.op, request.bucket, request.named_key());
  http.on_stop = on_stop(request.op);
  // Every reply s3loop keeps whole is an XML document (a listing page of
  // 1,000 keys of 1 KiB is ~1.5 MB), except an object GET whole (the
  // library's get_object): 64 MiB bounds what a broken server can make us
  // hold (an endless chunked ListObjectsV2 reply grew to 8 GiB).
  if (sink == nullptr && request.max_body) {
    http.max_whole_body = *request.max_body;
  } else if (sink == nullptr && request.op != Op::get_object) {
    http.max_whole_body = kMaxReplyDocument;
  }

  auto& pool = pool_for(target.connect_to);
  if (!shared_.debug_log) co_return co_await pool.send(http, sink);
  shared_.debug_log(format_request_log(http));
  const auto started = std::chrono::steady_clock::now();
  auto reply = co_await pool.send(http, sink);
  shared_.debug_log(format_reply_log(http, reply,
                                     std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::steady_clock::now() - started)));
  co_return reply;
}

awaitable<Result<net::Response>> Client::send(const S3Request& request, const ReplyCheck& check,
                                              const net::BodySink* sink, int* attempts) {
  if (attempts != nullptr) *attempts = 0;
  // Never sent where it would act on something else (the bucket itself, for
  // an object operation without a key).
  if (auto problem = request_target_problem(request.op, request.bucket, request.key)) {
    co_return std::move(*problem);
  }
  OpStats& op_stats = shared_.stats[request.op];
  const RetryPolicy& policy = shared_.options.retry;
  // A streamed body cannot be retried once part of it reached the sink.
  std::uint64_t delivered = 0;
  net::BodySink counting_sink;
  if (sink != nullptr) {
    counting_sink = [&](std::string_view chunk) -> Result<void> {
      delivered += chunk.size();
      return (*sink)(chunk);
    };
    counting_sink.pace = sink->pace;
  }
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  bool went_unanswered = false;  // by any attempt: the final error says so
  bool redirected = false;       // followed S3 to the bucket's region, once
  int last_retry_cost = 0;       // taken from the retry budget by the latest retry
  const auto give_up = [&](Error error) {
    note_unanswered_attempt(error, request.op, went_unanswered);
    return error;
  };

  for (int attempt = 1;; ++attempt) {
    GatePass pass(attempt_gate_);
    // A stopping run sends no new work, but an abort is what cleans up after
    // the work it stopped: refused room, it goes without, or the upload
    // would be left open (and paid for) after Ctrl-C.
    if (!co_await pass.enter() && on_stop(request.op) != net::OnStop::cleanup) {
      co_return give_up(
          make_error(ErrorKind::cancelled, "cancelled while waiting for room to send"));
    }
    op_stats.attempts++;
    if (attempts != nullptr) *attempts = attempt;
    const std::string region =
        shared_.bucket_regions.find(request.bucket).value_or(shared_.options.region);
    const auto started = std::chrono::steady_clock::now();
    auto reply = co_await send_once(request, region, sink != nullptr ? &counting_sink : nullptr);
    op_stats.latency.record(std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started));
    // One verdict per attempt, for the gate and for the counters alike.
    std::optional<std::chrono::milliseconds> retry_after;
    std::optional<Error> failure;
    if (!reply) {
      failure = reply.error();
    } else if (reply->status >= 300) {
      if (auto ra = reply->header("Retry-After")) retry_after = parse_retry_after(*ra);
      failure = error_from_reply(request.op, request.bucket, request.named_key(), reply->status,
                                 reply->body, reply->header("x-amz-request-id").value_or(""),
                                 reply->header("x-amz-bucket-region").value_or(""),
                                 reply->header("Location").value_or(""), reply->forwarded_by);
    } else if (check) {
      Result<void> verdict;
      if (cpu_runner_ && reply->body.size() >= kPoolParseMinBytes) {
        co_await cpu_runner_([&] { verdict = check(*reply); });
      } else {
        verdict = check(*reply);
      }
      if (!verdict) failure = verdict.error();
    }
    // A reply to the pool's resend: the first send got none, and may have
    // been carried out all the same -- as an attempt whose reply was lost.
    const bool resent = reply && reply->resent_unanswered;
    if (failure && resent) failure->sent_unanswered = true;
    const bool throttled = failure && is_throttling(*failure);
    pass.leave(!failure                 ? AttemptReply::answered
               : throttled              ? AttemptReply::throttled
               : is_retryable(*failure) ? AttemptReply::failed
                                        : AttemptReply::answered);  // a 4xx: the server is fine
    if (!failure) {
      retry_budget_->on_success(last_retry_cost);
      if (resent && attempts != nullptr) ++*attempts;
      co_return std::move(*reply);
    }
    Error error = std::move(*failure);
    went_unanswered = went_unanswered || error.sent_unanswered;
    // The bucket lives in another region, and S3 said which: go there, as
    // botocore does, and send every later request for the bucket there too
    // (a copy lists its source in one region and writes in another). Once:
    // a second redirect would be a loop. Not a retry, nor an attempt of the
    // --max-attempts; after Ctrl-C only for a request that cleans up.
    if (!redirected && !error.bucket_region.empty() && error.bucket_region != region &&
        delivered == 0 && (!interrupt_requested() || on_stop(request.op) == net::OnStop::cleanup)) {
      redirected = true;
      shared_.bucket_regions.learn(request.bucket, error.bucket_region);
      if (shared_.debug_log) {
        shared_.debug_log("bucket " + request.bucket + " is in region " + error.bucket_region +
                          ": sending its requests there");
      }
      --attempt;
      continue;
    }
    if (!error.bucket_region.empty() && (redirected || error.bucket_region == region)) {
      // Sent there already and told to go elsewhere again: this endpoint
      // does not serve the region (a configured one, say AWS's of another
      // region), and --region could not help.
      explain_redirect_again(
          error, request.bucket, region,
          other_region_endpoint(region).value_or(shared_.options.endpoint).host_port());
    }
    if (throttled) shared_.stats.throttled++;
    if (interrupt_requested() && is_retryable(error) && attempt < policy.max_attempts) {
      op_stats.failures++;
      co_return give_up(cut_short_by_interrupt(std::move(error)));
    }
    const bool worth_retrying = is_retryable(error) && attempt < policy.max_attempts &&
                                delivered == 0 && error.kind != ErrorKind::cancelled;
    // Listing pages are exempt: one failed page ends the whole job, and their
    // retries are few (one listing per key range) and bounded by max_attempts.
    const bool budget_left =
        worth_retrying && (request.op == Op::list_objects ||
                           retry_budget_->try_spend(error.kind == ErrorKind::timeout));
    if (budget_left && request.op != Op::list_objects) {
      last_retry_cost = RetryBudget::cost(error.kind == ErrorKind::timeout);
    }
    if (!budget_left) {
      // A HEAD answered 404 says the object is not there (what --skip-existing
      // and --verify ask): an answer, not a failed request.
      if (request.op != Op::head_object || error.http_status != 404) op_stats.failures++;
      if (worth_retrying) {
        shared_.stats.budget_refusals++;
        note_budget_refusal(error);
      } else if (attempt > 1 && is_retryable(error)) {
        note_gave_up(error, attempt);
      }
      co_return give_up(std::move(error));
    }
    op_stats.retries++;
    if (auto cut = co_await back_off(error, attempt, retry_after)) co_return give_up(*cut);
  }
}

awaitable<std::optional<Error>> Client::back_off(
    Error& error, int attempt, std::optional<std::chrono::milliseconds> retry_after) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const auto resume_at = std::chrono::steady_clock::now() +
                         backoff_delay(shared_.options.retry, attempt - 1, unit(rng_), retry_after);
  asio::steady_timer timer(executor_);
  for (auto now = std::chrono::steady_clock::now(); now < resume_at;
       now = std::chrono::steady_clock::now()) {
    timer.expires_at(std::min(resume_at, now + std::chrono::milliseconds(100)));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return make_error(ErrorKind::cancelled, "cancelled while waiting to retry");
    if (interrupt_requested()) {
      co_return cut_short_by_interrupt(std::move(error));
    }
  }
  co_return std::nullopt;
}

awaitable<std::optional<Error>> Client::before_resumed_read(Error broke, int reads, Op op) {
  OpStats& op_stats = shared_.stats[op];
  if (!is_retryable(broke) || broke.kind == ErrorKind::cancelled) co_return broke;
  if (interrupt_requested()) {
    co_return cut_short_by_interrupt(std::move(broke));
  }
  // send() counted the failed read among GetObject's failures when it gave
  // up on it; a resume takes that back, as a retry is no failure.
  if (reads >= shared_.options.retry.max_attempts) {
    if (reads > 1) note_gave_up(broke, reads);
    co_return broke;
  }
  if (!retry_budget_->try_spend(broke.kind == ErrorKind::timeout)) {
    shared_.stats.budget_refusals++;
    note_budget_refusal(broke);
    co_return broke;
  }
  op_stats.failures--;
  op_stats.retries++;
  co_return co_await back_off(broke, reads, std::nullopt);
}

}  // namespace s3loop::s3
