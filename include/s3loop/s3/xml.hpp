// S3 XML documents: parse replies and build request bodies. Pure, pugixml inside.
#pragma once

#include "s3loop/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace s3loop::s3 {

// The most tags ('<', opening and closing alike) a reply may hold to be
// parsed: the largest S3 sends hold ~100,000 (a bucket list of 10,000, a page
// of 1,000 versions with owners), and each element costs the parser ~70
// bytes, so a padded reply is refused, not read into memory many times its
// size.
inline constexpr std::ptrdiff_t kMaxXmlElements = 300'000;

struct ObjectInfo {
  std::string key;  // decoded when the page said EncodingType=url
  std::uint64_t size = 0;
  std::string etag;           // without surrounding quotes
  std::string last_modified;  // as sent, ISO 8601
  std::string storage_class;
};

struct ListPage {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;  // decoded like keys
  bool is_truncated = false;
  std::string next_continuation_token;
};

// The <Error> document S3 sends with 4xx/5xx (and sometimes inside a 200).
struct S3ErrorBody {
  std::string code;
  std::string message;
  std::string request_id;
  std::string resource;
  // Where the bucket lives, on replies that say the request went to the wrong
  // region (PermanentRedirect, AuthorizationHeaderMalformed).
  std::string region;
  std::string endpoint;
  std::string bucket_name;  // <BucketName>: the bucket the server took the request for
};

// Returns the error body if `xml` is an <Error> document, else nullopt.
std::optional<S3ErrorBody> parse_error_body(std::string_view xml);

// ListObjectsV2 result. An <Error> document or malformed XML is an Error
// (kind s3 / protocol). Keys, prefixes, StartAfter are url-decoded when
// <EncodingType>url</EncodingType> is present.
Result<ListPage> parse_list_objects_v2(std::string_view xml);

struct BucketInfo {
  std::string name;
  std::string creation_date;  // as sent, ISO 8601 (UTC)
};

// ListBuckets result (<ListAllMyBucketsResult>): the buckets in the order
// sent (S3 sorts them by name). An <Error> document, malformed XML or a
// <Bucket> without <Name> is an Error (kind s3 / protocol). s3loop sends no
// max-buckets, and AWS paginates ListBuckets only when asked to (a
// ContinuationToken then comes back): the reply holds every bucket. A reply
// that carries a ContinuationToken anyway is an Error, not a silently partial
// list.
Result<std::vector<BucketInfo>> parse_list_buckets(std::string_view xml);

// CopyObject (<CopyObjectResult>) and UploadPartCopy (<CopyPartResult>):
// returns the ETag without quotes (radosgw sends it unquoted, AWS quoted).
// A 200 whose body is <Error> yields an Error of kind s3, retryable when the
// code is InternalError, SlowDown, ServiceUnavailable or RequestTimeout.
Result<std::string> parse_copy_result(std::string_view xml);

// <InitiateMultipartUploadResult> -> UploadId.
Result<std::string> parse_initiate_multipart(std::string_view xml);

// <CompleteMultipartUploadResult> -> ETag without quotes (may be empty:
// radosgw sends an empty one). <Error> inside a 200 is an Error.
Result<std::string> parse_complete_multipart(std::string_view xml);

// An instant as S3 writes them in XML (ListMultipartUploads' <Initiated>,
// ListObjectsV2's <LastModified>): "2009-10-12T17:50:30.000Z", UTC, with or
// without fractional seconds (kept to the millisecond). Anything else,
// including another time zone or an impossible date, is nullopt.
using UtcMillis = std::chrono::sys_time<std::chrono::milliseconds>;
std::optional<UtcMillis> parse_s3_timestamp(std::string_view text);

// One entry of ListMultipartUploads: an upload started and neither completed
// nor aborted.
struct MultipartUpload {
  std::string key;  // decoded when the page said EncodingType=url
  std::string upload_id;
  std::string initiator_id;                 // <Initiator><ID>: who started it
  std::string initiated;                    // as sent, ISO 8601 (UTC, the server's clock)
  std::optional<UtcMillis> initiated_time;  // parsed; nullopt when unreadable
};

