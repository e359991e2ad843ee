// The S3 client's operations against the real server, and its deadlines
// against servers that never answer.
#include "live_server.hpp"
#include "temp_dir.hpp"

#include "s3loop/exec/strategy.hpp"
#include "s3loop/jobs/delete_prefix.hpp"
#include "s3loop/jobs/parallel_list.hpp"
#include "s3loop/jobs/select_job.hpp"
#include "s3loop/jobs/verify.hpp"
#include "s3loop/net/connection_pool.hpp"
#include "s3loop/net/tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace s3loop::testing {
namespace {

using boost::asio::awaitable;

class ClientLive : public ::testing::Test {
 protected:
  void SetUp() override {
    shared_ = live_client_shared();
    ASSERT_NE(shared_, nullptr);
    bucket_ = unique_bucket("client");
    auto created =
        exec::run_once<void>(*shared_, [&](s3::Client& c) { return c.create_bucket(bucket_); });
    ASSERT_TRUE(created) << created.error().message;
  }

  template <class T>
  Result<T> run(const std::function<awaitable<Result<T>>(s3::Client&)>& body) {
    return exec::run_once<T>(*shared_, body);
  }

  std::unique_ptr<s3::ClientShared> shared_;
  std::string bucket_;
};

std::string pattern(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

TEST_F(ClientLive, PutHeadGetRangeAndStreamRoundTrip) {
  const std::string key = "dir//with space/été+plus=eq&amp?q#h%25~";
  const std::string body = pattern(3 * 1024 * 1024 + 17);
  auto etag = run<std::string>([&](s3::Client& c) {
    return c.put_object(bucket_, key, body, {{"content-type", "application/x-test"}});
  });
  ASSERT_TRUE(etag) << etag.error().message;
  EXPECT_EQ(etag->size(), 32u);  // a single-part MD5

  auto head = run<s3::ObjectHead>([&](s3::Client& c) { return c.head_object(bucket_, key); });
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->size, body.size());
  EXPECT_EQ(head->etag, *etag);
  EXPECT_EQ(head->content_type, "application/x-test");

  auto range = run<std::string>([&](s3::Client& c) {
    return c.get_object(bucket_, key, s3::ByteRange{2, 9});
  });
  ASSERT_TRUE(range) << range.error().message;
  EXPECT_EQ(*range, body.substr(2, 8));

  // Streaming: the body arrives in many chunks, never whole.
  std::string streamed;
  int chunks = 0;
  std::size_t largest = 0;
  net::BodySink sink = [&](std::string_view piece) -> Result<void> {
    streamed.append(piece);
    ++chunks;
    largest = std::max(largest, piece.size());
    return {};
  };
  auto got = run<void>(
      [&](s3::Client& c) { return c.get_object_stream(bucket_, key, std::nullopt, sink); });
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(streamed, body);
  EXPECT_GT(chunks, 100);
  EXPECT_LE(largest, 64u * 1024);
}

TEST_F(ClientLive, ASinkErrorStopsTheReadAndTheClientCarriesOn) {
  ASSERT_TRUE(run<std::string>(
      [&](s3::Client& c) { return c.put_object(bucket_, "big", pattern(2 * 1024 * 1024)); }));
  auto result =
      exec::run_once<std::string>(*shared_, [&](s3::Client& c) -> awaitable<Result<std::string>> {
        net::BodySink refuse = [](std::string_view) -> Result<void> {
          return make_error(ErrorKind::io, "disk full");
        };
        auto stopped = co_await c.get_object_stream(bucket_, "big", std::nullopt, refuse);
        if (stopped) co_return make_error(ErrorKind::protocol, "sink error was ignored");
        if (stopped.error().message != "disk full") co_return stopped.error();
        // The half-read connection was dropped, not reused: this works.
        co_return co_await c.get_object(bucket_, "big", s3::ByteRange{0, 3});
      });
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->size(), 4u);
}

TEST_F(ClientLive, MissingThingsAreNamed) {
  auto head = run<s3::ObjectHead>([&](s3::Client& c) { return c.head_object(bucket_, "nope"); });
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().s3_code, "NoSuchKey");
  EXPECT_EQ(head.error().http_status, 404u);
  auto get =
      run<std::string>([&](s3::Client& c) { return c.get_object("no-such-bucket-zz", "k"); });
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().s3_code, "NoSuchBucket");
  EXPECT_FALSE(get.error().retryable);
}

// A copy's missing source is named as the source: it was said of the
// destination ("object s3://b/dst does not exist", "bucket 'b' does not
// exist" of a bucket that does).
TEST_F(ClientLive, ACopysMissingSourceIsNamedAsTheSource) {
  auto no_key = run<std::string>(
      [&](s3::Client& c) { return c.copy_object(bucket_, "no-such-src", bucket_, "dst"); });
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().s3_code, "NoSuchKey");
  EXPECT_TRUE(no_key.error().message.starts_with("the copy's source object s3://" + bucket_ +
                                                 "/no-such-src does not exist (NoSuchKey)"))
      << no_key.error().message;
  auto no_bucket = run<std::string>(
      [&](s3::Client& c) { return c.copy_object("no-such-src-bucket-zz", "k", bucket_, "dst"); });
  ASSERT_FALSE(no_bucket);
  EXPECT_EQ(no_bucket.error().s3_code, "NoSuchBucket");
  EXPECT_TRUE(no_bucket.error().message.starts_with(
      "bucket '" + bucket_ +
      "' or the copy's source bucket 'no-such-src-bucket-zz' does not exist (NoSuchBucket)"))
      << no_bucket.error().message;
}

// DELETE /bucket/ with an empty key is DeleteBucket: the empty bucket was deleted and the call
// said it deleted an object. Refused before anything is sent, as are its siblings.
TEST_F(ClientLive, AnEmptyKeyOrBucketIsRefusedBeforeAnythingIsSent) {
  const std::uint64_t sent_before = shared_->stats.total_attempts();
  auto deleted = run<void>([&](s3::Client& c) { return c.delete_object(bucket_, ""); });
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().kind, ErrorKind::usage);
  EXPECT_NE(deleted.error().message.find("no key given"), std::string::npos)
      << deleted.error().message;
  auto got = run<std::string>([&](s3::Client& c) { return c.get_object(bucket_, ""); });
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::usage);
  auto head = run<s3::ObjectHead>([&](s3::Client& c) { return c.head_object("", "x"); });
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().kind, ErrorKind::usage);
  auto copied =
      run<std::string>([&](s3::Client& c) { return c.copy_object(bucket_, "", bucket_, "y"); });
  ASSERT_FALSE(copied);
  EXPECT_EQ(copied.error().kind, ErrorKind::usage);
  // A DeleteObjects listing the empty key (the server failed the whole request, 400).
  auto batch = run<std::vector<s3::DeleteFailure>>([&](s3::Client& c) {
    return c.delete_objects(bucket_, {"a", ""});
  });
  ASSERT_FALSE(batch);
  EXPECT_EQ(batch.error().kind, ErrorKind::usage);
  EXPECT_NE(batch.error().message.find("an empty key in the list"), std::string::npos)
      << batch.error().message;
  EXPECT_EQ(shared_->stats.total_attempts(), sent_before);
  // The bucket is still there.
  auto listed = run<bool>([&](s3::Client& c) { return c.holds_any_object(bucket_, ""); });
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_FALSE(*listed);
}

