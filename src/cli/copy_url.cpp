#include "copy_url.hpp"

namespace s3loop::cli {

Result<s3::S3Url> parse_copy_location(std::string_view word) {
  auto url = s3::parse_s3_url(word);
  if (url || word.find("://") != std::string_view::npos) return url;
  Error e = url.error();
  e.message +=
      " (s3loop cp copies from S3 to S3, server-side: to upload or download a local file, use "
      "aws s3 cp)";
  return e;
}

}  // namespace s3loop::cli
