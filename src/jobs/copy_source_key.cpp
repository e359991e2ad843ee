#include "copy_source_key.hpp"

#include "s3loop/jobs/copy_job.hpp"
#include "s3loop/s3/encoding.hpp"

namespace s3loop::jobs {

namespace {

// Where radosgw 16.2's UploadPartCopy ends the key of x-amz-copy-source once
// decoded, taking the rest for a version id (it looks for it after decoding,
// where AWS looks before: our %3F in the key became its '?').
constexpr std::string_view kVersionQuery = "?versionId=";

// Keys UploadPartCopy may read as another: '%' (decoded twice; one not
// followed by two hex digits crashed radosgw 16.2) or "?versionId=".
bool part_copy_may_misread(std::string_view key) {
  return key.find('%') != std::string_view::npos ||
         key.find(kVersionQuery) != std::string_view::npos;
}

}  // namespace

bool copies_in_parts(std::string_view key, std::uint64_t size, std::uint64_t multipart_threshold) {
  // At the threshold too, as aws cli's s3transfer (size >= threshold): an
  // object it copied in parts has the same kind of ETag here, which
  // --skip-existing compares.
  if (size < multipart_threshold) return false;
  // CopyObject reads such a key right.
  if (part_copy_may_misread(key) && size <= kMaxSingleCopy) return false;
  return true;
}

std::optional<std::string> misread_source_key(std::string_view key) {
  const std::string_view name = key.substr(0, key.find(kVersionQuery));
  // '+' stays '+': radosgw reads the header as a path, not a form.
  std::string read = name.find('%') != std::string_view::npos
                         ? s3::url_decode(name, /*plus_as_space=*/false)
                         : std::string(name);
  if (read == key) return std::nullopt;
  return read;
}

}  // namespace s3loop::jobs