TEST_F(ClientLive, MissingBucketIsSaidOnlyForABucketThatIsMissing) {
  using Missing = std::optional<Error>;
  auto probe = [&](std::string bucket) {
    return exec::run_once<Missing>(*shared_, [bucket](s3::Client& c) -> awaitable<Result<Missing>> {
      co_return co_await c.missing_bucket(bucket);
    });
  };
  // Present, even empty: no error, whatever lies (or not) in it.
  auto present = probe(bucket_);
  ASSERT_TRUE(present);
  EXPECT_FALSE(*present) << (*present)->message;
  // Missing: the server's own NoSuchBucket, which callers show as it is.
  auto missing = probe(unique_bucket("never-made"));
  ASSERT_TRUE(missing);
  ASSERT_TRUE(*missing);
  EXPECT_EQ((*missing)->s3_code, "NoSuchBucket");
  EXPECT_EQ((*missing)->http_status, 404u);
  EXPECT_EQ(shared_->stats[s3::Op::list_objects].attempts.load(), 2u);
}

TEST_F(ClientLive, HoldsAnyObjectSeesKeysAndWithVersionsTheirMarkersToo) {
  auto holds = [&](const std::string& prefix, bool versions) {
    auto held =
        run<bool>([&](s3::Client& c) { return c.holds_any_object(bucket_, prefix, versions); });
    EXPECT_TRUE(held) << held.error().message;
    return held && *held;
  };
  EXPECT_FALSE(holds("", false));
  auto put = run<std::string>([&](s3::Client& c) { return c.put_object(bucket_, "p/a", "x"); });
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_TRUE(holds("p/", false));
  EXPECT_TRUE(holds("p", false));
  EXPECT_FALSE(holds("q/", false));
  // Deleted in a versioned bucket: no object, but a version and a marker.
  auto versioning =
      run<void>([&](s3::Client& c) { return c.put_bucket_versioning(bucket_, "Enabled"); });
  ASSERT_TRUE(versioning) << versioning.error().message;
  auto marked = run<void>([&](s3::Client& c) { return c.delete_object(bucket_, "p/a"); });
  ASSERT_TRUE(marked) << marked.error().message;
  EXPECT_FALSE(holds("p/", false));
  EXPECT_TRUE(holds("p/", true));
  EXPECT_FALSE(holds("q/", true));
  auto missing = run<bool>(
      [&](s3::Client& c) { return c.holds_any_object(unique_bucket("never-made"), "", false); });
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().s3_code, "NoSuchBucket");
}

