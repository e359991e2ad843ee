// Plans a parallel listing of one prefix: which ListObjectsV2 request each
// worker sends next, and which keys of each reply to keep. Pure state, no
// I/O: the coroutines in parallel_list.cpp send the requests and feed the
// replies in, so every decision here is testable with made-up pages.
//
// The key space is cut into ordered, disjoint ranges (after, until]. A worker
// lists its range from `after` with start-after and keeps the keys up to
// `until` (ListObjectsV2 has no end key, so the page that crosses `until` is
// cut and the range is done). The first request is the plain one a
// sequential walk sends; when that page is full, the next is a '/'-delimiter
// listing of the rest: where keys are hierarchical its common prefixes
// become the first cut points. Whenever a worker is idle, the range with the most keys left
// (estimated from its last page) is cut again, at a point about
// `target_range_keys` past where its worker is. Every key is kept exactly
// once: ranges never overlap and together cover the prefix.
#pragma once

#include "s3loop/error.hpp"
#include "s3loop/jobs/key_space.hpp"
#include "s3loop/s3/xml.hpp"

#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace s3loop::jobs::listing {

struct PlannerOptions {
  std::string prefix;
  int workers = 16;
  // Pages come out in key order (ls) or as they arrive (cp).
  bool ordered = true;
  // After a full first page, ask for common prefixes ('/') to cut at.
  bool discover = true;
  std::size_t page_size = 1000;
  // Pages listed but not yet taken by pop(), plus requests in flight, stay
  // below this (0: 2 * workers); a worker waits rather than list further
  // ahead. The range at the head of an ordered listing may always list.
  std::size_t max_buffered_pages = 0;
  // About how many keys a newly cut range gets (0: 2 pages ordered, 4 not).
  std::size_t target_range_keys = 0;
};

// One ListObjectsV2 request for a worker to send.
struct RangeRequest {
  std::uint64_t range = 0;
  std::string prefix;
  std::string start_after;  // empty: from the prefix's first key
  std::string delimiter;    // "/" for the discovery request only
  std::size_t max_keys = 0;
};

struct PlannerStats {
  std::uint64_t requests = 0;
  std::uint64_t replies = 0;  // requests answered (requests - replies: in flight)
  std::uint64_t pages = 0;    // replies that kept keys: each popped once
  std::uint64_t ranges = 0;   // created, the first one included
  std::uint64_t kept_keys = 0;
  std::uint64_t dropped_keys = 0;  // listed past a range's end (another range lists them)
};

class ListPlanner {
 public:
  explicit ListPlanner(PlannerOptions options);

  // What a worker lists next. `current` is the range of its previous request:
  // a worker keeps its range until that range is done. nullopt: nothing to
  // do now (wait for a page to arrive or be popped), or finished().
  std::optional<RangeRequest> next(std::optional<std::uint64_t> current);

  // The reply to a request from next(). An error means the reply broke
  // ListObjectsV2's contract (keys out of order, no progress); the listing
  // cannot be trusted to be complete and must stop.
  Result<void> on_page(const RangeRequest& request, s3::ListPage page);

  // The next page of kept keys: in key order when ordered, otherwise in
  // arrival order. Never empty.
  std::optional<std::vector<s3::ObjectInfo>> pop();

  // Every range listed and every page popped.
  bool finished() const;

  const PlannerStats& stats() const { return stats_; }
  // Ranges still held (for tests: memory is the boundaries, not the keys).
  std::size_t live_ranges() const { return ranges_.size(); }
  std::size_t buffered_pages() const { return buffered_; }

 private:
  struct Sample {  // the latest page of a range, for its density
    std::string first;
    std::string last;
    std::size_t count = 0;
  };
  struct Range {
    std::uint64_t id = 0;
    std::string after;                 // exclusive; empty: the prefix's start
    std::optional<std::string> until;  // inclusive; none: the prefix's end
    std::string cursor;                // the next request's start-after
    bool owned = false;                // a worker lists it
    bool in_flight = false;
    bool done = false;
    // Its next request is a '/'-delimiter listing under this prefix, whose
    // common prefixes become cut points.
    std::optional<std::string> discover;
    int depth = 0;  // how many discovery listings led to this range
    bool uncuttable = false;
    // The sub-prefix its keys start with, while they do (set where ranges
    // are cut at common prefixes): its density is estimated within it.
    std::string within;
    std::size_t probe_keys = 0;  // not 0: the size of its next page (a small one)
    Sample sample;
    std::deque<std::vector<s3::ObjectInfo>> pages;  // ordered mode: kept, not yet popped
  };
  using Iter = std::list<Range>::iterator;

  Iter find(std::uint64_t id);
  bool may_list(const Range& range) const;
  RangeRequest start_request(Range& range);
  Iter add_range_after(Iter position, std::string after, std::optional<std::string> until);
  bool cut_at_prefixes(Iter range, const std::vector<std::string>& prefixes);
  // Where the keys a range's density describes end: its sub-prefix's end,
  // if it is still in one, else the range's end.
  std::optional<std::string> estimate_until(const Range& range) const;
  long double keys_left(const Range& range) const;
  std::optional<Iter> cut_for_idle_worker();
  // Ranges the listing may have made by now, the first included.
  std::uint64_t ranges_allowed() const;
  void finish(Iter range);
  void learn_end(const std::string& last);

  PlannerOptions options_;
  std::list<Range> ranges_;  // in key order
  std::unordered_map<std::uint64_t, Iter> by_id_;
  std::deque<std::vector<s3::ObjectInfo>> arrived_;  // unordered mode
  std::size_t buffered_ = 0;
  std::size_t in_flight_ = 0;
  std::uint64_t next_id_ = 0;
  // No key of the prefix sorts after this one: a page that was not truncated
  // ended the whole prefix, whichever range asked for it.
  std::optional<std::string> end_;
  Alphabet alphabet_;
  PlannerStats stats_;
};

}  // namespace s3loop::jobs::listing