struct MultipartUploadsPage {
  std::vector<MultipartUpload> uploads;
  bool is_truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

// ListMultipartUploads result (<ListMultipartUploadsResult>). An <Error>
// document, malformed XML, an <Upload> without <Key> or <UploadId>, or a
// truncated page without <NextKeyMarker> (following it would list the same
// page forever) is an Error. An unreadable <Initiated> is not: that upload's
// initiated_time is nullopt.
Result<MultipartUploadsPage> parse_list_multipart_uploads(std::string_view xml);

struct CompletedPart {
  int part_number = 0;
  std::string etag;  // without quotes; the builder adds them
};
std::string build_complete_multipart(const std::vector<CompletedPart>& parts);

// One object tag. S3 allows 10 per object, keys up to 128 and values up to
// 256 Unicode characters; the server enforces that, not s3loop.
struct Tag {
  std::string key;
  std::string value;
};

// GetObjectTagging (<Tagging><TagSet><Tag><Key/><Value/></Tag>...): the tags
// in the order sent. An <Error> document, malformed XML or a <Tag> without
// <Key> is an Error. An empty body is no tags: radosgw 16.2 answers an
// untagged object with 200 and Content-Length 0 (a body cut short is a
// transport error before it gets here).
Result<std::vector<Tag>> parse_tagging(std::string_view xml);

// PutObjectTagging's body: <Tagging><TagSet><Tag>...</TagSet></Tagging>,
// keys and values XML-escaped.
std::string build_tagging(const std::vector<Tag>& tags);

// Whether an XML 1.0 document can hold `text` at all: valid UTF-8 of the
// characters XML allows (tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD,
// U+10000-U+10FFFF). The other control characters (U+0001-U+0008, U+000B,
// U+000C, U+000E-U+001F) are not allowed even as character references, and
// radosgw refuses a request body holding one (400), whole.
bool xml_can_carry(std::string_view text);

// One entry of a DeleteObjects of versions: the key and, when set, which of
// its versions (or delete markers) goes.
struct ObjectToDelete {
  std::string key;
  std::string version_id;
};
// <Delete><Quiet>true</Quiet><Object><Key>..</Key><VersionId>..</VersionId>
// </Object>...</Delete>, each <VersionId> only when the entry names one; keys
// XML-escaped. Keys for which xml_can_carry is false come out as character
// references that a strict parser (radosgw's) rejects: leave them out.
std::string build_delete_versions(const std::vector<ObjectToDelete>& objects, bool quiet);

// One entry of ListObjectVersions: a version of an object, or a delete marker.
struct ObjectVersion {
  std::string key;  // decoded when the page said EncodingType=url
  std::string version_id;
  bool delete_marker = false;
};
struct VersionsPage {
  std::vector<ObjectVersion> versions;  // in the order sent: key, then newest first
  bool is_truncated = false;
};
// ListObjectVersions result (<ListVersionsResult>). An <Error> document,
// malformed XML, an entry without <Key> or <VersionId>, or a truncated page
// without entries is an Error. A next page starts after the last entry (its
// key and version id as key-marker and version-id-marker), which is what
// <NextKeyMarker> and <NextVersionIdMarker> name: those are not read, since
// radosgw 16.2 sends NextKeyMarker unencoded on a page that says
// EncodingType=url (a '+' in it would come back a space).
Result<VersionsPage> parse_list_object_versions(std::string_view xml);

// GetBucketVersioning (<VersioningConfiguration>): its <Status>, "Enabled"
// or "Suspended", or empty for a bucket that never had versioning turned on
// (S3 then sends the element without a <Status>).
Result<std::string> parse_bucket_versioning(std::string_view xml);
// PutBucketVersioning's body: <VersioningConfiguration><Status>..</Status>.
std::string build_versioning_configuration(std::string_view status);

struct DeleteFailure {
  std::string key;
  std::string code;
  std::string message;
};
// <DeleteResult>: the keys that failed (the deleted ones are not kept).
Result<std::vector<DeleteFailure>> parse_delete_result(std::string_view xml);

// SelectObjectContent request (CSV input). ScanRange bounds are inclusive
// byte offsets, as S3 documents them.
struct SelectRequest {
  std::string expression;
  std::string file_header_info = "USE";  // USE, IGNORE or NONE
  char field_delimiter = ',';
  char quote = '"';
  // Comments: a line starting with it is skipped. '#' is S3's default and is
  // not spelled out (radosgw 16.2 ignores the element either way).
  char comments = '#';
  bool output_json = false;  // else CSV
  // CSV output's FieldDelimiter: S3 writes ',' whatever the input's is.
  char output_field_delimiter = ',';
  std::optional<std::uint64_t> scan_start;
  std::optional<std::uint64_t> scan_end;
};
std::string build_select_request(const SelectRequest& request);

}  // namespace s3loop::s3