TEST_F(ClientLive, ListBucketsHasTheNewBucketWithItsCreationDate) {
  auto buckets = run<std::vector<s3::BucketInfo>>([](s3::Client& c) { return c.list_buckets(); });
  ASSERT_TRUE(buckets) << buckets.error().message;
  int found = 0;
  for (const auto& b : *buckets) {
    if (b.name != bucket_) continue;
    ++found;
    // "2026-12-01T12:25:01.710Z"
    EXPECT_GE(b.creation_date.size(), 20u) << b.creation_date;
    EXPECT_EQ(b.creation_date.substr(10, 1), "T") << b.creation_date;
  }
  EXPECT_EQ(found, 1);
  EXPECT_TRUE(std::is_sorted(buckets->begin(), buckets->end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
  EXPECT_EQ(shared_->stats[s3::Op::list_buckets].attempts.load(), 1u);
}

TEST_F(ClientLive, ListPagesWithDelimiterAndDeletePrefix) {
  seed_objects(*shared_, bucket_, "p/a/", 250);
  seed_objects(*shared_, bucket_, "p/b/", 3);
  auto level = run<s3::ListPage>([&](s3::Client& c) {
    s3::ListParams params;
    params.bucket = bucket_;
    params.prefix = "p/";
    params.delimiter = "/";
    return c.list_objects_v2(params);
  });
  ASSERT_TRUE(level) << level.error().message;
  EXPECT_EQ(level->common_prefixes, (std::vector<std::string>{"p/a/", "p/b/"}));
  EXPECT_TRUE(level->objects.empty());

  EXPECT_EQ(list_all(*shared_, bucket_, "p/").size(), 253u);
  auto deleted =
      run<std::uint64_t>([&](s3::Client& c) { return jobs::delete_prefix(c, bucket_, "p/a/"); });
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_EQ(*deleted, 250u);
  EXPECT_EQ(list_all(*shared_, bucket_, "p/").size(), 3u);
}

// DeleteObject takes the keys a DeleteObjects body cannot (a control
// character), and a key already gone is no error; delete_prefix uses it for
// exactly those keys and batches the rest.
TEST_F(ClientLive, DeleteObjectTakesAnyKeyAndDeletePrefixAKeyXmlCannotCarry) {
  const std::string odd = std::string("q/ctrl\x01") + "x";
  for (const std::string& key : {odd, std::string("q/plain"), std::string("q/ctrl\x02y")}) {
    auto put = run<std::string>([&](s3::Client& c) { return c.put_object(bucket_, key, "x"); });
    ASSERT_TRUE(put) << put.error().message;
  }
  auto one = run<void>([&](s3::Client& c) { return c.delete_object(bucket_, odd); });
  ASSERT_TRUE(one) << one.error().message;
  auto again = run<void>([&](s3::Client& c) { return c.delete_object(bucket_, odd); });
  EXPECT_TRUE(again) << again.error().message;
  EXPECT_EQ(list_all(*shared_, bucket_, "q/").size(), 2u);
  auto deleted =
      run<std::uint64_t>([&](s3::Client& c) { return jobs::delete_prefix(c, bucket_, "q/"); });
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_EQ(*deleted, 2u);
  EXPECT_EQ(list_all(*shared_, bucket_, "q/").size(), 0u);
}

// In a versioned bucket: every version and delete marker under the prefix
// goes, a page after another (radosgw loses its place after a marker whose
// version was deleted: each page is listed from the start), keys XML cannot
// carry included; nothing beside the prefix is touched.
TEST_F(ClientLive, DeletePrefixVersionsDeletesEveryVersionAndMarkerPageByPage) {
  auto versioning =
      run<void>([&](s3::Client& c) { return c.put_bucket_versioning(bucket_, "Enabled"); });
  ASSERT_TRUE(versioning) << versioning.error().message;
  auto status = run<std::string>([&](s3::Client& c) { return c.bucket_versioning(bucket_); });
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, "Enabled");

  const std::vector<std::string> keys = {"v/a b+c",       "v/ctrl\x01x", "v/d//e/",
                                         "v/t\xC3\xA9%~", "v/z",         "w/keep"};
  for (const auto& key : keys) {
    for (const char* body : {"one", "two"}) {
      auto put = run<std::string>([&](s3::Client& c) { return c.put_object(bucket_, key, body); });
      ASSERT_TRUE(put) << put.error().message;
    }
  }
  // A delete marker on top of one of them.
  auto marked = run<void>([&](s3::Client& c) { return c.delete_object(bucket_, "v/z"); });
  ASSERT_TRUE(marked) << marked.error().message;

  auto versions_under = [&](const std::string& prefix) {
    auto page = run<s3::VersionsPage>([&](s3::Client& c) {
      s3::ListVersionsParams params;
      params.bucket = bucket_;
      params.prefix = prefix;
      return c.list_object_versions(params);
    });
    EXPECT_TRUE(page) << page.error().message;
    return page ? *page : s3::VersionsPage{};
  };
  const auto listed = versions_under("v/");
  ASSERT_EQ(listed.versions.size(), 11u);  // 5 keys x 2 versions + 1 marker
  EXPECT_EQ(std::count_if(listed.versions.begin(), listed.versions.end(),
                          [](const s3::ObjectVersion& v) { return v.delete_marker; }),
            1);
  EXPECT_EQ(listed.versions.front().key, "v/a b+c");  // decoded

  auto deleted = run<std::uint64_t>(
      [&](s3::Client& c) { return jobs::delete_prefix_versions(c, bucket_, "v/", 3); });
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_EQ(*deleted, 11u);
  EXPECT_TRUE(versions_under("v/").versions.empty());
  EXPECT_EQ(versions_under("w/").versions.size(), 2u);
  // Versioning cannot be turned off again: suspended, the bucket's
  // cleanup then deletes the rest.
  auto suspended =
      run<void>([&](s3::Client& c) { return c.put_bucket_versioning(bucket_, "Suspended"); });
  ASSERT_TRUE(suspended) << suspended.error().message;
  // A page size outside S3's [1, 1000] is the nearest of those (0 divided by zero: SIGFPE;
  // 100,000 gave up after two of the server's 1,000-version pages).
  auto rest = run<std::uint64_t>(
      [&](s3::Client& c) { return jobs::delete_prefix_versions(c, bucket_, "", 0); });
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_EQ(*rest, 2u);
}

// A library user's mistakes with list_keys and SelectJob (a review's findings): a page size
// of 0 listed nothing and said success; a select whose output callback threw ended the
// process (std::terminate, from a destructor); finish() wrote an aggregate over a run that
// never ran, wrote it twice, and ignored a refused write; a plan made with another chunk size
// answered over part of the object.
TEST_F(ClientLive, LibraryMisuseOfListingAndSelectIsAnErrorNotACrashOrAWrongAnswer) {
  for (const char* key : {"s/a", "s/b", "s/c"}) {
    ASSERT_TRUE(run<std::string>([&](s3::Client& c) { return c.put_object(bucket_, key, "x"); }));
  }
  std::vector<std::string> listed;
  auto all = run<void>([&](s3::Client& c) -> awaitable<Result<void>> {
    jobs::KeyListing keys;
    keys.bucket = bucket_;
    keys.prefix = "s/";
    keys.concurrency = 1;
    keys.page_size = 0;
    co_return co_await jobs::list_keys(c, keys,
                                       [&](std::vector<s3::ObjectInfo>& page) -> awaitable<bool> {
                                         for (const auto& o : page) listed.push_back(o.key);
                                         co_return true;
                                       });
  });
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(listed, (std::vector<std::string>{"s/a", "s/b", "s/c"}));

  std::string csv = "id,v\n";
  for (int i = 1; i <= 200; ++i) csv += fmt::format("{},{}\n", i, i % 7);
  ASSERT_TRUE(run<std::string>([&](s3::Client& c) { return c.put_object(bucket_, "t.csv", csv); }));
  jobs::SelectOptions options;
  options.location = {bucket_, "t.csv"};
  options.engine = jobs::SelectEngine::local;
  options.chunk_size = 256;
  auto plan_for = [&](const jobs::SelectOptions& o) {
    return run<jobs::SelectPlan>([&](s3::Client& c) { return jobs::plan_select(c, o); });
  };
  auto run_select = [&](jobs::SelectJob& job) {
    return exec::make_strategy({}).value()->run(job, *shared_);
  };

  options.expression = "SELECT id FROM S3Object";
  int calls = 0;
  options.on_output = [&](std::string_view) -> bool {
    if (++calls == 2) throw std::runtime_error("boom");
    return true;
  };
  auto plan = plan_for(options);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_GT(plan->ranges, 3u);
  auto job = jobs::SelectJob::create(options, *plan).value();
  run_select(*job);
  auto finished = job->finish();
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().message,
            "internal error: the output callback (on_output or on_range) threw: boom");
  EXPECT_EQ(calls, 2);

  options.expression = "SELECT COUNT(*) FROM S3Object";
  std::string out;
  options.on_output = [&](std::string_view bytes) {
    out += bytes;
    return true;
  };
  plan = plan_for(options);
  ASSERT_TRUE(plan) << plan.error().message;
  auto never_run = jobs::SelectJob::create(options, *plan).value();
  auto unanswered = never_run->finish();
  ASSERT_FALSE(unanswered);
  EXPECT_EQ(unanswered.error().kind, ErrorKind::cancelled);
  EXPECT_EQ(out, "");
  auto counted = jobs::SelectJob::create(options, *plan).value();
  run_select(*counted);
  ASSERT_TRUE(counted->finish());
  EXPECT_EQ(out, "200\n");
  auto again = counted->finish();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::usage);
  EXPECT_EQ(out, "200\n");

  options.on_output = [](std::string_view) { return false; };
  auto refused = jobs::SelectJob::create(options, *plan).value();
  run_select(*refused);
  EXPECT_TRUE(refused->finish());
  EXPECT_TRUE(refused->output_failed());

  options.chunk_size = 4096;  // the plan's ranges are 256 bytes
  auto mismatched = jobs::SelectJob::create(options, *plan);
  ASSERT_FALSE(mismatched);
  EXPECT_EQ(mismatched.error().kind, ErrorKind::usage);
}

// With a CPU runner (the async-pool strategy's worker pool), a reply big
// enough to be worth the hand-over -- a listing page -- is parsed through it;
// a small one -- a CopyObject result, an empty listing -- in place.
TEST_F(ClientLive, OnlyRepliesWorthTheHandOverAreParsedByTheCpuRunner) {
  seed_objects(*shared_, bucket_, "many/", 200);
  auto put = run<std::string>([&](s3::Client& c) { return c.put_object(bucket_, "one", "x"); });
  ASSERT_TRUE(put) << put.error().message;

  boost::asio::io_context context;
  s3::Client client(context.get_executor(), *shared_);
  int handed_over = 0;
  client.set_cpu_runner([&](std::function<void()> work) -> awaitable<void> {
    ++handed_over;
    work();
    co_return;
  });
  std::vector<int> after;  // handed_over after each request
  std::string failure;
  boost::asio::co_spawn(
      context,
      [&]() -> awaitable<void> {
        s3::ListParams params;
        params.bucket = bucket_;
        params.prefix = "many/";
        auto page = co_await client.list_objects_v2(params);  // 200 keys: > 16 KiB
        if (!page || page->objects.size() != 200) failure += "listing of many/; ";
        after.push_back(handed_over);
        params.prefix = "none/";
        auto empty = co_await client.list_objects_v2(params);
        if (!empty || !empty->objects.empty()) failure += "listing of none/; ";
        after.push_back(handed_over);
        auto copied = co_await client.copy_object(bucket_, "one", bucket_, "two");
        if (!copied) failure += "copy: " + copied.error().message;
        after.push_back(handed_over);
      },
      boost::asio::detached);
  context.run();
  EXPECT_EQ(failure, "");
  EXPECT_EQ(after, (std::vector<int>{1, 1, 1}));
}

