// Which request copies an object, for the sake of its key. Private to jobs.
//
// radosgw 16.2 decodes UploadPartCopy's x-amz-copy-source twice (CopyObject's
// once, as AWS does both): the part copies of `pct%41` read `pctA`. Where no
// `pctA` exists that fails (NoSuchKey, explained by the copy); where one
// does, a review found the copy made of ITS bytes, reported copied, and
// `--verify` (which can match multipart copies by size only) passing it.
// A key holding '%' is therefore copied with CopyObject whenever CopyObject
// can copy it (up to 5 GiB), whatever --multipart-threshold says; above
// that, the copy first makes sure that no object answers to the key read
// twice (misread_source_key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace s3loop::jobs {

// Whether an object of `size` under `key` is copied part by part.
bool copies_in_parts(std::string_view key, std::uint64_t size, std::uint64_t multipart_threshold);

// The key a server that decodes x-amz-copy-source twice would copy instead
// of `key`: `key` percent-decoded once more, when that changes it.
std::optional<std::string> misread_source_key(std::string_view key);

}  // namespace s3loop::jobs
