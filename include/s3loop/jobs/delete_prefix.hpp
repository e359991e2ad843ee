// Deleting everything under a prefix: what compare does with its runs'
// copies, and what tests clean up with.
#pragma once

#include "s3loop/s3/client.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>

namespace s3loop::jobs {

// Deletes every object under s3://bucket/prefix, a page (1,000 keys) per
// DeleteObjects request; a key XML cannot carry (s3::xml_can_carry) gets a
// DeleteObject request of its own. Returns how many were deleted. In a
// versioned bucket this leaves every version behind, under a delete marker.
// A key listed outside the prefix (a server that ignored it) is an error,
// not deleted.
boost::asio::awaitable<Result<std::uint64_t>> delete_prefix(s3::Client& client, std::string bucket,
                                                            std::string prefix);

// Deletes for good every version and every delete marker under
// s3://bucket/prefix (ListObjectVersions, then DeleteObjects naming each
// version; a key XML cannot carry gets a DeleteObject of its own), so that
// nothing of it is left in a bucket that has or had versioning on. Only for
// prefixes s3loop wrote itself: no version of anyone's data can be brought
// back after it. Returns how many versions and markers were deleted. A key
// listed outside the prefix (a server that ignored it) is an error before
// anything is deleted; so is one still listed after more pages than were
// there to delete.
// `page_size`: versions per listing page (S3's most: 1,000; one outside
// [1, 1000] is taken as the nearest of those).
boost::asio::awaitable<Result<std::uint64_t>> delete_prefix_versions(s3::Client& client,
                                                                     std::string bucket,
                                                                     std::string prefix,
                                                                     int page_size = 1000);

// Aborts every multipart upload whose key lies under s3://bucket/prefix
// (ListMultipartUploads): the parts a copy cut short left on the server,
// billed and invisible to a listing of objects. Returns how many it
// aborted; an upload already gone counts as aborted. A key listed outside
// the prefix is an error before anything is aborted.
boost::asio::awaitable<Result<std::uint64_t>> abort_prefix_uploads(s3::Client& client,
                                                                   std::string bucket,
                                                                   std::string prefix);

}  // namespace s3loop::jobs