// An abort whose first reply was lost is retried and answered NoSuchUpload:
// the upload is gone, so the abort worked -- said apart from an abort (a
// resumed copy counted uploads completed before a kill as "aborted"). A
// refusal for another reason stays an error.
TEST_F(ClientLive, AbortingAnUploadAlreadyGoneIsNoError) {
  auto created = run<s3::CreatedUpload>(
      [&](s3::Client& c) { return c.create_multipart_upload(bucket_, "mp/k", {}); });
  ASSERT_TRUE(created) << created.error().message;
  const std::string id = created->upload_id;
  auto abort = [&](const std::string& bucket) {
    return run<bool>([&](s3::Client& c) { return c.abort_multipart_upload(bucket, "mp/k", id); });
  };
  auto first = abort(bucket_);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(*first);  // aborted
  auto again = abort(bucket_);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(*again);  // gone already
  auto elsewhere = abort(unique_bucket("missing"));
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().s3_code, "NoSuchBucket") << elsewhere.error().message;
}

// The gate of a stopping adaptive run: never any room.
class StoppingGate final : public s3::AttemptGate {
 public:
  awaitable<std::optional<std::uint64_t>> enter() override {
    ++refused;
    co_return std::nullopt;
  }
  void leave(std::uint64_t, s3::AttemptReply) override { ++left; }
  int refused = 0;
  int left = 0;
};

TEST_F(ClientLive, AStoppingRunStillAbortsItsUploadsAndSendsNothingElse) {
  auto created = run<s3::CreatedUpload>(
      [&](s3::Client& c) { return c.create_multipart_upload(bucket_, "mp/stop", {}); });
  ASSERT_TRUE(created) << created.error().message;
  StoppingGate gate;
  shared_->attempt_gate = &gate;
  // Not left pointing at the gate when an assertion below returns early.
  const std::unique_ptr<s3::ClientShared, void (*)(s3::ClientShared*)> ungate(
      shared_.get(), [](s3::ClientShared* shared) { shared->attempt_gate = nullptr; });
  auto head = run<s3::ObjectHead>([&](s3::Client& c) { return c.head_object(bucket_, "mp/x"); });
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().kind, ErrorKind::cancelled) << head.error().message;
  auto abort = run<bool>([&](s3::Client& c) {
    return c.abort_multipart_upload(bucket_, "mp/stop", created->upload_id);
  });
  shared_->attempt_gate = nullptr;  // the check below is no request of the stopping run
  EXPECT_TRUE(abort) << abort.error().message;
  EXPECT_EQ(gate.refused, 2);
  EXPECT_EQ(gate.left, 0);  // no room was taken, none is given back
  auto open = run<std::vector<s3::MultipartUpload>>(
      [&](s3::Client& c) { return c.list_multipart_uploads(bucket_, "mp/"); });
  ASSERT_TRUE(open) << open.error().message;
  EXPECT_TRUE(open->empty()) << open->size() << " upload(s) left open";
}

TEST_F(ClientLive, ASecondConnectionResumesTheTlsSession) {
  auto list = [&](s3::Client& c) {
    s3::ListParams params;
    params.bucket = bucket_;
    return c.list_objects_v2(params);
  };
  // Each run_once has its own client and connection pool, so its own
  // connection; the TLS context (and its sessions) is shared.
  ASSERT_TRUE(run<s3::ListPage>(list));
  ASSERT_TRUE(run<s3::ListPage>(list));
  EXPECT_EQ(shared_->net_counters.tls_handshakes.load(), 3u);  // SetUp's, and these two
  EXPECT_GE(shared_->net_counters.tls_resumed.load(), 2u);
}

// Connections opened side by side all offer the one cached session. OpenSSL
// marks a session it was handed "not resumable" during some handshakes; were
// the cache's own copy handed out, one connection could spoil it for all the
// others (here 116 to 268 of 271 resumed in a copy at C=256 before the fix).
TEST_F(ClientLive, ConcurrentConnectionsAllResumeTheCachedSession) {
  // SetUp's connection cached a session.
  const auto handshakes_before = shared_->net_counters.tls_handshakes.load();
  const auto resumed_before = shared_->net_counters.tls_resumed.load();
  constexpr int kConnections = 48;
  auto listed = run<int>([&](s3::Client& c) -> awaitable<Result<int>> {
    const auto executor = co_await boost::asio::this_coro::executor;
    int done = 0;
    int failed = 0;
    boost::asio::steady_timer all_done(executor, std::chrono::steady_clock::time_point::max());
    for (int i = 0; i < kConnections; ++i) {
      boost::asio::co_spawn(
          executor,
          [&]() -> awaitable<void> {
            s3::ListParams params;
            params.bucket = bucket_;
            if (!co_await c.list_objects_v2(params)) ++failed;
            if (++done == kConnections) all_done.cancel();
          },
          boost::asio::detached);
    }
    co_await all_done.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return failed;
  });
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(*listed, 0);
  const auto opened = shared_->net_counters.tls_handshakes.load() - handshakes_before;
  EXPECT_EQ(opened, static_cast<std::uint64_t>(kConnections));  // all at once: one each
  EXPECT_EQ(shared_->net_counters.tls_resumed.load() - resumed_before, opened);
}

