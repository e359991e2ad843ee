// The parallel listing's planner against an in-memory bucket that answers
// ListObjectsV2 as S3 does (sorted by bytes, start-after, max-keys, '/'
// delimiter roll-up): every key exactly once, ordered when asked, nothing
// outside the prefix, bounded buffering.
#include "s3loop/jobs/key_space.hpp"
#include "s3loop/jobs/list_planner.hpp"
#include "s3loop/utf8.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace s3loop::jobs::listing {
namespace {

class FakeBucket {
 public:
  explicit FakeBucket(std::vector<std::string> keys) : keys_(keys.begin(), keys.end()) {}

  s3::ListPage list(const RangeRequest& r, std::size_t max_keys) const {
    if (utf8::first_invalid(r.start_after) != std::string::npos) ++not_utf8_start_afters;
    s3::ListPage page;
    auto it = r.start_after.empty() ? keys_.begin() : keys_.upper_bound(r.start_after);
    std::size_t entries = 0;
    for (; it != keys_.end(); ++it) {
      if (!it->starts_with(r.prefix)) {
        if (*it > r.prefix) break;
        continue;
      }
      if (entries == max_keys) {
        page.is_truncated = true;
        break;
      }
      const auto slash = r.delimiter.empty() ? std::string::npos : it->find('/', r.prefix.size());
      if (slash != std::string::npos) {
        const std::string common = it->substr(0, slash + 1);
        // As radosgw does: a common prefix at or before start-after is not
        // rolled up at all, although keys under it follow start-after.
        if (!r.start_after.empty() && common <= r.start_after) continue;
        if (page.common_prefixes.empty() || page.common_prefixes.back() != common) {
          page.common_prefixes.push_back(common);
          entries++;
        }
        continue;
      }
      s3::ObjectInfo o;
      o.key = *it;
      page.objects.push_back(o);
      entries++;
    }
    return page;
  }

  // Requests whose start-after was no valid UTF-8.
  mutable std::size_t not_utf8_start_afters = 0;

  std::vector<std::string> under(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& k : keys_) {
      if (k.starts_with(prefix)) out.push_back(k);
    }
    return out;
  }

 private:
  std::set<std::string> keys_;
};

struct Outcome {
  std::vector<std::string> keys;
  PlannerStats stats;
  std::size_t max_buffered = 0;
  std::size_t max_live_ranges = 0;
  int rounds = 0;  // round trips if every worker's request took the same time
};

// Runs the planner with `workers` simulated workers: each round, every idle
// worker that can get a request sends one; a reply takes 1 round, or 1 to 3
// when `slow_replies` (so that others cut ranges while it is in flight); the
// consumer pops `drain_per_round` pages (all when 0).
Outcome run(const FakeBucket& bucket, PlannerOptions options, std::size_t drain_per_round = 0,
            unsigned seed = 1, bool slow_replies = false) {
  ListPlanner planner(options);
  std::mt19937 rng(seed);
  std::vector<std::optional<std::uint64_t>> current(static_cast<std::size_t>(options.workers));
  std::vector<bool> busy(current.size(), false);
  struct InFlight {
    int due;
    std::size_t worker;
    RangeRequest request;
  };
  std::vector<InFlight> in_flight;
  Outcome out;
  while (!planner.finished()) {
    EXPECT_LT(out.rounds, 100000) << "no progress";
    if (out.rounds >= 100000) break;
    out.rounds++;
    for (std::size_t w = 0; w < current.size(); ++w) {
      if (busy[w]) continue;
      if (auto r = planner.next(current[w])) {
        EXPECT_GE(r->max_keys, 1u);
        EXPECT_LE(r->max_keys, options.page_size);
        current[w] = r->range;
        busy[w] = true;
        const int delay = slow_replies ? 1 + static_cast<int>(rng() % 3) : 1;
        in_flight.push_back({out.rounds + delay - 1, w, *r});
      }
    }
    std::shuffle(in_flight.begin(), in_flight.end(), rng);
    std::vector<InFlight> later;
    for (auto& f : in_flight) {
      if (f.due > out.rounds) {
        later.push_back(std::move(f));
        continue;
      }
      auto fed = planner.on_page(f.request, bucket.list(f.request, f.request.max_keys));
      EXPECT_TRUE(fed) << fed.error().message;
      busy[f.worker] = false;
    }
    in_flight = std::move(later);
    out.max_buffered = std::max(out.max_buffered, planner.buffered_pages());
    out.max_live_ranges = std::max(out.max_live_ranges, planner.live_ranges());
    for (std::size_t n = 0; drain_per_round == 0 || n < drain_per_round; ++n) {
      auto page = planner.pop();
      if (!page) break;
      EXPECT_FALSE(page->empty());
      for (auto& o : *page) out.keys.push_back(o.key);
    }
  }
  out.stats = planner.stats();
  return out;
}

