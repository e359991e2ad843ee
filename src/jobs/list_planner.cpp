#include "s3loop/jobs/list_planner.hpp"

#include <algorithm>
#include <limits>

namespace s3loop::jobs::listing {

namespace {

// Discovery below the first level only pays while it finds few sub-prefixes;
// each level costs one request per range.
constexpr int kMaxDiscoveryDepth = 3;

// The first page after a sub-prefix that was listed whole (see on_page).
constexpr std::size_t kTailProbeKeys = 8;

Error contract_error(std::string what) {
  return make_error(ErrorKind::protocol, "ListObjectsV2 reply " + std::move(what) +
                                             ": the listing would not be complete");
}

}  // namespace

ListPlanner::ListPlanner(PlannerOptions options) : options_(std::move(options)) {
  options_.workers = std::max(1, options_.workers);
  if (options_.max_buffered_pages == 0) {
    options_.max_buffered_pages = 2 * static_cast<std::size_t>(options_.workers);
  }
  if (options_.target_range_keys == 0) {
    options_.target_range_keys = (options_.ordered ? 2 : 4) * options_.page_size;
  }
  // The first request is a plain listing, as a sequential walk would send:
  // a prefix of one page costs one request. Only a longer one is worth a
  // discovery listing and cuts (see on_page).
  add_range_after(ranges_.end(), "", std::nullopt);
}

ListPlanner::Iter ListPlanner::find(std::uint64_t id) {
  const auto found = by_id_.find(id);
  return found == by_id_.end() ? ranges_.end() : found->second;
}

ListPlanner::Iter ListPlanner::add_range_after(Iter position, std::string after,
                                               std::optional<std::string> until) {
  const auto at = position == ranges_.end() ? ranges_.end() : std::next(position);
  Range range;
  range.id = next_id_++;
  range.cursor = after;
  range.after = std::move(after);
  range.until = std::move(until);
  const auto it = ranges_.insert(at, std::move(range));
  by_id_.emplace(it->id, it);
  stats_.ranges++;
  return it;
}

bool ListPlanner::may_list(const Range& range) const {
  if (options_.ordered && &range == &ranges_.front()) return true;  // what pop() waits for
  return buffered_ + in_flight_ < options_.max_buffered_pages;
}

// U+10FFFF, the last character there is: after every key under a
// sub-prefix that does not start with it. (Not the byte 0xff, which sorts
// after all of UTF-8 but is none: a server may refuse or misread it.)
constexpr std::string_view kLastCharacter = "\xF4\x8F\xBF\xBF";

RangeRequest ListPlanner::start_request(Range& range) {
  range.owned = true;
  range.in_flight = true;
  in_flight_++;
  stats_.requests++;
  RangeRequest request;
  request.range = range.id;
  request.start_after = range.cursor;
  if (range.discover) {
    request.prefix = *range.discover;
    request.delimiter = "/";
    // A start-after inside a sub-prefix hides that sub-prefix (radosgw rolls
    // up nothing for it) and the page would skip the rest of its keys: ask
    // from its end instead, for the common prefixes after it; the range lists
    // its own keys plainly. The end is U+10FFFF, the last character there
    // is, not the byte 0xff, which is no UTF-8 (and a server may refuse or
    // misread it); a key under the sub-prefix that starts with U+10FFFF
    // rolls up into the sub-prefix again, which lies before the cursor and
    // is passed over.
    const std::string& under = *range.discover;
    if (range.cursor.starts_with(under)) {
      const auto slash = range.cursor.find('/', under.size());
      if (slash != std::string::npos) {
        request.start_after = range.cursor.substr(0, slash + 1) + std::string(kLastCharacter);
      }
    }
  } else if (!range.within.empty()) {
    // Within its sub-prefix, a range lists under it: the server stops at
    // its end, where a page under the whole prefix would go on into the
    // next ranges' keys (listed there again, so thrown away here).
    request.prefix = range.within;
  } else {
    request.prefix = options_.prefix;
  }
  // The server's work grows with the keys it returns, and the keys past a
  // range's end are listed again by the next range: near its end, ask for
  // about what is left (a little more, so that the page usually reaches past
  // the end and the range is done in one request).
  request.max_keys = options_.page_size;
  if (range.probe_keys > 0) {
    request.max_keys = std::min(options_.page_size, range.probe_keys);
    range.probe_keys = 0;
  } else if (range.until && !range.discover) {
    const long double left = keys_left(range);
    if (left > 0 && left < static_cast<long double>(options_.page_size)) {
      const auto wanted = static_cast<std::size_t>(left * 1.25L) + 16;
      request.max_keys = std::min(options_.page_size, wanted);
    }
  }
  return request;
}

std::optional<RangeRequest> ListPlanner::next(std::optional<std::uint64_t> current) {
  if (current) {
    const auto it = find(*current);
    if (it != ranges_.end() && !it->done && !it->in_flight) {
      if (!may_list(*it)) return std::nullopt;  // keep it, list on later
      return start_request(*it);
    }
  }
  // Ranges nobody lists yet, leftmost first: an ordered listing needs them first.
  for (auto& range : ranges_) {
    if (range.owned || range.done) continue;
    if (!may_list(range)) return std::nullopt;
    return start_request(range);
  }
  if (buffered_ + in_flight_ >= options_.max_buffered_pages) return std::nullopt;
  if (auto cut = cut_for_idle_worker()) return start_request(**cut);
  return std::nullopt;
}

std::optional<std::string> ListPlanner::estimate_until(const Range& range) const {
  if (range.within.empty() || !range.cursor.starts_with(range.within)) return range.until;
  // The end of the sub-prefix's keys (bar any that start with U+10FFFF):
  // UTF-8, as a cut made below it is then.
  std::string end = range.within + std::string(kLastCharacter);
  if (range.until && *range.until < end) return range.until;
  return end;
}

long double ListPlanner::keys_left(const Range& range) const {
  // One key has no width: its density says nothing (and would be infinite).
  if (range.sample.count < 2) return 0;
  const long double page = key_gap(options_.prefix, range.sample.first,
                                   std::optional<std::string>(range.sample.last), alphabet_);
  const long double left = key_gap(options_.prefix, range.cursor, estimate_until(range), alphabet_);
  if (left <= 0 || page <= 0) return 0;
  return static_cast<long double>(range.sample.count - 1) * (left / page);
}

std::uint64_t ListPlanner::ranges_allowed() const {
  // Every range past the first few must be paid for by keys listed: whatever
  // the key space looks like (gaps the density estimate cannot see, one-key
  // sub-prefixes), requests stay O(pages) and cutting cannot go on while
  // listing stalls. The first few do not grow past 32 with the workers (two
  // per worker let 1,680 keys under one sub-prefix take 66 requests at 64
  // workers and 1,026 at 1,024, each cut in the empty key space past the last
  // key), and discovery's cuts at common prefixes count too (each level cut
  // up to two per worker: 2,000 keys in one-key sub-prefixes took 177
  // requests at 16 and 528 at 64, a review). Not fewer than 32 at 16 workers:
  // with 16, a first page followed by 30 sub-prefixes was cut at an even
  // choice of them whose pieces listed (and threw away) 14,000 keys where
  // one piece per sub-prefix threw away 240 (a second review).
  return std::min<std::uint64_t>(2 * static_cast<std::uint64_t>(options_.workers), 32) +
         2 * (stats_.kept_keys / options_.page_size);
}

std::optional<ListPlanner::Iter> ListPlanner::cut_for_idle_worker() {
  if (stats_.ranges >= ranges_allowed()) return std::nullopt;
  const auto target = static_cast<long double>(options_.target_range_keys);
  auto best = ranges_.end();
  long double best_left = 0;
  for (auto it = ranges_.begin(); it != ranges_.end(); ++it) {
    if (!it->owned || it->done || it->uncuttable || it->discover) continue;
    const long double left = keys_left(*it);
    if (left < 2 * target || left <= best_left) continue;
    best = it;
    best_left = left;
    // Ordered output drains from the left: work near the head first.
    if (options_.ordered) break;
  }
  if (best == ranges_.end()) return std::nullopt;
  // Leave the range's worker about `target` more keys and give the rest to
  // the idle one; with a good estimate the cut lies beyond the page in flight.
  const double fraction = static_cast<double>(std::min<long double>(0.5, target / best_left));
  auto cut = cut_point(options_.prefix, best->cursor, estimate_until(*best), fraction, alphabet_);
  if (!cut) {
    best->uncuttable = true;
    return std::nullopt;
  }
  auto piece = add_range_after(best, *cut, best->until);
  piece->sample = best->sample;
  piece->within = best->within;
  best->until = std::move(*cut);
  return piece;
}

bool ListPlanner::cut_at_prefixes(Iter range, const std::vector<std::string>& prefixes) {
  std::vector<const std::string*> usable;
  for (const auto& p : prefixes) {
    alphabet_.add(std::string_view(p).substr(std::min(options_.prefix.size(), p.size())));
    if (p <= range->cursor || (range->until && p >= *range->until)) continue;
    if (!p.starts_with(options_.prefix)) continue;
    if (!usable.empty() && p <= *usable.back()) continue;
    usable.push_back(&p);
  }
  if (usable.empty()) return false;
  // Many sub-prefixes: an even choice of them is cut enough; the ranges
  // that turn out big are cut again as their pages arrive. As many as the
  // keys listed so far pay for (ranges_allowed): each discovery level once
  // cut up to 2 per worker, one-key sub-prefixes into pieces of a few keys.
  const std::uint64_t allowed = ranges_allowed();
  if (stats_.ranges >= allowed) return false;
  const std::size_t limit = static_cast<std::size_t>(std::min<std::uint64_t>(
      2 * static_cast<std::uint64_t>(options_.workers), allowed - stats_.ranges));
  std::vector<std::string> cuts;
  std::vector<std::size_t> first_usable;  // cuts[j] is *usable[first_usable[j]]
  if (usable.size() <= limit) {
    for (std::size_t j = 0; j < usable.size(); ++j) {
      cuts.push_back(*usable[j]);
      first_usable.push_back(j);
    }
  } else {
    for (std::size_t j = 0; j < limit; ++j) {
      first_usable.push_back(j * usable.size() / limit);
      cuts.push_back(*usable[first_usable.back()]);
    }
  }
  // (Not when the budget chose among them: there are many, and a piece of
  // several would look only into its first.)
  const bool deeper = cuts.size() == usable.size() &&
                      cuts.size() < static_cast<std::size_t>(options_.workers) &&
                      range->depth + 1 < kMaxDiscoveryDepth;
  const auto old_until = range->until;
  range->until = cuts.front();
  // The range's cursor inside a sub-prefix (a/ after the first page,
  // a/0000...a/0999; the server rolls up no prefix at or before start-after,
  // so the page does not name it): the range lists that sub-prefix to its
  // end, then what follows it with a small page first, as the pieces below
  // do. Estimated from the page's density up to the next sub-prefix, the gap
  // after a/ was cut over and over, each piece listing (and throwing away) a
  // page of b/ (a review: 38 requests where a plain walk needs 3).
  if (const auto slash = range->cursor.find('/', options_.prefix.size());
      range->within.empty() && slash != std::string::npos &&
      range->cursor.starts_with(options_.prefix)) {
    range->within = range->cursor.substr(0, slash + 1);
  }
  auto position = range;
  for (std::size_t j = 0; j < cuts.size(); ++j) {
    auto until = j + 1 < cuts.size() ? std::optional<std::string>(cuts[j + 1]) : old_until;
    // A piece of an even choice of many sub-prefixes holds at least a key
    // for each of its own: its first page asks for about that many (with a
    // page of 1,000, pieces of one-key sub-prefixes each listed, and threw
    // away, the next pieces' keys: 10 to 36 times the keys kept, a review).
    // A piece of denser ones learns their density from that page. The last,
    // open-ended piece has no such bound.
    if (cuts.size() < usable.size() && j + 1 < cuts.size()) {
      position = add_range_after(position, cuts[j], until);
      position->sample = {cuts[j], *until, first_usable[j + 1] - first_usable[j] + 1};
    } else {
      position = add_range_after(position, cuts[j], std::move(until));
    }
    position->depth = range->depth + 1;
    if (cuts.size() == usable.size()) position->within = cuts[j];
    // With few sub-prefixes, look one level down too: the keys may all sit
    // in one of them.
    if (deeper) position->discover = cuts[j];
  }
  return true;
}

Result<void> ListPlanner::on_page(const RangeRequest& request, s3::ListPage page) {
  const auto it = find(request.range);
  if (it == ranges_.end() || !it->in_flight) {
    return make_error(ErrorKind::protocol, "parallel listing: a reply for a range not listed");
  }
  Range& range = *it;
  range.in_flight = false;
  in_flight_--;
  stats_.replies++;

  const bool discovery = !request.delimiter.empty();
  if (discovery) {
    range.discover.reset();
    // The contents of a page with common prefixes skip the keys rolled up
    // into them, and a page from past the cursor skips the keys between:
    // then drop the contents and list the range plainly from its cursor.
    if (!page.common_prefixes.empty()) cut_at_prefixes(it, page.common_prefixes);
    if (!page.common_prefixes.empty() || request.start_after != range.cursor) return {};
  }

  const std::string* previous = request.start_after.empty() ? nullptr : &request.start_after;
  for (const auto& object : page.objects) {
    if (previous != nullptr && object.key <= *previous) {
      return contract_error("has keys out of order or not after start-after (\"" + object.key +
                            "\")");
    }
    // Taken for the range's end, such a key ended the listing there, exit 0
    // with the rest missing (a review).
    if (!object.key.starts_with(request.prefix)) {
      return contract_error("has a key outside the prefix asked for (\"" + object.key + "\")");
    }
    previous = &object.key;
  }
  if (page.is_truncated && page.objects.empty()) return contract_error("is truncated but empty");

  bool past_end = false;
  Sample sample;
  if (!page.objects.empty()) {
    sample = {page.objects.front().key, page.objects.back().key, page.objects.size()};
  }
  std::vector<s3::ObjectInfo> kept;
  kept.reserve(page.objects.size());
  for (auto& object : page.objects) {
    const std::string_view key = object.key;
    alphabet_.add(key.substr(std::min(options_.prefix.size(), key.size())));
    if (range.until && object.key > *range.until) {
      past_end = true;
      stats_.dropped_keys++;
      continue;
    }
    kept.push_back(std::move(object));
  }
  // A discovery listing one level down covers the first sub-prefix only:
  // its end is not the range's end.
  const bool whole_prefix = request.prefix == options_.prefix;
  if (past_end || (!page.is_truncated && whole_prefix)) {
    range.done = true;
  } else {
    if (!sample.last.empty()) {
      range.cursor = sample.last;
      range.sample = sample;
    }
    if (!range.within.empty() && request.prefix == range.within && !page.is_truncated) {
      // The sub-prefix is listed to its end. If the range ends inside it, so
      // does the range. What follows it otherwise -- keys beside the
      // sub-prefixes, often none -- has nothing to do with its density
      // (estimated from it, the rest looked like thousands of keys, was cut
      // and listed over and over, and each such page was the next ranges'
      // keys, thrown away): look with a small page first.
      if (range.until && range.until->starts_with(range.within)) {
        range.done = true;
      } else {
        range.within.clear();
        range.sample = {};
        range.probe_keys = kTailProbeKeys;
      }
    }
  }
  // The listing's first page came back full: the rest goes to a range whose
  // first request asks for common prefixes to cut at.
  const bool first_page = range.id == 0 && request.start_after.empty() && !discovery;
  if (first_page && options_.discover && !range.done) {
    auto rest = add_range_after(it, range.cursor, range.until);
    rest->discover = options_.prefix;
    rest->sample = range.sample;
    range.until = range.cursor;
    range.done = true;
  }
  // A piece cut off a range that held no key at all: the density that chose
  // the cut does not hold there (a gap between sub-prefixes, say). Stop
  // cutting the range it came from, which would only make more empty pieces.
  if (past_end && kept.empty() && range.cursor == range.after && it != ranges_.begin()) {
    std::prev(it)->uncuttable = true;
  }
  stats_.kept_keys += kept.size();
  if (!kept.empty()) {
    (options_.ordered ? range.pages : arrived_).push_back(std::move(kept));
    buffered_++;
    stats_.pages++;
  }
  const bool ends_prefix = !page.is_truncated && whole_prefix;
  const std::string last = sample.last.empty() ? request.start_after : sample.last;
  if (range.done) finish(it);  // `range` may be gone from here on
  if (ends_prefix) learn_end(last);
  return {};
}

void ListPlanner::learn_end(const std::string& last) {
  if (end_ && *end_ <= last) return;
  end_ = last;
  // Ranges past the end are empty: drop those not being listed (one in
  // flight ends itself with an empty page), and bound the others, so that
  // the open-ended last range stops being cut into empty pieces.
  for (auto it = ranges_.begin(); it != ranges_.end();) {
    auto current = it++;
    if (!current->until || *current->until > last) current->until = last;
    const bool empty = !current->after.empty() && current->after >= last;
    if (empty && !current->in_flight) {
      current->done = true;
      finish(current);
    }
  }
}

void ListPlanner::finish(Iter range) {
  range->owned = false;
  // A done range with nothing left to pop is no longer needed: the order of
  // the others is their order in the list.
  if (range->pages.empty()) {
    by_id_.erase(range->id);
    ranges_.erase(range);
  }
}

std::optional<std::vector<s3::ObjectInfo>> ListPlanner::pop() {
  std::optional<std::vector<s3::ObjectInfo>> page;
  if (!options_.ordered) {
    if (arrived_.empty()) return page;
    page = std::move(arrived_.front());
    arrived_.pop_front();
    buffered_--;
    return page;
  }
  if (ranges_.empty() || ranges_.front().pages.empty()) return page;
  Range& head = ranges_.front();
  page = std::move(head.pages.front());
  head.pages.pop_front();
  buffered_--;
  if (head.done && head.pages.empty()) finish(ranges_.begin());
  return page;
}

bool ListPlanner::finished() const {
  return ranges_.empty() && arrived_.empty();
}

}  // namespace s3loop::jobs::listing
