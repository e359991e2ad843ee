// Percent-encoding as S3 and SigV4 want it. Pure functions, no I/O.
#pragma once

#include "s3loop/s3/xml.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace s3loop::s3 {

// Encodes every byte except the unreserved set `A-Z a-z 0-9 - . _ ~` as %XX
// (upper-case hex). With keep_slash, '/' is kept as is (object key paths);
// without, it becomes %2F (query values). Never normalises: "a//b/./c" stays.
std::string uri_encode(std::string_view in, bool keep_slash);

// Decodes %XX sequences; with plus_as_space, '+' decodes to ' ' (form
// encoding, as ListObjectsV2 with encoding-type=url may use). Malformed
// escapes are kept literally.
std::string url_decode(std::string_view in, bool plus_as_space);

// The x-amz-tagging header value for `tags`: "k1=v1&k2=v2", each key and
// value percent-encoded as a query value (so '&', '=', '+', ' ' and any
// non-ASCII byte cannot be mistaken for structure), in the order given.
std::string tagging_header(const std::vector<Tag>& tags);

// Base64 of the MD5 digest of `data`: the Content-MD5 header value that
// DeleteObjects (and any request with a body S3 must integrity-check) needs.
std::string base64_md5(std::string_view data);

}  // namespace s3loop::s3
