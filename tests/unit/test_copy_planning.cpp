#include "s3loop/exec/strategy.hpp"
#include "s3loop/jobs/copy_job.hpp"
#include "s3loop/jobs/parallel_list.hpp"
#include "s3loop/s3/client.hpp"

#include "size_parse.hpp"

#include <gtest/gtest.h>

namespace s3loop {
namespace {

// Buckets "a" and "b" are called bkt-a and bkt-b: a bucket name has 3 characters at least,
// and normalise_copy_locations checks the names.
jobs::CopyOptions options(const std::string& src_bucket, std::string src_key,
                          const std::string& dst_bucket, std::string dst_key) {
  jobs::CopyOptions o;
  o.source = {"bkt-" + src_bucket, std::move(src_key)};
  o.destination = {"bkt-" + dst_bucket, std::move(dst_key)};
  return o;
}

// A probe's finding: the journal recorded the listing's ETag while radosgw
// (which ignores x-amz-copy-source-if-match) copied a version written after
// the listing; a source put back as it was was then skipped over the new
// content. A copy that does not repeat a plain listed ETag is checked first.
TEST(CopyPlanning, ACopyWithAnotherEtagMayBeOfAnotherVersion) {
  const std::string listed = "00553198aaaaaaaaaaaaaaaaaaaaaaaa";
  const std::string newer = "076a2e1dbbbbbbbbbbbbbbbbbbbbbbbb";
  EXPECT_FALSE(jobs::copy_may_be_of_another_version(listed, listed));
  EXPECT_TRUE(jobs::copy_may_be_of_another_version(listed, newer));
  EXPECT_TRUE(jobs::copy_may_be_of_another_version(listed, ""));
  // A multipart source: radosgw's copy repeats the ETag of the version it copied (a
  // review's finding: one written during the copy was recorded as the listed one, and a
  // source put back as it was skipped over it); AWS's gets one of its own. Either way a
  // look at the source tells.
  const std::string multipart = "9b2cf535f27731c974343645a3985328-2";
  EXPECT_FALSE(jobs::copy_may_be_of_another_version(multipart, multipart));
  EXPECT_TRUE(
      jobs::copy_may_be_of_another_version(multipart, "eaab30b61912d549289adec47d3d12b2-2"));
  EXPECT_TRUE(jobs::copy_may_be_of_another_version(multipart, newer));
  EXPECT_FALSE(jobs::copy_may_be_of_another_version("", newer));
}

// CopyOptions built by hand skip parse_s3_url: its bucket checks and the CLI's range for
// --list-concurrency are made here (a list concurrency of 100,000 ran for minutes on one page).
TEST(CopyPlanning, BucketNamesAndListConcurrencyAreChecked) {
  auto spaced = options("a", "dir", "b", "out");
  spaced.destination.bucket = "Bad Bucket";
  auto refused = jobs::normalise_copy_locations(spaced);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::usage);
  EXPECT_TRUE(
      refused.error().message.starts_with("destination: bucket name 'Bad Bucket' contains ' '"))
      << refused.error().message;
  auto empty = options("a", "dir", "b", "out");
  empty.source.bucket.clear();
  ASSERT_FALSE(jobs::normalise_copy_locations(empty));
  for (int bad : {0, -3, jobs::kMaxListConcurrency + 1, 100'000}) {
    auto o = options("a", "dir", "b", "out");
    o.list_concurrency = bad;
    auto r = jobs::normalise_copy_locations(o);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message,
              "--list-concurrency must be between 1 and 1024, got " + std::to_string(bad));
  }
  auto most = options("a", "dir", "b", "out");
  most.list_concurrency = jobs::kMaxListConcurrency;
  EXPECT_TRUE(jobs::normalise_copy_locations(most));
}

TEST(CopyPlanning, PrefixesAreDirectoriesLikeAwsCli) {
  auto o = jobs::normalise_copy_locations(options("a", "dir", "b", "out"));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->source.key, "dir/");
  EXPECT_EQ(o->destination.key, "out/");
  EXPECT_EQ(jobs::destination_key(*o, "dir/x/y z"), "out/x/y z");
  EXPECT_EQ(jobs::destination_key(*o, "dir//double"), "out//double");
  EXPECT_EQ(jobs::destination_key(*o, "dir/trailing/"), "out/trailing/");
}

