// What may stand in a host name: the one test behind region names (config,
// and the regions S3 names in its errors) and virtual-hosted bucket names.
// Pure.
#pragma once

#include <string_view>

namespace s3loop::s3 {

// One host-name label (RFC 1123): 1 to 63 letters of either case, digits and
// '-', with no '-' at either end.
bool is_host_label(std::string_view label);

// A region name: a host label that is not all digits. This is botocore's own
// test (utils.validate_region_name, which it applies to the configured region
// and to the x-amz-bucket-region S3 answers with), so exactly the regions the
// AWS CLI accepts are accepted -- upper case included, as S3-compatible
// servers may name theirs so -- and a region always fits in a host name. Two deliberate
// differences: an empty name is none, and so is one ending in a newline
// (the regex's '$' lets one through; it would break the signed header).
bool is_region_name(std::string_view region);

}  // namespace s3loop::s3