std::vector<std::string> flat_keys(int n, const std::string& prefix = "") {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(fmt::format("{}k{:06}", prefix, i));
  return keys;
}

void expect_same_listing(const FakeBucket& bucket, const std::string& prefix,
                         PlannerOptions options, std::size_t drain = 0) {
  options.prefix = prefix;
  const auto expected = bucket.under(prefix);
  for (const bool ordered : {true, false}) {
    options.ordered = ordered;
    const auto out = run(bucket, options, drain);
    if (ordered) {
      EXPECT_EQ(out.keys, expected) << "ordered, prefix '" << prefix << "'";
    } else {
      auto sorted = out.keys;
      std::sort(sorted.begin(), sorted.end());
      EXPECT_EQ(sorted, expected) << "unordered, prefix '" << prefix << "'";
    }
  }
}

// One run with replies taking 1 to 3 rounds: checks that it listed the
// bucket's keys under the prefix (in order when ordered) and returns it for
// its counts.
Outcome run_slow_and_check(const FakeBucket& bucket, const PlannerOptions& options, unsigned seed) {
  const auto out = run(bucket, options, 0, seed, /*slow_replies=*/true);
  auto listed = out.keys;
  if (!options.ordered) std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, bucket.under(options.prefix))
      << "seed " << seed << (options.ordered ? ", ordered" : ", unordered");
  return out;
}

TEST(KeySpace, CutPointsLieStrictlyBetween) {
  Alphabet alphabet;
  alphabet.add("k0123456789");
  for (double f : {0.0, 0.01, 0.5, 0.99, 1.0}) {
    auto cut = cut_point("", "k000999", std::string("k099999"), f, alphabet);
    ASSERT_TRUE(cut);
    EXPECT_GT(*cut, "k000999");
    EXPECT_LT(*cut, "k099999");
  }
  // Halfway between k000999 and k099999 is about k05 (in base 11: 'k' is a digit too).
  auto half = cut_point("", "k000999", std::string("k099999"), 0.5, alphabet);
  EXPECT_GE(*half, "k04");
  EXPECT_LE(*half, "k06");
  // Open-ended: anything after lo, inside the prefix.
  auto open = cut_point("p/", "p/k000999", std::nullopt, 0.5, alphabet);
  ASSERT_TRUE(open);
  EXPECT_GT(*open, "p/k000999");
  EXPECT_TRUE(open->starts_with("p/"));
}

TEST(KeySpace, NeighboursCannotBeCut) {
  Alphabet alphabet;
  EXPECT_FALSE(cut_point("", "a", std::string("a\0", 2), 0.5, alphabet));
  EXPECT_FALSE(cut_point("", "a", std::string("a"), 0.5, alphabet));
  // Bytes outside the alphabet still get a cut when one exists.
  Alphabet digits;
  digits.add("0123456789");
  auto cut = cut_point("", "a", std::string("c"), 0.5, digits);
  ASSERT_TRUE(cut);
  EXPECT_GT(*cut, "a");
  EXPECT_LT(*cut, "c");
}

TEST(KeySpace, RawBytesAboveAscii) {
  Alphabet alphabet;
  alphabet.add("\xc3\xa9\xf0\x9f\x93\xa6 az");
  auto cut = cut_point("", "a", std::string("\xf0\x9f\x93\xa6"), 0.5, alphabet);
  ASSERT_TRUE(cut);
  EXPECT_GT(*cut, "a");
  EXPECT_LT(*cut, "\xf0\x9f\x93\xa6");
}