// A listener that accepts TCP connections (the kernel does, from its
// backlog) but never says a word: TLS handshakes and replies never come.
class SilentServer {
 public:
  SilentServer() : acceptor_(context_, {boost::asio::ip::address_v4::loopback(), 0}) {}
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  boost::asio::io_context context_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

// Trust through a directory of certificates under their subject-hash names
// (the shape of the system's /etc/ssl/certs), looked up as the chain needs
// them: the local CA found there verifies; a directory without it fails
// with an error naming where trust came from.
TEST(TlsTrustLive, HashedCaDirectoryIsLookedUpDuringTheHandshake) {
  const char* bundle = std::getenv("AWS_CA_BUNDLE");
  ASSERT_NE(bundle, nullptr) << "run through scripts/test.sh, which starts the local server";
  std::unique_ptr<FILE, int (*)(FILE*)> pem(std::fopen(bundle, "r"), &std::fclose);
  ASSERT_NE(pem, nullptr);
  std::unique_ptr<X509, void (*)(X509*)> ca(PEM_read_X509(pem.get(), nullptr, nullptr, nullptr),
                                            &X509_free);
  ASSERT_NE(ca, nullptr);
  const test_support::TempDir root("s3loop-cadir");
  const auto with_ca = root.path() / "with", without_ca = root.path() / "without";
  std::filesystem::create_directories(with_ca);
  std::filesystem::create_directories(without_ca);
  const std::string hashed = fmt::format("{:08x}.0", X509_subject_name_hash(ca.get()));
  std::filesystem::copy_file(bundle, with_ca / hashed);
  // A hash-named file that is no certificate at all: nothing here signed the server's.
  std::ofstream(without_ca / "00000000.0") << "not a certificate\n";

  const std::string bucket = unique_bucket("cadir");
  {
    auto shared = live_client_shared();
    ASSERT_NE(shared, nullptr);
    auto created =
        exec::run_once<void>(*shared, [&](s3::Client& c) { return c.create_bucket(bucket); });
    ASSERT_TRUE(created) << created.error().message;
  }
  auto list_with = [&](const std::filesystem::path& dir) {
    auto shared = live_client_shared();
    if (!shared) return Result<s3::ListPage>(make_error(ErrorKind::usage, "no server"));
    net::TlsOptions tls;
    tls.ca_directory = dir.string();
    auto context = net::TlsContext::create(tls);
    if (!context) return Result<s3::ListPage>(context.error());
    shared->tls = *context;
    return exec::run_once<s3::ListPage>(*shared, [&](s3::Client& c) {
      s3::ListParams params;
      params.bucket = bucket;
      return c.list_objects_v2(params);
    });
  };
  auto trusted = list_with(with_ca);
  ASSERT_TRUE(trusted) << trusted.error().message;
  auto untrusted = list_with(without_ca);
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().kind, ErrorKind::tls) << untrusted.error().message;
  EXPECT_NE(untrusted.error().message.find("trusting the CA directory " + without_ca.string()),
            std::string::npos)
      << untrusted.error().message;
}