// A library caller that builds CopyOptions by hand and skips the mapping
// would glue keys to the prefixes as given ("raw" + "x"): refused, nothing
// listed or copied (the run sends no request at all).
TEST(CopyPlanning, OptionsThatWereNotNormalisedAreRefused) {
  EXPECT_TRUE(jobs::normalise_copy_locations(options("a", "dir", "b", "out"))->normalised);
  jobs::CopyJob job(options("a", "dir/", "b", "raw"));
  s3::ClientShared shared;
  const exec::RunReport report = exec::make_strategy(exec::Settings{}).value()->run(job, shared);
  ASSERT_TRUE(report.job_error);
  EXPECT_NE(report.job_error->message.find("normalise_copy_locations"), std::string::npos)
      << report.job_error->message;
  EXPECT_EQ(report.produced, 0u);
  EXPECT_EQ(shared.net_counters.requests.load(), 0u);
}

TEST(CopyPlanning, ANameWithoutSlashMayBeOneObject) {
  auto o = jobs::normalise_copy_locations(options("a", "dir/k", "b", "out"));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->named_object, "dir/k");
  EXPECT_EQ(o->source.key, "dir/k/");
  // The object itself keeps its last segment; what lies under it as a
  // directory maps as before.
  EXPECT_EQ(jobs::destination_key(*o, "dir/k"), "out/k");
  EXPECT_EQ(jobs::destination_key(*o, "dir/k/x"), "out/x");
  auto top = jobs::normalise_copy_locations(options("a", "k y+z", "b", ""));
  ASSERT_TRUE(top);
  EXPECT_EQ(jobs::destination_key(*top, "k y+z"), "k y+z");
  auto nested = jobs::normalise_copy_locations(options("a", "d//k", "b", "o/"));
  ASSERT_TRUE(nested);
  EXPECT_EQ(jobs::destination_key(*nested, "d//k"), "o/k");
  // With a trailing slash, or no key at all, nothing names an object.
  EXPECT_EQ(jobs::normalise_copy_locations(options("a", "dir/", "b", "out"))->named_object, "");
  EXPECT_EQ(jobs::normalise_copy_locations(options("a", "", "b", "out"))->named_object, "");
}

TEST(CopyPlanning, WholeBucketToPrefix) {
  auto o = jobs::normalise_copy_locations(options("a", "", "b", "copy/"));
  ASSERT_TRUE(o);
  EXPECT_EQ(jobs::destination_key(*o, "k"), "copy/k");
}

TEST(CopyPlanning, RefusesADestinationInsideTheSource) {
  auto o = jobs::normalise_copy_locations(options("a", "dir/", "a", "dir/sub"));
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().kind, ErrorKind::usage);
  EXPECT_EQ(
      o.error().message,
      "destination s3://bkt-a/dir/sub/ lies inside the source prefix s3://bkt-a/dir/: choose a "
      "destination outside it");
  // Named without its '/', the source may be an object, whose own folder is
  // refused too: the message says why ("inside the source prefix
  // s3://bkt-a/x.csv/" read as a prefix the user never typed).
  auto named = jobs::normalise_copy_locations(options("a", "x.csv", "a", "x.csv/"));
  ASSERT_FALSE(named);
  EXPECT_EQ(named.error().message,
            "destination s3://bkt-a/x.csv/ lies inside s3://bkt-a/x.csv/, which the source "
            "s3://bkt-a/x.csv "
            "names too (a folder, or an object whose copy there makes one): choose a destination "
            "outside it");
  EXPECT_FALSE(jobs::normalise_copy_locations(options("a", "", "a", "x")));
  // A sibling prefix that merely starts with the same letters is fine.
  EXPECT_TRUE(jobs::normalise_copy_locations(options("a", "dir", "a", "dir2")));
  EXPECT_TRUE(jobs::normalise_copy_locations(options("a", "dir", "b", "dir/sub")));
}

