#include "s3loop/jobs/verify.hpp"

#include "s3loop/jobs/key_filter.hpp"
#include "s3loop/jobs/list_job.hpp"

#include <deque>
#include <functional>

namespace s3loop::jobs {

using boost::asio::awaitable;

namespace {

constexpr std::size_t kMaxProblems = 20;

// Pulls one listing page at a time and hands out its objects in order.
class ListingCursor {
 public:
  // Only keys `take` accepts (the copy's filters; none: every key) come out
  // of next().
  ListingCursor(s3::Client& client, std::string bucket, std::string prefix,
                std::function<bool(const std::string&)> take = {})
      : client_(client), take_(std::move(take)) {
    params_.bucket = std::move(bucket);
    params_.prefix = std::move(prefix);
  }

  // The next object, or nullopt at the end.
  awaitable<Result<std::optional<s3::ObjectInfo>>> next() {
    while (buffer_.empty() && !done_) {
      auto page = co_await client_.list_objects_v2(params_);
      if (!page) co_return page.error();
      listed_any_ = listed_any_ || !page->objects.empty();
      for (auto& o : page->objects) {
        if (!take_ || take_(o.key)) buffer_.push_back(std::move(o));
      }
      done_ = !page->is_truncated;
      // (Unchecked, the next request would list the first page, or the same
      // one, again and for ever.)
      if (!done_) {
        if (auto problem = next_page_problem(*page, params_.continuation_token)) {
          co_return std::move(*problem);
        }
      }
      params_.continuation_token = page->next_continuation_token;
    }
    if (buffer_.empty()) co_return std::optional<s3::ObjectInfo>();
    auto out = std::move(buffer_.front());
    buffer_.pop_front();
    co_return std::optional<s3::ObjectInfo>(std::move(out));
  }

  // Whether the listing so far held any object, taken or not.
  bool listed_any() const { return listed_any_; }

 private:
  s3::Client& client_;
  std::function<bool(const std::string&)> take_;
  s3::ListParams params_;
  std::deque<s3::ObjectInfo> buffer_;
  bool done_ = false;
  bool listed_any_ = false;
};

bool is_multipart_etag(const std::string& etag) {
  return etag.find('-') != std::string::npos;
}

void note(VerifyReport& report, std::string problem) {
  if (report.problems.size() < kMaxProblems) report.problems.push_back(std::move(problem));
}

void compare(VerifyReport& report, const s3::ObjectInfo& source, const std::string& dst_key,
             const std::string& dst_etag, std::uint64_t dst_size) {
  // Two multipart ETags that agree were made of the same parts; any other
  // pair with a multipart ETag says nothing about the bytes.
  const bool etag_comparable = !is_multipart_etag(source.etag) && !is_multipart_etag(dst_etag);
  if (source.size != dst_size || (etag_comparable && source.etag != dst_etag)) {
    report.mismatched++;
    note(report, "differs: " + dst_key);
  } else {
    report.matched++;
    if (!etag_comparable && source.etag != dst_etag) report.matched_by_size_only++;
  }
}

// A copy of one named object: only its own destination is the copy's
// business, not whatever else lies beside it.
awaitable<Result<VerifyReport>> verify_named_object(s3::Client& client, const CopyOptions& options,
                                                    const s3::ObjectInfo& source) {
  VerifyReport report;
  const std::string dst_key = destination_key(options, source.key);
  auto head = co_await client.head_object(options.destination.bucket, dst_key);
  if (!head) {
    if (head.error().http_status != 404) co_return head.error();
    report.missing++;
    note(report, "missing: " + dst_key);
    co_return report;
  }
  compare(report, source, dst_key, head->etag, head->size);
  co_return report;
}

}  // namespace

awaitable<Result<VerifyReport>> verify_copy(s3::Client& client, CopyOptions options) {
  // What the filters left out is not expected at the destination.
  ListingCursor source(client, options.source.bucket, options.source.key,
                       [&options](const std::string& key) { return copy_selects(options, key); });
  // Nor is a destination key they leave out the copy's: one already there,
  // which the copy would have left alone, is not "unexpected".
  ListingCursor destination(client, options.destination.bucket, options.destination.key,
                            [&options](const std::string& key) {
                              return key_selected(
                                  options.filters,
                                  std::string_view(key).substr(options.destination.key.size()));
                            });
  VerifyReport report;
  auto src = co_await source.next();
  if (!src) co_return src.error();
  // The copy's own rule, decided again from the server: nothing under the
  // name as a directory (filters aside), so it named an object (or nothing).
  if (!source.listed_any() && !options.named_object.empty()) {
    auto named = co_await find_named_object(client, options);
    if (!named) co_return named.error();
    if (*named) {
      if (!copy_selects(options, (*named)->key)) co_return report;
      co_return co_await verify_named_object(client, options, **named);
    }
  }
  auto dst = co_await destination.next();
  if (!dst) co_return dst.error();
  while (*src || *dst) {
    // Compare in destination key space; the mapping preserves order.
    const std::string expected = *src ? destination_key(options, (*src)->key) : std::string();
    const bool take_src = *src && (!*dst || expected <= (*dst)->key);
    const bool take_dst = *dst && (!*src || (*dst)->key <= expected);
    if (take_src && take_dst) {
      compare(report, **src, (*dst)->key, (*dst)->etag, (*dst)->size);
    } else if (take_src) {
      report.missing++;
      note(report, "missing: " + expected);
    } else {
      report.unexpected++;
      note(report, "unexpected: " + (*dst)->key);
    }
    if (take_src) {
      src = co_await source.next();
      if (!src) co_return src.error();
    }
    if (take_dst) {
      dst = co_await destination.next();
      if (!dst) co_return dst.error();
    }
  }
  co_return report;
}

}  // namespace s3loop::jobs