// A cut goes out as a start-after: between UTF-8 keys it is UTF-8 too, even
// when the bytes the keys differ in are the middle of a character (it was
// "u0\x96" between "u0" and "u1", "\xe6\x9a" between two CJK keys).
TEST(KeySpace, CutsBetweenUtf8KeysAreUtf8) {
  const std::vector<std::string> pieces = {"a",
                                           "0",
                                           "/",
                                           "\xc3\xa9",
                                           "\xe6\x97\xa5",
                                           "\xe6\x9c\xac",
                                           "\xf0\x9f\x93\xa6",
                                           "\xed\x9f\xbf",
                                           "\xef\xbf\xbd",
                                           "\x7f"};
  Alphabet alphabet;
  for (const auto& p : pieces) alphabet.add(p);
  std::mt19937 rng(11);
  auto key = [&] {
    std::string k;
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i) k += pieces[rng() % pieces.size()];
    return k;
  };
  int cuts = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    std::string lo = key();
    std::string hi = key();
    if (lo == hi) continue;
    if (hi < lo) std::swap(lo, hi);
    const double fraction = static_cast<double>(rng() % 101) / 100.0;
    const auto cut =
        cut_point("", lo, trial % 5 == 0 ? std::nullopt : std::optional(hi), fraction, alphabet);
    if (!cut) continue;
    ++cuts;
    EXPECT_EQ(utf8::first_invalid(*cut), std::string::npos)
        << "between '" << lo << "' and '" << hi << "': '" << *cut << "'";
    EXPECT_GT(*cut, lo);
    if (trial % 5 != 0) {
      EXPECT_LT(*cut, hi);
    }
  }
  EXPECT_GT(cuts, 3000);  // keys apart are still cut
  // The two the review met.
  alphabet.add("u01\x96");
  const auto between = cut_point("", "u0", std::string("u1"), 0.5, alphabet);
  ASSERT_TRUE(between);
  EXPECT_EQ(utf8::first_invalid(*between), std::string::npos) << *between;
  const auto cjk = cut_point("", "\xe6\x97\xa5", std::string("\xe6\x9c\xac"), 0.5, alphabet);
  ASSERT_TRUE(cjk);
  EXPECT_EQ(utf8::first_invalid(*cjk), std::string::npos) << *cjk;
}

TEST(KeySpace, GapsCompareWidths) {
  Alphabet alphabet;
  alphabet.add("k0123456789");
  const auto page = key_gap("", "k000000", std::string("k000999"), alphabet);
  const auto rest = key_gap("", "k000999", std::string("k099999"), alphabet);
  ASSERT_GT(page, 0);
  // About 99 pages' worth (base-11 digits make it a little more).
  EXPECT_GT(rest / page, 50);
  EXPECT_LT(rest / page, 200);
  // Deep shared bytes shrink widths instead of underflowing to zero.
  alphabet.add("abx");
  const std::string deep(600, 'x');
  EXPECT_GT(key_gap("", deep + "a", std::string(deep + "b"), alphabet), 0);
}

TEST(ListPlanner, FlatKeysEqualTheSequentialListing) {
  FakeBucket bucket(flat_keys(20000));
  PlannerOptions options;
  options.workers = 16;
  expect_same_listing(bucket, "", options);
}

TEST(ListPlanner, ParallelismShortensTheWalk) {
  FakeBucket bucket(flat_keys(100000));
  PlannerOptions options;
  options.workers = 16;
  options.ordered = false;
  const auto parallel = run(bucket, options);
  EXPECT_EQ(parallel.keys.size(), 100000u);
  // Sequentially: 100 round trips. In parallel a small fraction, with little waste.
  EXPECT_LT(parallel.rounds, 25) << parallel.stats.requests << " requests";
  EXPECT_LT(parallel.stats.requests, 200u);
  options.ordered = true;
  const auto ordered = run(bucket, options);
  EXPECT_LT(ordered.rounds, 30) << ordered.stats.requests << " requests";
}