TEST(CopyPlanning, RefusesASourceInsideTheDestination) {
  // "v/sub/" to "v/": v/sub/sub/x would land on the source object v/sub/x.
  auto up = jobs::normalise_copy_locations(options("a", "v/sub/", "a", "v/"));
  ASSERT_FALSE(up);
  EXPECT_EQ(up.error().kind, ErrorKind::usage);
  EXPECT_NE(up.error().message.find("lies inside the destination prefix s3://bkt-a/v/"),
            std::string::npos)
      << up.error().message;
  // A name without '/' may be one object, whose copy up cannot overwrite it:
  // allowed, with the refusal kept for when the listing shows a directory.
  for (const auto& [source, destination] :
       {std::pair{"v/sub", ""}, std::pair{"v/sub/x.csv", "v/"}}) {
    auto named = jobs::normalise_copy_locations(options("a", source, "a", destination));
    ASSERT_TRUE(named) << source;
    ASSERT_TRUE(named->refuse_if_directory) << source;
    EXPECT_EQ(named->refuse_if_directory->kind, ErrorKind::usage);
    EXPECT_NE(named->refuse_if_directory->message.find("lies inside the destination prefix"),
              std::string::npos);
  }
  // Beside it, or in another bucket, is fine.
  EXPECT_TRUE(jobs::normalise_copy_locations(options("a", "v/sub/", "a", "w/")));
  EXPECT_TRUE(jobs::normalise_copy_locations(options("a", "v/sub/", "b", "v/")));
  EXPECT_TRUE(jobs::normalise_copy_locations(options("a", "v/sub/", "a", "v/su")));
  EXPECT_FALSE(jobs::normalise_copy_locations(options("a", "v/sub", "b", ""))->refuse_if_directory);
  // Onto itself: refused as the same object if the name is one, as a folder
  // above its objects if it is a folder -- known once listed.
  auto itself = jobs::normalise_copy_locations(options("a", "v/file", "a", "v"));
  ASSERT_TRUE(itself);
  ASSERT_TRUE(itself->refuse_if_object);
  EXPECT_EQ(itself->refuse_if_object->kind, ErrorKind::usage);
  EXPECT_NE(itself->refuse_if_object->message.find("same object s3://bkt-a/v/file"),
            std::string::npos);
  ASSERT_TRUE(itself->refuse_if_directory);
  EXPECT_NE(itself->refuse_if_directory->message.find("lies inside the destination prefix"),
            std::string::npos);
  // Copied up one level, it is not the same object.
  EXPECT_FALSE(
      jobs::normalise_copy_locations(options("a", "v/sub/x.csv", "a", "v/"))->refuse_if_object);
}

TEST(CopyPlanning, PartLimits) {
  auto small = options("a", "", "b", "");
  small.part_size = 1024;
  EXPECT_FALSE(jobs::normalise_copy_locations(small));
  // S3's limits themselves are parts it takes; a byte beyond either is not.
  for (const auto& [size, allowed] :
       {std::pair{jobs::kMinPartSize, true}, std::pair{jobs::kMaxPartSize, true},
        std::pair{jobs::kMinPartSize - 1, false}, std::pair{jobs::kMaxPartSize + 1, false}}) {
    auto edge = options("a", "", "b", "");
    edge.part_size = size;
    EXPECT_EQ(jobs::normalise_copy_locations(edge).has_value(), allowed) << size;
  }
  auto threshold = options("a", "", "b", "");
  threshold.multipart_threshold = 6 * jobs::kGiB;
  EXPECT_FALSE(jobs::normalise_copy_locations(threshold));
}

TEST(CopyPlanning, PartsCoverTheObjectExactly) {
  const std::uint64_t mib = jobs::kMiB;
  auto parts = jobs::plan_parts(12 * mib + 1, 5 * mib);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], std::make_pair(std::uint64_t{0}, 5 * mib - 1));
  EXPECT_EQ(parts[1], std::make_pair(5 * mib, 10 * mib - 1));
  EXPECT_EQ(parts[2], std::make_pair(10 * mib, 12 * mib));
  EXPECT_EQ(jobs::plan_parts(5 * mib, 5 * mib).size(), 1u);
}

TEST(CopyPlanning, PartSizeGrowsToStayWithinTenThousandParts) {
  const std::uint64_t size = 5'000 * jobs::kGiB;  // 5,000 GiB (S3's largest is 5 TiB: below)
  auto parts = jobs::plan_parts(size, 5 * jobs::kMiB);
  EXPECT_LE(parts.size(), jobs::kMaxParts);
  EXPECT_EQ(parts.back().second, size - 1);
  std::uint64_t expected_first = 0;
  for (const auto& [first, last] : parts) {
    ASSERT_EQ(first, expected_first);
    expected_first = last + 1;
  }
}

