// s3:// URLs as users type them: any text gives a URL or a usage error, and a
// URL that parses prints back to text that parses to the same bucket and key.
#include "s3loop/s3/s3_url.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto url = s3loop::s3::parse_s3_url(text);
  if (!url) {
    if (url.error().kind != s3loop::ErrorKind::usage || url.error().message.empty()) std::abort();
    return 0;
  }
  if (url->bucket.size() < 3 || url->bucket.size() > 63) std::abort();
  auto again = s3loop::s3::parse_s3_url("s3://" + url->bucket + "/" + url->key);
  if (!again || again->bucket != url->bucket || again->key != url->key) std::abort();
  return 0;
}