TEST(ListPlanner, HierarchicalUnevenSubPrefixes) {
  std::vector<std::string> keys;
  const int sizes[] = {1, 5000, 3, 0, 12000, 40, 1, 2500};
  for (int d = 0; d < 8; ++d) {
    for (int i = 0; i < sizes[d]; ++i) keys.push_back(fmt::format("h/d{}/f{:05}", d, i));
    keys.push_back(fmt::format("h/d{}/", d));  // directory marker
  }
  keys.push_back("h/top-level-file");
  keys.push_back("h/d4/deeper/x");
  keys.push_back("outside-the-prefix");
  keys.push_back("h");
  FakeBucket bucket(keys);
  PlannerOptions options;
  options.workers = 16;
  expect_same_listing(bucket, "h/", options);
  expect_same_listing(bucket, "", options);
  expect_same_listing(bucket, "h", options);
}

// Like s3loop-datagen's sets: part-NN/ below sub-prefixes of very uneven
// sizes, single keys between gaps. Replies that take a while let idle workers
// cut ranges in flight: the cuts must stop (this once cut forever next to a
// one-key page), and requests stay about one per page.
TEST(ListPlanner, GapsBetweenSubPrefixesDoNotMultiplyRequests) {
  std::vector<std::string> keys = {"h/", "h/e/", "h/top-level", "h/b", "h0"};
  const std::pair<const char*, int> dirs[] = {
      {"h/a/", 1}, {"h/b/", 2000}, {"h/c/", 7}, {"h/d/deep/er/", 600}, {"h/f/", 40}};
  for (const auto& [dir, count] : dirs) {
    for (int i = 0; i < count; ++i) {
      keys.push_back(fmt::format("{}part-{:02}/obj-{:08}.dat", dir, i % 16, i));
    }
  }
  FakeBucket bucket(keys);
  for (unsigned seed = 1; seed <= 20; ++seed) {
    for (const bool ordered : {true, false}) {
      PlannerOptions options;
      options.workers = 16;
      options.prefix = "h/";
      options.ordered = ordered;
      options.page_size = 100;
      const auto out = run_slow_and_check(bucket, options, seed);
      // 27 pages of 100 sequentially; discovery and cuts add some.
      EXPECT_LT(out.stats.requests, 150u) << "seed " << seed;
    }
  }
}

// The seed-copy layout (s3loop-datagen: 16 part-NN/ sub-prefixes of equal
// size). Each sub-prefix is listed whole by its discovery request; the rest of
// its range must not be estimated from that sub-prefix's density -- that once
// listed (and threw away) 8 to 11 times the keys kept, costing the server a
// page of 1,000 keys per wasted request.
TEST(ListPlanner, ListedSubPrefixesAreNotListedAgain) {
  for (const int count : {2000, 20000}) {
    std::vector<std::string> keys;
    for (int i = 0; i < count; ++i) {
      keys.push_back(fmt::format("src/part-{:02}/obj-{:08}.dat", i % 16, i));
    }
    FakeBucket bucket(keys);
    for (unsigned seed = 1; seed <= 5; ++seed) {
      for (const bool ordered : {true, false}) {
        PlannerOptions options;
        options.workers = 16;
        options.prefix = "src/";
        options.ordered = ordered;
        SCOPED_TRACE(fmt::format("{} keys", count));
        const auto out = run_slow_and_check(bucket, options, seed);
        EXPECT_LE(out.stats.dropped_keys, static_cast<std::uint64_t>(count) / 4)
            << count << " keys, seed " << seed << ", " << out.stats.requests << " requests";
        // A page per 1,000 keys; per sub-prefix a discovery page and a small one
        // after it; pieces cut off ranges, some empty.
        EXPECT_LE(out.stats.requests, static_cast<std::uint64_t>(2 * (count / 1000) + 4 * 16))
            << count << " keys, seed " << seed;
      }
    }
  }
}

