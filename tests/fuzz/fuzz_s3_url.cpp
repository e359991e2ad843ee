// s3:// URLs as users type them: any text gives a URL or a usage error, and a
// URL that parses prints back to text that parses to the same bucket and key.
// A name fit for a new bucket is fit for an existing one too.
#include "s3loop/s3/s3_url.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using s3loop::s3::BucketRules;

void check(std::string_view text, BucketRules rules, std::size_t max_bucket) {
  auto url = s3loop::s3::parse_s3_url(text, rules);
  if (!url) {
    if (url.error().kind != s3loop::ErrorKind::usage || url.error().message.empty()) std::abort();
    return;
  }
  if (url->bucket.size() < 3 || url->bucket.size() > max_bucket) std::abort();
  auto again = s3loop::s3::parse_s3_url("s3://" + url->bucket + "/" + url->key, rules);
  if (!again || again->bucket != url->bucket || again->key != url->key) std::abort();
  if (rules == BucketRules::new_bucket && !s3loop::s3::parse_s3_url(text, BucketRules::existing)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(text, BucketRules::existing, 255);
  check(text, BucketRules::new_bucket, 63);
  return 0;
}