// The part size doubles until the parts fit, as aws cli's s3transfer grows
// it: the same parts make the same multipart ETag as aws cli's copy (the
// smallest size that fit made 10,000 parts of 10,737,419 bytes where aws cli
// makes 6,400 of 16 MiB). Never part 10,001, which S3 refuses after 10,000
// were copied.
TEST(CopyPlanning, ThePartSizeDoublesUntilTheObjectFitsAsAwsCliDoes) {
  const std::uint64_t mib = jobs::kMiB;
  auto parts = jobs::plan_parts(100 * jobs::kGiB, 8 * mib);
  ASSERT_EQ(parts.size(), 6'400u);
  EXPECT_EQ(parts[0].second, 16 * mib - 1);
  EXPECT_EQ(parts.back().second, 100 * jobs::kGiB - 1);
  const std::uint64_t just_over = 10'000 * 6 * mib + 1;
  parts = jobs::plan_parts(just_over, 5 * mib);
  ASSERT_EQ(parts.size(), 6'001u);  // parts of 10 MiB
  EXPECT_EQ(parts[0].second, 10 * mib - 1);
  EXPECT_EQ(parts.back().second, just_over - 1);
  const std::uint64_t five_tib = 5 * 1024 * jobs::kGiB;  // S3's largest object
  parts = jobs::plan_parts(five_tib, 512 * mib);
  ASSERT_EQ(parts.size(), 5'120u);  // parts of 1 GiB
  EXPECT_EQ(parts[0].second, jobs::kGiB - 1);
  EXPECT_EQ(parts.back().second, five_tib - 1);
  // Exactly 10,000 parts need no growth.
  EXPECT_EQ(jobs::plan_parts(10'000 * 5 * mib, 5 * mib).size(), jobs::kMaxParts);
}

TEST(SizeParse, UnitsAndErrors) {
  EXPECT_EQ(*cli::parse_size("1024", "--x"), 1024u);
  EXPECT_EQ(*cli::parse_size("8MiB", "--x"), 8u << 20);
  EXPECT_EQ(*cli::parse_size("8mib", "--x"), 8u << 20);
  // The largest sizes that fit are taken.
  EXPECT_EQ(*cli::parse_size("18446744073709551615", "--x"), UINT64_MAX);
  EXPECT_EQ(*cli::parse_size("16777215TiB", "--x"), std::uint64_t{16777215} << 40);
  EXPECT_EQ(*cli::parse_size("5GiB", "--x"), 5ull << 30);
  EXPECT_EQ(*cli::parse_size("5GB", "--x"), 5ull << 30);  // as aws cli reads it
  EXPECT_EQ(*cli::parse_size("8MB", "--x"), 8u << 20);
  EXPECT_EQ(*cli::parse_size("64kb", "--x"), 64u << 10);
  EXPECT_EQ(*cli::parse_size("1TB", "--x"), 1ull << 40);
  EXPECT_EQ(*cli::parse_size("64K", "--x"), 64u << 10);
  for (const char* bad : {"", "MiB", "-1", "1.5MiB", "8 MiB", "8XB"}) {
    auto r = cli::parse_size(bad, "--chunk-size");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("--chunk-size '" + std::string(bad) + "' is not a size"),
              std::string::npos)
        << r.error().message;
  }
  // A size too large for 64 bits is said to be that, not "not a size" (a review's finding);
  // a wrong unit after a huge number is still no size.
  for (const char* huge : {"99999999999999999999", "20000000TiB", "99999999999999999999MiB"}) {
    auto r = cli::parse_size(huge, "--x");
    ASSERT_FALSE(r) << huge;
    EXPECT_EQ(r.error().message, "--x '" + std::string(huge) +
                                     "' is too large (over 16 EiB): use e.g. 8MiB, 5GiB or a "
                                     "byte count");
  }
  EXPECT_FALSE(cli::parse_size("99999999999999999999XB", "--x"));
}

s3::MultipartUpload upload(std::string key, std::string id, std::string initiated,
                           std::string initiator = "me") {
  s3::MultipartUpload u;
  u.key = std::move(key);
  u.upload_id = std::move(id);
  u.initiator_id = std::move(initiator);
  u.initiated = std::move(initiated);
  u.initiated_time = s3::parse_s3_timestamp(u.initiated);
  return u;
}

TEST(CopyPlanning, OrphanedUploadsAreOnlyThoseALostAttemptCanHaveMade) {
  using std::chrono::milliseconds;
  const std::vector<s3::MultipartUpload> listed = {
      upload("dst/k", "early", "2026-12-01T19:00:03.499Z"),          // before the window
      upload("dst/k", "lost1", "2026-12-01T19:00:03.500Z"),          // window's first instant
      upload("dst/k", "lost2", "2026-12-01T19:00:05.362Z"),          // same instant as ours
      upload("dst/k", "ours", "2026-12-01T19:00:05.362Z"),           // ours
      upload("dst/k", "later", "2026-12-01T19:00:05.363Z"),          // after ours
      upload("dst/k", "theirs", "2026-12-01T19:00:05.000Z", "you"),  // another initiator
      upload("dst/k", "unreadable", "a moment ago"),                 // no time: never
      upload("dst/kk", "longer", "2026-12-01T19:00:05.000Z"),        // a longer key (prefix)
      upload("dst/K", "case", "2026-12-01T19:00:05.000Z"),           // keys are case-sensitive
  };
  auto orphans = jobs::orphaned_uploads(listed, "dst/k", "ours", milliseconds(1862));
  ASSERT_TRUE(orphans) << orphans.error().message;
  EXPECT_EQ(*orphans, (std::vector<std::string>{"lost1", "lost2"}));

  // A tighter window leaves the earlier one alone.
  orphans = jobs::orphaned_uploads(listed, "dst/k", "ours", milliseconds(100));
  ASSERT_TRUE(orphans);
  EXPECT_EQ(*orphans, (std::vector<std::string>{"lost2"}));

  // Alone: nothing to abort.
  orphans = jobs::orphaned_uploads({listed[3]}, "dst/k", "ours", milliseconds(60'000));
  ASSERT_TRUE(orphans);
  EXPECT_TRUE(orphans->empty());
}

TEST(CopyPlanning, OrphanedUploadsNeedOurOwnUploadAsTheReference) {
  using std::chrono::milliseconds;
  const std::vector<s3::MultipartUpload> listed = {
      upload("dst/k", "lost", "2026-12-01T19:00:05.000Z"),
      upload("dst/kk", "ours", "2026-12-01T19:00:05.100Z"),  // our id, but another key
  };
  auto missing = jobs::orphaned_uploads(listed, "dst/k", "ours", milliseconds(5000));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "our own upload ours is not in the listing");

  auto unreadable = jobs::orphaned_uploads(
      {upload("dst/k", "lost", "2026-12-01T19:00:05.000Z"), upload("dst/k", "ours", "soon")},
      "dst/k", "ours", milliseconds(5000));
  ASSERT_FALSE(unreadable);
  EXPECT_EQ(unreadable.error().message,
            "our own upload ours has an unreadable Initiated time 'soon'");
}

TEST(CopyPlanning, TaggingHeaderOnlyForTagsThatFitIt) {
  EXPECT_FALSE(jobs::create_tagging_header({}));
  auto small = jobs::create_tagging_header({{"project", "a b"}, {"k", "v"}});
  ASSERT_TRUE(small);
  EXPECT_EQ(*small, "project=a%20b&k=v");
  // A value of exactly the limit's length less "k=" fits; one byte more does not.
  const std::size_t room = jobs::kMaxTaggingHeader - 2;
  auto exact = jobs::create_tagging_header({{"k", std::string(room, 'v')}});
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->size(), jobs::kMaxTaggingHeader);
  EXPECT_FALSE(jobs::create_tagging_header({{"k", std::string(room + 1, 'v')}}));
  // Ten tags of 128 + 256 characters, as S3 allows, encode far beyond it
  // ('!' becomes %21): those go by PutObjectTagging only.
  std::vector<s3::Tag> largest;
  for (int i = 0; i < 10; ++i) {
    largest.push_back({std::string(127, '!') + std::to_string(i), std::string(256, '!')});
  }
  EXPECT_FALSE(jobs::create_tagging_header(largest));
}

}  // namespace
// A destination prefix over S3's 1,024-byte key limit leaves no copy a key: one error
// before any request, not one per object. One of 1,023 bytes ("/" added: 1,024) still fits
// the source folder's own marker.
TEST(CopyPlanning, ADestinationPrefixNoKeyFitsUnderIsRefused) {
  auto fits = options("a", "dir", "b", std::string(1023, 'p'));
  EXPECT_TRUE(jobs::normalise_copy_locations(fits));
  auto over = options("a", "dir", "b", std::string(1024, 'p'));
  auto refused = jobs::normalise_copy_locations(over);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::usage);
  EXPECT_EQ(refused.error().message,
            "the destination prefix is 1025 bytes, and S3 keys are at most 1024: no copy fits "
            "under it (choose a shorter one)");
}

// Every unit spelling parse_size takes, each with its own factor ("1t" read as 1 GiB went unseen).
TEST(SizeParse, EverySpellingOfEveryUnit) {
  const std::pair<const char*, std::uint64_t> units[] = {{"", 1},
                                                         {"b", 1},
                                                         {"k", 1ull << 10},
                                                         {"kib", 1ull << 10},
                                                         {"kb", 1ull << 10},
                                                         {"m", 1ull << 20},
                                                         {"mib", 1ull << 20},
                                                         {"mb", 1ull << 20},
                                                         {"g", 1ull << 30},
                                                         {"gib", 1ull << 30},
                                                         {"gb", 1ull << 30},
                                                         {"t", 1ull << 40},
                                                         {"tib", 1ull << 40},
                                                         {"tb", 1ull << 40}};
  for (const auto& [unit, factor] : units) {
    EXPECT_EQ(*cli::parse_size("3" + std::string(unit), "--x"), 3 * factor) << unit;
  }
}

}  // namespace s3loop