// A review's layout: two sub-prefixes, the first a page and one key. The first
// page (a/0000...a/0999) lies inside a/, which discovery finds at or before the
// cursor: the range left up to b/ was estimated from that dense page, cut over
// and over in the empty gap after a/, and every piece listed (and threw away)
// a page of b/ keys -- 38 requests where a plain walk needs 3.
TEST(ListPlanner, TheGapAfterTheFirstPagesSubPrefixIsNotCutUp) {
  for (const int shared : {0, 300}) {
    std::vector<std::string> keys;
    const std::string a = "a/" + std::string(static_cast<std::size_t>(shared), 'x');
    for (int i = 0; i < 1001; ++i) keys.push_back(fmt::format("{}{:04}", a, i));
    for (int i = 0; i < 1000; ++i) keys.push_back(fmt::format("b/{:04}", i));
    FakeBucket bucket(keys);
    for (unsigned seed = 1; seed <= 5; ++seed) {
      for (const int workers : {16, 64}) {
        PlannerOptions options;
        options.workers = workers;
        options.ordered = true;
        SCOPED_TRACE(fmt::format("shared {}, seed {}, {} workers", shared, seed, workers));
        const auto out = run_slow_and_check(bucket, options, seed);
        EXPECT_LE(out.stats.dropped_keys, 1100u) << out.stats.requests << " requests";
        EXPECT_LE(out.stats.requests, 12u) << out.stats.dropped_keys << " keys dropped";
      }
    }
  }
}

// A review's layout, listed with 10 to 36 times the keys kept: a thousand and
// more one-key sub-prefixes (dt=0000/part-0.csv ...). The pieces cut at an
// even choice of them knew nothing of their size and each asked for a page of
// 1,000 keys to keep ~30.
TEST(ListPlanner, PiecesOfManyOneKeySubPrefixesListAboutTheirOwnKeys) {
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; ++i) keys.push_back(fmt::format("logs/dt={:04}/part-0.csv", i));
  FakeBucket bucket(keys);
  for (const std::string prefix : {"logs/", ""}) {
    for (unsigned seed = 1; seed <= 5; ++seed) {
      for (const int workers : {16, 64}) {
        for (const bool ordered : {true, false}) {
          PlannerOptions options;
          options.workers = workers;
          options.prefix = prefix;
          options.ordered = ordered;
          SCOPED_TRACE(fmt::format("prefix '{}', seed {}, {} workers, {}", prefix, seed, workers,
                                   ordered ? "ordered" : "unordered"));
          const auto out = run_slow_and_check(bucket, options, seed);
          // A piece per worker or two, each listing about its own keys: requests
          // O(workers + pages), and at most about as many keys again thrown away
          // (were 10 to 36 times).
          EXPECT_LE(out.stats.dropped_keys, keys.size()) << out.stats.requests << " requests";
          EXPECT_LE(out.stats.requests, static_cast<std::uint64_t>(2 * workers + 8))
              << out.stats.dropped_keys << " keys dropped";
        }
      }
    }
  }
}

// A review's layouts, where requests grew with the workers rather than the
// keys: 1,680 keys all under data/2024/ (66 requests at 64 workers, 1,026 at
// 1,024: each idle worker got a cut in the empty key space past the last
// key), and 2,000 keys in ten sub-prefixes, a quarter of them one-key
// sub-prefixes (177 requests at 16 workers, 528 at 64). A plain walk needs 2.
// (Now 18 / 35 and about 46.)
TEST(ListPlanner, RequestsDoNotGrowWithTheWorkers) {
  std::vector<std::string> dated;
  for (int month = 1; month <= 12; ++month) {
    for (int day = 1; day <= 28; ++day) {
      for (int part = 0; part < 5; ++part) {
        dated.push_back(fmt::format("data/2024/{:02}/day-{:02}/part-{:05}.csv", month, day, part));
      }
    }
  }
  std::vector<std::string> logs;
  std::mt19937 random(5);
  const std::vector<std::string> tails = {"", "/x", ".gz", " copy"};
  while (logs.size() < 2000) {
    logs.push_back(fmt::format("logs/{}/{:06}{}", static_cast<char>('a' + random() % 10),
                               random() % 1000000, tails[random() % tails.size()]));
    std::sort(logs.begin(), logs.end());
    logs.erase(std::unique(logs.begin(), logs.end()), logs.end());
  }
  for (const auto& [keys, prefix] : {std::pair{&dated, "data/"}, std::pair{&logs, "logs/"}}) {
    FakeBucket bucket(*keys);
    for (const int workers : {16, 64, 1024}) {
      for (unsigned seed = 1; seed <= 3; ++seed) {
        PlannerOptions options;
        options.workers = workers;
        options.prefix = prefix;
        SCOPED_TRACE(fmt::format("prefix {}, {} workers, seed {}", prefix, workers, seed));
        const auto out = run_slow_and_check(bucket, options, seed);
        EXPECT_LE(out.stats.requests, 50u) << out.stats.dropped_keys << " keys dropped";
        EXPECT_LE(out.stats.dropped_keys, keys->size()) << out.stats.requests << " requests";
      }
    }
  }
}