// A plain-HTTP server that answers every request on one connection with
// the next scripted reply, written in the given pieces with a pause between
// them, so the client sees a body arrive whole with its header, or split.
class ScriptedServer {
 public:
  using Reply = std::vector<std::string>;  // written piece by piece
  explicit ScriptedServer(std::vector<Reply> replies)
      : acceptor_(context_, {boost::asio::ip::address_v4::loopback(), 0}),
        thread_([this, replies = std::move(replies)] { serve(replies); }) {}
  ~ScriptedServer() {
    // A client that never connected (a test failing early, a request refused
    // before it was sent) leaves serve() blocked in accept, which closing the
    // acceptor does not wake on Linux: one connection of our own, closed at
    // once, ends it (serve() reads its end and returns).
    boost::system::error_code ignored;
    boost::asio::ip::tcp::socket wake(context_);
    wake.connect(acceptor_.local_endpoint(ignored), ignored);
    wake.close(ignored);
    thread_.join();
    acceptor_.close(ignored);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void serve(const std::vector<Reply>& replies) {
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket socket(context_);
    acceptor_.accept(socket, ec);
    if (ec) return;
    std::string pending;
    for (const Reply& reply : replies) {
      // Wait for a whole request header (these requests carry no body).
      while (pending.find("\r\n\r\n") == std::string::npos) {
        char buf[4096];
        const std::size_t n = socket.read_some(boost::asio::buffer(buf), ec);
        if (ec) return;
        pending.append(buf, n);
      }
      pending.erase(0, pending.find("\r\n\r\n") + 4);
      for (const std::string& piece : reply) {
        boost::asio::write(socket, boost::asio::buffer(piece), ec);
        if (ec) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
      }
    }
    char drain[64];
    socket.read_some(boost::asio::buffer(drain), ec);  // until the client closes
  }

  boost::asio::io_context context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

// A client of a scripted or silent server on this machine: made-up
// credentials, one attempt per request (tests change what they need).
s3::ClientShared& loopback_client(s3::ClientShared& shared, std::uint16_t port,
                                  const char* scheme = "http") {
  shared.options.endpoint =
      *net::parse_endpoint_url(fmt::format("{}://127.0.0.1:{}", scheme, port));
  shared.options.credentials = {"AKID", "SECRET", ""};
  shared.options.retry.max_attempts = 1;
  shared.tls = *net::TlsContext::create({});
  return shared;
}

std::string chunked(std::string_view body, std::size_t chunk_size) {
  std::string out;
  for (std::size_t at = 0; at < body.size(); at += chunk_size) {
    const auto piece = body.substr(at, chunk_size);
    out += fmt::format("{:x}\r\n{}\r\n", piece.size(), piece);
  }
  return out + "0\r\n\r\n";
}

constexpr std::string_view kChunkedOk =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n";

// The helper itself: a test whose client never connects must still end (it
// waited in accept until ctest's timeout killed the whole binary).
TEST(ScriptedServerHelper, EndsWhenItsClientNeverConnects) {
  const auto started = std::chrono::steady_clock::now();
  { ScriptedServer server({{std::string("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")}}); }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

// Chunked bodies are parsed in place when they came with their header and
// read on when they did not; both must yield the same bytes, on one
// connection, reply after reply.
TEST(ChunkedReplies, WholeSplitAndLongBodiesArriveIntact) {
  const std::string long_body = pattern(200 * 1024 + 13);
  const std::string long_chunked = chunked(long_body, 7000);
  std::vector<ScriptedServer::Reply> replies = {
      // Header and whole body in one write.
      {std::string(kChunkedOk) + chunked("hello, world", 5)},
      // The header alone, then the body split inside a chunk's data and
      // inside the last chunk's size line.
      {std::string(kChunkedOk), "5\r\nhel", "lo\r\n6\r\n world\r\n", "0\r", "\n\r\n"},
      // Header with part of a long body, the rest in two more writes.
      {std::string(kChunkedOk) + long_chunked.substr(0, 1000), long_chunked.substr(1000, 90000),
       long_chunked.substr(91000)},
  };
  ScriptedServer server(std::move(replies));
  s3::ClientShared shared;
  loopback_client(shared, server.port());
  auto bodies = exec::run_once<std::vector<std::string>>(
      shared, [](s3::Client& c) -> awaitable<Result<std::vector<std::string>>> {
        std::vector<std::string> got;
        for (int i = 0; i < 3; ++i) {
          auto body = co_await c.get_object("b", "k" + std::to_string(i));
          if (!body) co_return body.error();
          got.push_back(std::move(*body));
        }
        co_return got;
      });
  ASSERT_TRUE(bodies) << bodies.error().message;
  ASSERT_EQ(bodies->size(), 3u);
  EXPECT_EQ((*bodies)[0], "hello, world");
  EXPECT_EQ((*bodies)[1], "hello world");
  EXPECT_EQ((*bodies)[2], long_body);
  EXPECT_EQ(shared.net_counters.connections.load(), 1u);  // kept alive throughout
}

// A bucket already ours is an error to create (`s3loop mb`, as `aws s3 mb`),
// and what was wanted to ensure (radosgw answers 200 here; AWS outside
// us-east-1 answers 409 BucketAlreadyOwnedByYou, scripted).
TEST(BucketCreation, ABucketAlreadyOursFailsCreateButPassesEnsure) {
  const std::string owned =
      "HTTP/1.1 409 Conflict\r\nContent-Type: application/xml\r\nContent-Length: 64\r\n\r\n"
      "<Error><Code>BucketAlreadyOwnedByYou</Code><Message/></Error>\n\n\n";
  // One server each: a connection that carried an error reply is not reused.
  ScriptedServer first({{owned}});
  s3::ClientShared shared;
  loopback_client(shared, first.port());
  shared.options.timeouts.first_byte = std::chrono::seconds(10);
  auto created =
      exec::run_once<void>(shared, [](s3::Client& c) { return c.create_bucket("mine"); });
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().message,
            "bucket 'mine' already exists, and is yours (BucketAlreadyOwnedByYou)");
  ScriptedServer second({{owned}});
  s3::ClientShared again;
  loopback_client(again, second.port());
  again.options.timeouts.first_byte = std::chrono::seconds(10);
  auto ensured = exec::run_once<void>(again, [](s3::Client& c) { return c.ensure_bucket("mine"); });
  EXPECT_TRUE(ensured) << ensured.error().message;
}

// A server that reads a request's body slowly (a read every 20 ms, through a
// 64 KiB receive buffer: ~4 MB/s), then answers 200 with an ETag.
class SlowReadingServer {
 public:
  SlowReadingServer() : acceptor_(context_, {boost::asio::ip::address_v4::loopback(), 0}) {
    acceptor_.set_option(boost::asio::socket_base::receive_buffer_size(64 * 1024));
    thread_ = std::thread([this] { serve(); });
  }
  ~SlowReadingServer() {
    boost::system::error_code ignored;
    boost::asio::ip::tcp::socket wake(context_);  // as ScriptedServer's
    wake.connect(acceptor_.local_endpoint(ignored), ignored);
    wake.close(ignored);
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::size_t body_read() const { return body_read_.load(); }

 private:
  void serve() {
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket socket(context_);
    acceptor_.accept(socket, ec);
    if (ec) return;
    std::string head;
    std::vector<char> buf(256 * 1024);
    while (head.find("\r\n\r\n") == std::string::npos) {
      const std::size_t n = socket.read_some(boost::asio::buffer(buf.data(), 1), ec);
      if (ec) return;
      head.append(buf.data(), n);
    }
    const std::size_t at = head.find("Content-Length: ");
    if (at == std::string::npos) return;
    std::size_t left = std::stoul(head.substr(at + 16));
    while (left > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const std::size_t n =
          socket.read_some(boost::asio::buffer(buf.data(), std::min(left, buf.size())), ec);
      if (ec) return;
      left -= n;
      body_read_ += n;
    }
    const std::string reply = "HTTP/1.1 200 OK\r\nETag: \"e\"\r\nContent-Length: 0\r\n\r\n";
    boost::asio::write(socket, boost::asio::buffer(reply), ec);
    socket.read_some(boost::asio::buffer(buf), ec);  // until the client closes
  }

  boost::asio::io_context context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<std::size_t> body_read_{0};
};

// The write deadline is on progress: a body the server takes slowly, but
// steadily, goes however long it takes. One deadline for the whole request
// failed every attempt of a body the link could not carry within it, and the
// message said the server "took no data".
TEST(Deadlines, ABodyTakenSlowlyButSteadilyIsNotTimedOut) {
  SlowReadingServer server;
  s3::ClientShared shared;
  loopback_client(shared, server.port());
  // (The kernel says a socket has room once a third of its send buffer is
  // free: up to 4 MiB here, ~0.3 s at this pace, 2 s leaves room for a loaded
  // machine; the whole body takes ~6 s.)
  shared.options.timeouts.write = std::chrono::milliseconds(2000);
  const std::string body(24 * 1024 * 1024, 'x');
  const auto started = std::chrono::steady_clock::now();
  auto put = exec::run_once<std::string>(
      shared, [&](s3::Client& c) { return c.put_object("b", "k", body); });
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(*put, "e");
  EXPECT_EQ(server.body_read(), body.size());
  // Longer than the write deadline twice over, or the test proves nothing.
  EXPECT_GE(took, std::chrono::milliseconds(4000));
}

// An error reply is held whole for its message, up to 1 MiB: a longer one
// (a proxy's page, a server streaming junk) is cut there and its connection
// closed, so a request in flight holds no more, whatever the server sends.
TEST(ErrorReplies, ALongErrorBodyIsCutAtOneMebibyte) {
  const std::string junk(3 * 1024 * 1024, 'e');
  const std::string status = "HTTP/1.1 500 Internal Server Error\r\n";
  ScriptedServer with_length(
      {{status + "Content-Length: " + std::to_string(junk.size()) + "\r\n\r\n", junk}});
  ScriptedServer with_chunks(
      {{status + "Transfer-Encoding: chunked\r\n\r\n", chunked(junk, 100'000)}});
  for (const std::uint16_t port : {with_length.port(), with_chunks.port()}) {
    SCOPED_TRACE(port == with_length.port() ? "Content-Length" : "chunked");
    boost::asio::io_context loop;
    net::Counters counters;
    net::ConnectionPool pool(loop.get_executor(),
                             *net::parse_endpoint_url(fmt::format("http://127.0.0.1:{}", port)),
                             nullptr, net::Timeouts{}, counters);
    std::optional<Result<net::Response>> got;
    boost::asio::co_spawn(
        loop,
        [&]() -> awaitable<void> {
          net::Request request;
          request.method = "GET";
          request.host = "127.0.0.1";
          request.target = "/b/k";
          request.action = "GetObject s3://b/k";
          got = co_await pool.send(request);
        },
        boost::asio::detached);
    loop.run_for(std::chrono::seconds(30));
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(got->has_value()) << got->error().message;
    EXPECT_EQ((*got)->status, 500u);
    EXPECT_EQ((*got)->body.size(), std::size_t{1} << 20);
  }
}

// Connection after connection, each answering its requests with the next
// replies of its script; an empty reply closes the connection once the
// request is read, unanswered (a kept-alive connection the server closed
// under a request it may have carried out).
class ConnectionsServer {
 public:
  explicit ConnectionsServer(std::vector<std::vector<std::string>> scripts)
      : acceptor_(context_, {boost::asio::ip::address_v4::loopback(), 0}),
        thread_([this, scripts = std::move(scripts)] {
          for (const auto& script : scripts) {
            if (!serve(script)) return;
          }
        }) {}
  ~ConnectionsServer() {
    boost::system::error_code ignored;
    boost::asio::ip::tcp::socket wake(context_);  // as ScriptedServer's
    wake.connect(acceptor_.local_endpoint(ignored), ignored);
    wake.close(ignored);
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  bool serve(const std::vector<std::string>& script) {
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket socket(context_);
    acceptor_.accept(socket, ec);
    if (ec) return false;
    std::string pending;
    for (const std::string& reply : script) {
      while (pending.find("\r\n\r\n") == std::string::npos) {
        char buf[4096];
        const std::size_t n = socket.read_some(boost::asio::buffer(buf), ec);
        if (ec) return false;
        pending.append(buf, n);
      }
      pending.erase(0, pending.find("\r\n\r\n") + 4);
      if (reply.empty()) return true;  // closed, unanswered
      boost::asio::write(socket, boost::asio::buffer(reply), ec);
      if (ec) return false;
    }
    return true;
  }

  boost::asio::io_context context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

// A CreateMultipartUpload sent on a kept-alive connection the server closed
// with no reply, then resent by the pool on a fresh one, may have opened an
// upload the first time: it counts as two attempts, so that a copy looks for
// the lost one's upload (as after a retry), where it said one.
TEST(StaleConnections, AResentCreateCountsAsTwoAttempts) {
  const std::string initiated =
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u2</UploadId>"
      "</InitiateMultipartUploadResult>";
  ConnectionsServer server({{"HTTP/1.1 200 OK\r\nETag: \"e\"\r\nContent-Length: 0\r\n\r\n", ""},
                            {"HTTP/1.1 200 OK\r\nContent-Length: " +
                             std::to_string(initiated.size()) + "\r\n\r\n" + initiated}});
  s3::ClientShared shared;
  loopback_client(shared, server.port());
  auto created = exec::run_once<s3::CreatedUpload>(
      shared, [](s3::Client& c) -> awaitable<Result<s3::CreatedUpload>> {
        auto head = co_await c.head_object("b", "k");
        if (!head) co_return head.error();
        co_return co_await c.create_multipart_upload("b", "k", {});
      });
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->upload_id, "u2");
  EXPECT_EQ(created->attempts, 2);
  EXPECT_EQ(shared.net_counters.stale_reconnects.load(), 1u);
}

// Every run starts with a whole retry budget of the shared struct's capacity
// (a review found a second job on one ClientShared starting with what the first
// had spent: none of its 503s retried, "the job's retry budget is spent").
class HeadsOneKeyJob final : public exec::Job {
 public:
  awaitable<Result<void>> produce(s3::Client&, const exec::Emit& emit) override {
    exec::WorkItem item;
    item.object.key = "k";
    co_await emit(std::move(item));
    co_return Result<void>();
  }
  awaitable<Result<std::uint64_t>> process(exec::WorkerContext& context,
                                           const exec::WorkItem& item) override {
    auto head = co_await context.client().head_object("b", item.object.key);
    if (!head) co_return head.error();
    co_return 0;
  }
};

TEST(RetryBudget, EveryRunStartsWithAWholeBudget) {
  const std::string busy = "HTTP/1.1 503 Slow Down\r\nContent-Length: 0\r\n\r\n";
  const std::string found = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nETag: \"e\"\r\n\r\n";
  for (auto kind : {exec::StrategyKind::serial, exec::StrategyKind::async}) {
    SCOPED_TRACE(static_cast<int>(kind));
    // One connection per run: the first run's two attempts both meet a 503,
    // the second run's first attempt too, then a 200.
    ConnectionsServer server({{busy, busy}, {busy, found}});
    s3::ClientShared shared;
    loopback_client(shared, server.port());
    shared.options.retry.max_attempts = 5;
    shared.options.retry.base = std::chrono::milliseconds(1);
    shared.retry_budget.set_capacity(s3::RetryBudget::kRetryCost);  // one retry
    exec::Settings settings;
    settings.kind = kind;
    settings.concurrency = 1;
    {
      HeadsOneKeyJob job;
      const exec::RunReport first = (*exec::make_strategy(settings))->run(job, shared);
      ASSERT_EQ(first.failed, 1u);
      EXPECT_NE(first.failures.at(0).error.message.find("retry budget is spent"), std::string::npos)
          << first.failures.at(0).error.message;
    }
    HeadsOneKeyJob job;
    const exec::RunReport second = (*exec::make_strategy(settings))->run(job, shared);
    EXPECT_EQ(second.succeeded, 1u)
        << (second.failures.empty() ? "" : second.failures[0].error.message);
    EXPECT_EQ(shared.retry_budget.tokens(), s3::RetryBudget::kRetryCost);  // not drawn from
  }
}

// Interim 1xx replies come before the final one, asked for or not: read past,
// never taken for the answer (a 100 passed for success, and mb said it made a
// bucket the 500 after it refused). Split from the final reply or in one write
// with it; the connection is kept for the next request.
TEST(InterimReplies, AreReadPastToTheFinalReply) {
  const std::string error_xml = "<Error><Code>InternalError</Code><Message>m</Message></Error>";
  ScriptedServer server(
      {{"HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"},
       {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n"
        "Content-Length: " +
        std::to_string(error_xml.size()) + "\r\n\r\n" + error_xml}});
  s3::ClientShared shared;
  loopback_client(shared, server.port());
  auto replies = exec::run_once<std::vector<std::string>>(
      shared, [](s3::Client& c) -> awaitable<Result<std::vector<std::string>>> {
        std::vector<std::string> got;
        auto body = co_await c.get_object("b", "k1");
        got.push_back(body ? *body : "error: " + body.error().message);
        body = co_await c.get_object("b", "k2");
        got.push_back(body ? *body : "error: " + body.error().message);
        co_return got;
      });
  ASSERT_TRUE(replies) << replies.error().message;
  ASSERT_EQ(replies->size(), 2u);
  EXPECT_EQ((*replies)[0], "hello");
  EXPECT_TRUE((*replies)[1].starts_with("error: ")) << (*replies)[1];
  EXPECT_NE((*replies)[1].find("InternalError"), std::string::npos) << (*replies)[1];
  EXPECT_EQ(shared.net_counters.connections.load(), 1u);
}

TEST(ChunkedReplies, SplitErrorReplyIsReadWhole) {
  const std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code>"
      "<Message>The specified key does not exist.</Message></Error>";
  const std::string body = chunked(xml, 40);
  ScriptedServer server(
      {{"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n" + body.substr(0, 30),
        body.substr(30)}});
  s3::ClientShared shared;
  loopback_client(shared, server.port());
  auto r =
      exec::run_once<std::string>(shared, [](s3::Client& c) { return c.get_object("b", "k"); });
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("NoSuchKey"), std::string::npos) << r.error().message;
}

TEST(ChunkedReplies, MalformedChunkIsAnErrorNotAHang) {
  ScriptedServer server({{std::string(kChunkedOk) + "zz\r\nhello\r\n0\r\n\r\n"}});
  s3::ClientShared shared;
  loopback_client(shared, server.port());
  shared.options.timeouts.idle_read = std::chrono::milliseconds(2000);
  auto r =
      exec::run_once<std::string>(shared, [](s3::Client& c) { return c.get_object("b", "k"); });
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().kind, ErrorKind::timeout) << r.error().message;
}

TEST(Deadlines, SilentTlsServerTimesOutInTheHandshake) {
  SilentServer silent;
  s3::ClientShared shared;
  loopback_client(shared, silent.port(), "https");
  shared.options.timeouts.handshake = std::chrono::milliseconds(300);
  shared.options.retry.max_attempts = 2;
  shared.options.retry.base = std::chrono::milliseconds(10);
  const auto started = std::chrono::steady_clock::now();
  auto r =
      exec::run_once<std::string>(shared, [](s3::Client& c) { return c.get_object("b", "k"); });
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::timeout) << r.error().message;
  EXPECT_NE(r.error().message.find("TLS handshake"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("gave up after 2 attempts"), std::string::npos);
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_EQ(shared.stats[s3::Op::get_object].retries.load(), 1u);
}

TEST(Deadlines, SilentHttpServerTimesOutWaitingForTheReply) {
  SilentServer silent;
  s3::ClientShared shared;
  loopback_client(shared, silent.port());
  shared.options.timeouts.first_byte = std::chrono::milliseconds(300);
  auto r =
      exec::run_once<s3::ObjectHead>(shared, [](s3::Client& c) { return c.head_object("b", "k"); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::timeout) << r.error().message;
  EXPECT_NE(r.error().message.find("waiting for reply"), std::string::npos) << r.error().message;
}

// A copy whose attempts all went out and got no reply may have been made all
// the same: its error says so (a cp reported failed whose destination is
// there). A read that times out the same way changes nothing and says nothing.
TEST(Deadlines, AnUnansweredCopySaysItMayHaveBeenMade) {
  SilentServer silent;
  s3::ClientShared shared;
  loopback_client(shared, silent.port());
  shared.options.timeouts.first_byte = std::chrono::milliseconds(300);
  shared.options.retry.max_attempts = 2;
  shared.options.retry.base = std::chrono::milliseconds(10);
  auto copy = exec::run_once<std::string>(
      shared, [](s3::Client& c) { return c.copy_object("b", "src", "b", "dst"); });
  ASSERT_FALSE(copy);
  EXPECT_EQ(copy.error().kind, ErrorKind::timeout) << copy.error().message;
  EXPECT_TRUE(copy.error().sent_unanswered);
  EXPECT_NE(copy.error().message.find("gave up after 2 attempts) (an attempt reached the "
                                      "server and its reply was lost: it may have been "
                                      "carried out)"),
            std::string::npos)
      << copy.error().message;
  auto head =
      exec::run_once<s3::ObjectHead>(shared, [](s3::Client& c) { return c.head_object("b", "k"); });
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().message.find("may have been carried out"), std::string::npos)
      << head.error().message;
}

// Ctrl-C while a request waits to be retried ends it as cut off (counted
// interrupted, not failed), keeping what went wrong in its message.
TEST(Deadlines, CtrlCDuringARetryBackOffEndsTheRequestAsCutOff) {
  std::uint16_t port = 0;
  {
    SilentServer closed;  // a free port, closed: every attempt is refused at once
    port = closed.port();
  }
  s3::ClientShared shared;
  loopback_client(shared, port);
  shared.options.retry.max_attempts = 50;
  shared.options.retry.base = std::chrono::milliseconds(500);
  std::atomic<bool> interrupted{false};
  shared.interrupted = &interrupted;
  std::thread ctrl_c([&interrupted] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    interrupted = true;
  });
  auto r =
      exec::run_once<std::string>(shared, [](s3::Client& c) { return c.get_object("b", "k"); });
  ctrl_c.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::cancelled) << r.error().message;
  EXPECT_FALSE(r.error().retryable);
  EXPECT_NE(r.error().message.find("cannot connect to 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("(not retried: interrupted)"), std::string::npos)
      << r.error().message;
}

// A streamed read that broke part way is resumed by its caller: as a retry,
// bounded by --max-attempts and the retry budget, after a back-off, and not
// after Ctrl-C (it resumed 5 times whatever those said, at once).
struct ResumeOutcome {
  int resumes = 0;
  Error stopped_by;
};
ResumeOutcome resume_until_refused(s3::ClientShared& shared, Error broke) {
  ResumeOutcome out;
  auto r = exec::run_once<int>(shared, [&](s3::Client& c) -> boost::asio::awaitable<Result<int>> {
    for (int reads = 1; reads < 100; ++reads) {
      // send() counted the broken read as a failure; a resume takes that back.
      shared.stats[s3::Op::get_object].failures++;
      if (auto stop = co_await c.before_resumed_read(broke, reads)) co_return *stop;
      ++out.resumes;
    }
    co_return 0;
  });
  EXPECT_FALSE(r) << "resumed 99 times";
  if (!r) out.stopped_by = r.error();
  return out;
}

TEST(Deadlines, AReadBrokenPartWayResumesAsARetry) {
  s3::ClientShared shared;
  loopback_client(shared, 1);
  shared.options.retry.base = std::chrono::milliseconds(20);
  const Error reset = make_error(ErrorKind::network, "connection reset by peer");
  {
    shared.options.retry.max_attempts = 3;
    const ResumeOutcome out = resume_until_refused(shared, reset);
    EXPECT_EQ(out.resumes, 2);
    EXPECT_EQ(out.stopped_by.message, "connection reset by peer (gave up after 3 attempts)");
    EXPECT_EQ(shared.stats[s3::Op::get_object].retries.load(), 2u);
    EXPECT_EQ(shared.stats[s3::Op::get_object].failures.load(), 1u);  // the last one only
  }
  {
    shared.options.retry.max_attempts = 1;  // no retries: no resume either
    const ResumeOutcome out = resume_until_refused(shared, reset);
    EXPECT_EQ(out.resumes, 0);
    EXPECT_EQ(out.stopped_by.message, "connection reset by peer");
  }
  {
    shared.options.retry.max_attempts = 50;
    shared.retry_budget.set_capacity(2 * s3::RetryBudget::kRetryCost);
    const auto refusals = shared.stats.budget_refusals.load();
    const ResumeOutcome out = resume_until_refused(shared, reset);
    EXPECT_EQ(out.resumes, 2);
    EXPECT_NE(out.stopped_by.message.find("retry budget is spent"), std::string::npos)
        << out.stopped_by.message;
    EXPECT_EQ(shared.stats.budget_refusals.load(), refusals + 1);
    shared.retry_budget.set_capacity(0);
  }
  {
    // Not transient: not resumed.
    const ResumeOutcome out =
        resume_until_refused(shared, make_error(ErrorKind::protocol, "bad chunk size"));
    EXPECT_EQ(out.resumes, 0);
    EXPECT_EQ(out.stopped_by.message, "bad chunk size");
  }
  {
    std::atomic<bool> interrupted{true};
    shared.interrupted = &interrupted;
    const ResumeOutcome out = resume_until_refused(shared, reset);
    EXPECT_EQ(out.resumes, 0);
    EXPECT_EQ(out.stopped_by.kind, ErrorKind::cancelled);
    shared.interrupted = nullptr;
  }
}

TEST(Deadlines, RefusedConnectionIsANetworkErrorNamingTheEndpoint) {
  std::uint16_t port = 0;
  {
    SilentServer closed;  // take a free port, then close it
    port = closed.port();
  }
  s3::ClientShared shared;
  loopback_client(shared, port, "https");
  auto r =
      exec::run_once<std::string>(shared, [](s3::Client& c) { return c.get_object("b", "k"); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::network);
  EXPECT_NE(r.error().message.find("cannot connect to 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace s3loop::testing
