#include "copy_source_key.hpp"

#include "s3loop/jobs/copy_job.hpp"
#include "s3loop/s3/encoding.hpp"

namespace s3loop::jobs {

bool copies_in_parts(std::string_view key, std::uint64_t size, std::uint64_t multipart_threshold) {
  // At the threshold too, as aws cli's s3transfer (size >= threshold): an
  // object it copied in parts has the same kind of ETag here, which
  // --skip-existing compares.
  if (size < multipart_threshold) return false;
  // (A '%' not followed by two hex digits crashed radosgw 16.2 in
  // UploadPartCopy; CopyObject copies it.)
  if (key.find('%') != std::string_view::npos && size <= kMaxSingleCopy) return false;
  return true;
}

std::optional<std::string> misread_source_key(std::string_view key) {
  if (key.find('%') == std::string_view::npos) return std::nullopt;
  // '+' stays '+': radosgw reads the header as a path, not a form.
  std::string twice = s3::url_decode(key, /*plus_as_space=*/false);
  if (twice == key) return std::nullopt;
  return twice;
}

}  // namespace s3loop::jobs