// A second review's layout: a first page inside p/a/, then 30 sub-prefixes
// of 60 keys. With 18 ranges to cut at 16 workers, the pieces of an even
// choice of them listed pages across each other's ends: 14,000 keys thrown
// away where one piece per sub-prefix throws away 240.
TEST(ListPlanner, ThirtySubPrefixesAfterTheFirstPageEachGetAPiece) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back(fmt::format("p/a/k{:04}", i));
  for (int d = 0; d < 30; ++d) {
    for (int i = 0; i < 60; ++i) keys.push_back(fmt::format("p/d{:02}/k{:03}", d, i));
  }
  FakeBucket bucket(keys);
  for (unsigned seed = 1; seed <= 3; ++seed) {
    PlannerOptions options;
    options.workers = 16;
    options.prefix = "p/";
    SCOPED_TRACE(fmt::format("seed {}", seed));
    const auto out = run_slow_and_check(bucket, options, seed);
    EXPECT_LE(out.stats.dropped_keys, 1000u) << out.stats.requests << " requests";
  }
}

TEST(ListPlanner, LongSharedPrefixes) {
  std::vector<std::string> keys;
  const std::string shared = "shared/" + std::string(300, 'x') + "/";
  for (int i = 0; i < 5000; ++i) keys.push_back(fmt::format("{}{:05}", shared, i));
  for (int i = 0; i < 3000; ++i) keys.push_back(fmt::format("{}{:05}/tail", shared + "y", i));
  FakeBucket bucket(keys);
  PlannerOptions options;
  options.workers = 8;
  expect_same_listing(bucket, "", options);
  expect_same_listing(bucket, "shared/", options);
}

TEST(ListPlanner, SpecialAndUnicodeKeys) {
  std::vector<std::string> keys = {
      "with space/file name.txt",
      "unicode/\xc3\xa9t\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x93\xa6.bin",
      "plus+sign+key",
      "percent%20literal%",
      "tilde~key",
      "double//slash//key",
      "trailing-slash/",
      "dir/./dot-segment",
      "brackets[1]{2}<3>^|`\"",
      std::string(989, 'k') + "-1000-bytes",
      std::string("\x7f\xff", 2),
      "a",
      "a/",
      "a//",
  };
  for (int i = 0; i < 3000; ++i) keys.push_back(fmt::format("\xe6\x97\xa5/{:04}", i));
  FakeBucket bucket(keys);
  PlannerOptions options;
  options.workers = 16;
  options.page_size = 7;  // many pages from few keys
  expect_same_listing(bucket, "", options);
  expect_same_listing(bucket, "a", options);
}

// Keys that are UTF-8 are listed with start-afters that are UTF-8 (a review
// counted 70 of 320 that were not: cuts inside a character, and 0xff after
// a sub-prefix).
TEST(ListPlanner, Utf8KeysAreListedFromUtf8StartAfters) {
  const std::vector<std::string> pieces = {
      "u", "0", "1", "/", "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80", "\x7f"};
  std::mt19937 rng(5);
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; ++i) {
    std::string k;
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int j = 0; j < n; ++j) k += pieces[rng() % pieces.size()];
    keys.push_back(k);
  }
  FakeBucket bucket(keys);
  for (const bool discover : {true, false}) {
    PlannerOptions options;
    options.workers = 16;
    options.page_size = 20;
    options.discover = discover;
    expect_same_listing(bucket, "", options);
    expect_same_listing(bucket, "u", options);
  }
  EXPECT_EQ(bucket.not_utf8_start_afters, 0u);
}

TEST(ListPlanner, APrefixOfOnePageCostsOneRequest) {
  std::vector<std::string> keys;
  for (int d = 0; d < 30; ++d) keys.push_back(fmt::format("s/d{:02}/x", d));
  FakeBucket bucket(keys);
  for (const bool ordered : {true, false}) {
    PlannerOptions options;
    options.workers = 16;
    options.ordered = ordered;
    options.prefix = "s/";
    const auto out = run(bucket, options);
    EXPECT_EQ(out.keys.size(), 30u);
    EXPECT_EQ(out.stats.requests, 1u) << "as many as a sequential listing";
  }
}

