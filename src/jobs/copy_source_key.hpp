// Which request copies an object, for the sake of its key. Private to jobs.
//
// radosgw 16.2 misreads UploadPartCopy's x-amz-copy-source (CopyObject's it
// reads right, as AWS does both): it decodes the key twice, so the part
// copies of `pct%41` read `pctA`, and it takes "?versionId=" in a key for a
// version, so those of `r?versionId=null` read `r`. Where no such object
// exists that fails (NoSuchKey, explained by the copy); where one does,
// reviews found the copy made of ITS bytes, reported copied, and `--verify`
// (which can match multipart copies by size only) passing it. Such a key is
// therefore copied with CopyObject whenever CopyObject can copy it (up to
// 5 GiB), whatever --multipart-threshold says; above that, the copy first
// makes sure that no object answers to the key as misread
// (misread_source_key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace s3loop::jobs {

// Whether an object of `size` under `key` is copied part by part.
bool copies_in_parts(std::string_view key, std::uint64_t size, std::uint64_t multipart_threshold);

// The key radosgw 16.2's UploadPartCopy would copy instead of `key`: `key`
// up to any "?versionId=", percent-decoded once more -- when that is
// another key.
std::optional<std::string> misread_source_key(std::string_view key);

}  // namespace s3loop::jobs