TEST(ListPlanner, EmptyAndSingleKeyPrefixes) {
  FakeBucket bucket({"only", "other/x"});
  PlannerOptions options;
  options.workers = 16;
  expect_same_listing(bucket, "nothing-here/", options);
  expect_same_listing(bucket, "only", options);
  expect_same_listing(bucket, "", options);
  FakeBucket empty({});
  expect_same_listing(empty, "", options);
}

TEST(ListPlanner, RandomKeySetsAndPageSizes) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab/z\xc3\xa9 0";
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<std::string> keys;
    const int n = static_cast<int>(rng() % 3000);
    for (int i = 0; i < n; ++i) {
      std::string k;
      const int len = 1 + static_cast<int>(rng() % 12);
      for (int j = 0; j < len; ++j) k += alphabet[rng() % alphabet.size()];
      keys.push_back(k);
    }
    FakeBucket bucket(keys);
    PlannerOptions options;
    options.workers = 1 + static_cast<int>(rng() % 20);
    options.page_size = 1 + rng() % 50;
    options.discover = rng() % 2 == 0;
    SCOPED_TRACE(
        fmt::format("trial {} workers {} page {}", trial, options.workers, options.page_size));
    expect_same_listing(bucket, "", options, 1 + rng() % 3);
    expect_same_listing(bucket, "a", options, 1 + rng() % 3);
  }
}

TEST(ListPlanner, BufferingStaysBoundedWhenTheConsumerIsSlow) {
  FakeBucket bucket(flat_keys(50000));
  PlannerOptions options;
  options.workers = 16;
  options.prefix = "";
  for (const bool ordered : {true, false}) {
    options.ordered = ordered;
    const auto out = run(bucket, options, /*drain_per_round=*/1);
    EXPECT_EQ(out.keys.size(), 50000u);
    // 2 * workers, plus the replies of requests already in flight.
    EXPECT_LE(out.max_buffered, 3u * 16);
    EXPECT_LE(out.max_live_ranges, 3u * 16 + 1);
  }
}

TEST(ListPlanner, RejectsRepliesThatBreakTheContract) {
  PlannerOptions options;
  options.workers = 2;
  options.discover = false;
  ListPlanner planner(options);
  auto r = planner.next(std::nullopt);
  ASSERT_TRUE(r);
  s3::ListPage page;
  page.is_truncated = true;  // truncated, yet no keys: would never end
  EXPECT_FALSE(planner.on_page(*r, page));

  ListPlanner unordered(options);
  r = unordered.next(std::nullopt);
  page = {};
  page.objects.resize(2);
  page.objects[0].key = "b";
  page.objects[1].key = "a";
  EXPECT_FALSE(unordered.on_page(*r, page));

  // A key twice, or the start-after key itself: listed twice otherwise, as
  // ranges meet at start-after keys.
  ListPlanner repeated(options);
  r = repeated.next(std::nullopt);
  page = {};
  page.objects.resize(2);
  page.objects[0].key = "a";
  page.objects[1].key = "a";
  EXPECT_FALSE(repeated.on_page(*r, page));

  ListPlanner from_k(options);
  r = from_k.next(std::nullopt);
  ASSERT_TRUE(r);
  r->start_after = "k";
  page = {};
  page.objects.resize(1);
  page.objects[0].key = "k";
  EXPECT_FALSE(from_k.on_page(*r, page));

  // A key outside the prefix: taken for the range's end, it ended the listing
  // there (exit 0, the rest missing).
  for (const bool discover : {false, true}) {
    options.prefix = "p/";
    options.discover = discover;
    ListPlanner outside(options);
    r = outside.next(std::nullopt);
    ASSERT_TRUE(r);
    page = {};
    page.is_truncated = true;
    page.objects.resize(2);
    page.objects[0].key = "0zz";
    page.objects[1].key = "p/a";
    const auto refused = outside.on_page(*r, page);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("outside the prefix"), std::string::npos);
  }
}

}  // namespace
}  // namespace s3loop::jobs::listing
