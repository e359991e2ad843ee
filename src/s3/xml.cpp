// S3 XML replies and request bodies. pugixml stays inside this file so the
// rest of the project never sees its types.
#include "s3loop/s3/xml.hpp"

#include "s3loop/one_line.hpp"
#include "s3loop/s3/encoding.hpp"

#include <fmt/format.h>
#include <pugixml.hpp>
#include "s3loop/utf8.hpp"

#include <algorithm>
#include <charconv>

namespace s3loop::s3 {
namespace {

constexpr std::string_view kXmlDecl = R"(<?xml version="1.0" encoding="UTF-8"?>)";
constexpr std::string_view kS3Namespace = R"( xmlns="http://s3.amazonaws.com/doc/2006-03-01/")";

// Element names compared without any namespace prefix: S3 uses a default
// namespace, but "s3:Key" from a proxy that rewrites it should still match.
bool has_local_name(pugi::xml_node n, std::string_view local) {
  std::string_view name = n.name();
  if (const auto colon = name.find(':'); colon != std::string_view::npos) {
    name.remove_prefix(colon + 1);
  }
  return name == local;
}

pugi::xml_node child(pugi::xml_node parent, std::string_view local) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && has_local_name(c, local)) return c;
  }
  return {};
}

template <class F>
void for_each_child(pugi::xml_node parent, std::string_view local, F&& f) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && has_local_name(c, local)) f(c);
  }
}

// Concatenated text of an element (pugixml splits text around CDATA sections
// and comments, which XML considers one string).
std::string text(pugi::xml_node n) {
  std::string out;
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return out;
}

std::string child_text(pugi::xml_node parent, std::string_view local) {
  return text(child(parent, local));
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// AWS quotes ETags, radosgw sometimes does not; callers compare them bare.
std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

Error protocol_error(std::string message) {
  return make_error(ErrorKind::protocol, std::move(message));
}

bool is_html_page(std::string_view document) {
  const auto starts_with = [&](std::string_view prefix) {
    return document.size() >= prefix.size() && iequals(document.substr(0, prefix.size()), prefix);
  };
  // "<html>" or "<html lang=...>", not "<htmlish>"; a doctype naming html.
  const bool html_element =
      starts_with("<html") && (document.size() == 5 || document[5] == '>' || document[5] == ' ' ||
                               document[5] == '\t' || document[5] == '\r' || document[5] == '\n');
  return html_element || starts_with("<!doctype html");
}

// Parses `xml` into `doc` and returns its root element. `what` names the
// reply in error messages ("ListObjectsV2 reply").
Result<pugi::xml_node> load(pugi::xml_document& doc, std::string_view xml, std::string_view what) {
  if (trim(xml).empty()) return protocol_error(fmt::format("empty {}", what));
  // Not even the start of a document: a web page or some other service
  // answered 200, not S3.
  std::string_view start = trim(xml);
  if (start.starts_with("\xEF\xBB\xBF")) start.remove_prefix(3);  // a byte order mark may lead
  if (!start.starts_with('<')) {
    Error e = protocol_error(fmt::format(
        "the {} is not XML: is the endpoint an S3 server? (check --endpoint-url)", what));
    e.not_s3_endpoint = true;
    return e;
  }
  // A web page (a web server's index, a login or captive portal) starts like
  // XML; parsed as XML it would only give "malformed" or "unexpected <html>".
  if (is_html_page(start)) {
    Error e = protocol_error(fmt::format(
        "the {} is an HTML page, not XML: is the endpoint an S3 server? (check --endpoint-url)",
        what));
    e.not_s3_endpoint = true;
    return e;
  }
  // pugixml spends ~70 bytes a node: 64 MiB of empty elements, which the
  // reply's size bound lets in, took 1.1 GB (a review). The largest S3 reply
  // holds ~100,000 tags (10,000 buckets, or 1,000 versions with their
  // owners); each tag starts with a '<' (text escapes its own).
  if (std::count(xml.begin(), xml.end(), '<') > kMaxXmlElements) {
    Error e = protocol_error(
        fmt::format("the {} holds more than {} XML tags, more than any S3 reply: not read "
                    "(is the endpoint an S3 server? check --endpoint-url)",
                    what, kMaxXmlElements));
    e.not_s3_endpoint = true;
    return e;
  }
  // parse_ws_pcdata_single keeps <Key>   </Key>: a key of only spaces is a
  // valid key, and pugixml would otherwise drop whitespace-only text.
  const pugi::xml_parse_result r =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata_single,
                      pugi::encoding_utf8);
  if (!r) {
    // Retried, as botocore retries a 200 whose body does not parse (taken
    // for a 500): a reply cut short where its end is the connection's close
    // reads as whole, and one listing page would end the job.
    Error e = protocol_error(
        fmt::format("malformed XML in {}: {} at byte {}", what, r.description(), r.offset));
    e.retryable = true;
    return e;
  }
  return doc.document_element();
}

// The server's words go into Error messages, which are one line each
// (error.hpp): a line break in its <Message> (or any field) is escaped here,
// where it enters.
S3ErrorBody read_error(pugi::xml_node root) {
  S3ErrorBody b;
  b.code = one_line(child_text(root, "Code"));
  b.message = one_line(child_text(root, "Message"));
  b.request_id = one_line(child_text(root, "RequestId"));
  b.resource = one_line(child_text(root, "Resource"));
  b.region = one_line(child_text(root, "Region"));
  b.endpoint = one_line(child_text(root, "Endpoint"));
  b.bucket_name = one_line(child_text(root, "BucketName"));
  return b;
}

// Codes AWS documents as "retry the request": the operation did not happen.
bool is_retryable_code(std::string_view code) {
  return code == "InternalError" || code == "SlowDown" || code == "ServiceUnavailable" ||
         code == "RequestTimeout";
}

Error s3_error(const S3ErrorBody& b, std::string_view operation) {
  Error e;
  e.kind = ErrorKind::s3;
  e.s3_code = b.code;
  e.request_id = b.request_id;
  e.retryable = is_retryable_code(b.code);
  const std::string code = b.code.empty() ? std::string("(no error code)") : b.code;
  // radosgw often sends an empty <Message>; the code alone must still read well.
  e.message = b.message.empty() ? fmt::format("{} failed: {}", operation, code)
                                : fmt::format("{} failed: {}: {}", operation, code, b.message);
  return e;
}

// Common shape of every reply parser: a root named `expected`, or <Error>.
Result<pugi::xml_node> expect_root(pugi::xml_document& doc, std::string_view xml,
                                   std::string_view operation, std::string_view expected) {
  const std::string what = fmt::format("{} reply", operation);
  auto root = load(doc, xml, what);
  if (!root) return root.error();
  if (has_local_name(*root, "Error")) return s3_error(read_error(*root), operation);
  if (!has_local_name(*root, expected)) {
    return protocol_error(
        fmt::format("unexpected <{}> in {}, expected <{}>", root->name(), what, expected));
  }
  return *root;
}

// `quotes`: also write " and ' as references. S3 Select's request leaves them
// as they are (legal in element text): radosgw 16.2 takes
// <QuoteCharacter>&quot;</QuoteCharacter> literally, and then splits every
// quoted field that holds a delimiter.
void append_escaped(std::string& out, std::string_view s, bool quotes = true) {
  for (char ch : s) {
    if (!quotes && (ch == '"' || ch == '\'')) {
      out.push_back(ch);
      continue;
    }
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          // Character references survive the parser's line-end and whitespace
          // normalisation, so "\r" in a key reaches S3 as "\r" (as S3's
          // object-key guidelines ask). Other C0 bytes are not XML 1.0 even
          // as references (see xml_can_carry); radosgw, for one, refuses
          // the whole body, so callers keep such text out.
          out += fmt::format("&#{};", static_cast<int>(ch));
        } else {
          out.push_back(ch);
        }
    }
  }
}

// Reads the keys and prefixes of a listing reply. With encoding-type=url S3
// form-encodes them: a space arrives as '+', a '+' as %2B (botocore decodes
// with unquote_plus for the same reason).
class ListingKeyReader {
 public:
  explicit ListingKeyReader(pugi::xml_node root)
      : url_encoded_(iequals(trim(child_text(root, "EncodingType")), "url")) {}

  std::string operator()(pugi::xml_node n) const {
    std::string s = text(n);
    return url_encoded_ ? url_decode(s, true) : s;
  }

 private:
  bool url_encoded_;
};

// Whether a listing page is the last is what makes a listing complete, so it
// must be stated: a reply without <IsTruncated> (a proxy's stub, a server that
// is not S3) would otherwise read as the end of the listing -- a copy of part
// of a prefix that exits 0. S3, radosgw and MinIO send it on every page.
Result<bool> read_is_truncated(pugi::xml_node root, std::string_view operation) {
  const pugi::xml_node node = child(root, "IsTruncated");
  const std::string value = text(node);
  const std::string_view word = trim(value);
  if (!node) {
    return protocol_error(fmt::format(
        "{} reply has no <IsTruncated>, so whether the listing is complete is unknown", operation));
  }
  if (iequals(word, "true")) return true;
  if (iequals(word, "false")) return false;
  return protocol_error(
      fmt::format("{} reply has an <IsTruncated> that is neither true nor false", operation));
}

}  // namespace

bool xml_can_carry(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    const auto c = utf8::decode_at(text, at);
    if (!c) return false;  // not UTF-8 (utf8.hpp says what is refused)
    at += c->length;
    const char32_t cp = c->code_point;
    // What XML 1.0's Char production leaves out of the rest.
    if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF) {
      return false;
    }
  }
  return true;
}

std::optional<S3ErrorBody> parse_error_body(std::string_view xml) {
  pugi::xml_document doc;
  auto root = load(doc, xml, "error reply");
  if (!root || !has_local_name(*root, "Error")) return std::nullopt;
  return read_error(*root);
}

Result<ListPage> parse_list_objects_v2(std::string_view xml) {
  pugi::xml_document doc;
  auto root = expect_root(doc, xml, "ListObjectsV2", "ListBucketResult");
  if (!root) return root.error();

  const ListingKeyReader key_text(*root);

  ListPage page;
  const auto is_truncated = read_is_truncated(*root, "ListObjectsV2");
  if (!is_truncated) return is_truncated.error();
  page.is_truncated = *is_truncated;
  page.next_continuation_token = child_text(*root, "NextContinuationToken");

  std::optional<Error> failure;
  for_each_child(*root, "Contents", [&](pugi::xml_node c) {
    if (failure) return;
    const pugi::xml_node key = child(c, "Key");
    if (!key) {
      failure = protocol_error("ListObjectsV2 reply has a <Contents> without <Key>");
      return;
    }
    ObjectInfo obj;
    obj.key = key_text(key);
    const std::string size = child_text(c, "Size");
    const std::string_view digits = trim(size);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), obj.size);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
      failure = protocol_error(fmt::format(
          "ListObjectsV2 reply has an invalid <Size> '{}' for key '{}'", size, obj.key));
      return;
    }
    obj.etag = unquote(child_text(c, "ETag"));
    obj.last_modified = child_text(c, "LastModified");
    obj.storage_class = child_text(c, "StorageClass");
    page.objects.push_back(std::move(obj));
  });
  if (failure) return *failure;

  for_each_child(*root, "CommonPrefixes", [&](pugi::xml_node cp) {
    for_each_child(cp, "Prefix",
                   [&](pugi::xml_node p) { page.common_prefixes.push_back(key_text(p)); });
  });

  if (page.is_truncated && page.next_continuation_token.empty()) {
    // Following such a page would restart the listing forever.
    return protocol_error("ListObjectsV2 reply is truncated but has no <NextContinuationToken>");
  }
  return page;
}

Result<std::vector<BucketInfo>> parse_list_buckets(std::string_view xml) {
  pugi::xml_document doc;
  auto root = expect_root(doc, xml, "ListBuckets", "ListAllMyBucketsResult");
  if (!root) return root.error();
  if (!trim(child_text(*root, "ContinuationToken")).empty()) {
    return protocol_error(
        "ListBuckets reply has a <ContinuationToken>: the server paginates bucket listings, "
        "which s3loop does not follow");
  }
  std::vector<BucketInfo> buckets;
  std::optional<Error> failure;
  for_each_child(child(*root, "Buckets"), "Bucket", [&](pugi::xml_node b) {
    if (failure) return;
    const pugi::xml_node name = child(b, "Name");
    if (!name || text(name).empty()) {
      failure = protocol_error("ListBuckets reply has a <Bucket> without <Name>");
      return;
    }
    buckets.push_back({text(name), child_text(b, "CreationDate")});
  });
  if (failure) return *failure;
  return buckets;
}

Result<std::string> parse_copy_result(std::string_view xml) {
  pugi::xml_document doc;
  auto root = load(doc, xml, "CopyObject reply");
  if (!root) return root.error();
  // S3 may send whitespace for minutes before the body; the parser skips it.
  if (has_local_name(*root, "Error")) return s3_error(read_error(*root), "CopyObject");
  if (!has_local_name(*root, "CopyObjectResult") && !has_local_name(*root, "CopyPartResult")) {
    return protocol_error(fmt::format(
        "unexpected <{}> in CopyObject reply, expected <CopyObjectResult> or <CopyPartResult>",
        root->name()));
  }
  const pugi::xml_node etag = child(*root, "ETag");
  if (!etag) return protocol_error("CopyObject reply has no <ETag>");
  return unquote(text(etag));
}

std::optional<UtcMillis> parse_s3_timestamp(std::string_view s) {
  using namespace std::chrono;
  s = trim(s);
  std::size_t at = 0;
  // `width` digits at `at`, or nullopt.
  auto digits = [&](std::size_t width) -> std::optional<int> {
    if (s.size() < at + width) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      const char c = s[at + i];
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    at += width;
    return value;
  };
  auto literal = [&](char c) {
    if (at >= s.size() || s[at] != c) return false;
    ++at;
    return true;
  };
  const auto y = digits(4);
  if (!y || !literal('-')) return std::nullopt;
  const auto mo = digits(2);
  if (!mo || !literal('-')) return std::nullopt;
  const auto d = digits(2);
  if (!d || !literal('T')) return std::nullopt;
  const auto h = digits(2);
  if (!h || !literal(':')) return std::nullopt;
  const auto mi = digits(2);
  if (!mi || !literal(':')) return std::nullopt;
  const auto sec = digits(2);
  if (!sec) return std::nullopt;
  int millis = 0;
  if (literal('.')) {
    int seen = 0;
    for (; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, ++seen) {
      if (seen < 3) millis = millis * 10 + (s[at] - '0');
    }
    if (seen == 0) return std::nullopt;
    for (; seen < 3; ++seen) millis *= 10;
  }
  if (!literal('Z') || at != s.size()) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok() || *h > 23 || *mi > 59 || *sec > 59) return std::nullopt;
  return UtcMillis{sys_days{date} + hours{*h} + minutes{*mi} + seconds{*sec} +
                   milliseconds{millis}};
}

Result<MultipartUploadsPage> parse_list_multipart_uploads(std::string_view xml) {
  pugi::xml_document doc;
  auto root = expect_root(doc, xml, "ListMultipartUploads", "ListMultipartUploadsResult");
  if (!root) return root.error();

  const ListingKeyReader key_text(*root);

  MultipartUploadsPage page;
  const auto is_truncated = read_is_truncated(*root, "ListMultipartUploads");
  if (!is_truncated) return is_truncated.error();
  page.is_truncated = *is_truncated;
  page.next_key_marker = key_text(child(*root, "NextKeyMarker"));
  page.next_upload_id_marker = child_text(*root, "NextUploadIdMarker");

  std::optional<Error> failure;
  for_each_child(*root, "Upload", [&](pugi::xml_node u) {
    if (failure) return;
    const pugi::xml_node key = child(u, "Key");
    const pugi::xml_node upload_id = child(u, "UploadId");
    if (!key || !upload_id || text(upload_id).empty()) {
      failure = protocol_error(
          "ListMultipartUploads reply has an <Upload> without <Key> or "
          "<UploadId>");
      return;
    }
    MultipartUpload upload;
    upload.key = key_text(key);
    upload.upload_id = text(upload_id);
    upload.initiator_id = child_text(child(u, "Initiator"), "ID");
    upload.initiated = child_text(u, "Initiated");
    upload.initiated_time = parse_s3_timestamp(upload.initiated);
    page.uploads.push_back(std::move(upload));
  });
  if (failure) return *failure;

  if (page.is_truncated && page.next_key_marker.empty()) {
    return protocol_error("ListMultipartUploads reply is truncated but has no <NextKeyMarker>");
  }
  return page;
}

Result<std::string> parse_initiate_multipart(std::string_view xml) {
  pugi::xml_document doc;
  auto root = expect_root(doc, xml, "CreateMultipartUpload", "InitiateMultipartUploadResult");
  if (!root) return root.error();
  std::string upload_id = child_text(*root, "UploadId");
  if (upload_id.empty()) return protocol_error("CreateMultipartUpload reply has no <UploadId>");
  return upload_id;
}

Result<std::string> parse_complete_multipart(std::string_view xml) {
  pugi::xml_document doc;
  auto root = expect_root(doc, xml, "CompleteMultipartUpload", "CompleteMultipartUploadResult");
  if (!root) return root.error();
  return unquote(child_text(*root, "ETag"));
}

std::string build_complete_multipart(const std::vector<CompletedPart>& parts) {
  // S3 rejects parts out of ascending order (InvalidPartOrder); parts finish
  // in any order when uploaded concurrently, so sort here once for everyone.
  std::vector<CompletedPart> sorted = parts;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.part_number < b.part_number; });
  std::string out(kXmlDecl);
  out += "<CompleteMultipartUpload";
  out += kS3Namespace;
  out += '>';
  for (const CompletedPart& p : sorted) {
    out += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>\"", p.part_number);
    append_escaped(out, unquote(p.etag));
    out += "\"</ETag></Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

Result<std::vector<Tag>> parse_tagging(std::string_view xml) {
  std::vector<Tag> tags;
  if (trim(xml).empty()) return tags;
  pugi::xml_document doc;
  auto root = expect_root(doc, xml, "GetObjectTagging", "Tagging");
  if (!root) return root.error();
  bool keyless = false;
  for_each_child(*root, "TagSet", [&](pugi::xml_node set) {
    for_each_child(set, "Tag", [&](pugi::xml_node t) {
      if (!child(t, "Key")) keyless = true;
      tags.push_back({child_text(t, "Key"), child_text(t, "Value")});
    });
  });
  if (keyless) return protocol_error("GetObjectTagging reply has a <Tag> without <Key>");
  return tags;
}

std::string build_tagging(const std::vector<Tag>& tags) {
  std::string out(kXmlDecl);
  out += "<Tagging";
  out += kS3Namespace;
  out += "><TagSet>";
  for (const Tag& tag : tags) {
    out += "<Tag><Key>";
    append_escaped(out, tag.key);
    out += "</Key><Value>";
    append_escaped(out, tag.value);
    out += "</Value></Tag>";
  }
  out += "</TagSet></Tagging>";
  return out;
}

std::string build_delete_versions(const std::vector<ObjectToDelete>& objects, bool quiet) {
  std::string out(kXmlDecl);
  out += "<Delete";
  out += kS3Namespace;
  out += '>';
  if (quiet) out += "<Quiet>true</Quiet>";
  for (const ObjectToDelete& object : objects) {
    out += "<Object><Key>";
    append_escaped(out, object.key);
    out += "</Key>";
    if (!object.version_id.empty()) {
      out += "<VersionId>";
      append_escaped(out, object.version_id);
      out += "</VersionId>";
    }
    out += "</Object>";
  }
  out += "</Delete>";
  return out;
}

Result<VersionsPage> parse_list_object_versions(std::string_view xml) {
  pugi::xml_document doc;
  auto root = expect_root(doc, xml, "ListObjectVersions", "ListVersionsResult");
  if (!root) return root.error();

  const ListingKeyReader key_text(*root);

  VersionsPage page;
  const auto is_truncated = read_is_truncated(*root, "ListObjectVersions");
  if (!is_truncated) return is_truncated.error();
  page.is_truncated = *is_truncated;
  // Versions and delete markers interleave in key order: read them as sent.
  for (pugi::xml_node entry : root->children()) {
    const bool version = has_local_name(entry, "Version");
    const bool delete_marker = has_local_name(entry, "DeleteMarker");
    if (!version && !delete_marker) continue;
    const pugi::xml_node key = child(entry, "Key");
    const pugi::xml_node version_id = child(entry, "VersionId");
    if (!key || !version_id || text(version_id).empty()) {
      return protocol_error(
          fmt::format("ListObjectVersions reply has a <{}> without <Key> or "
                      "<VersionId>",
                      version ? "Version" : "DeleteMarker"));
    }
    page.versions.push_back({key_text(key), text(version_id), delete_marker});
  }
  if (page.is_truncated && page.versions.empty()) {
    // Nothing to continue after: following it would list the same page forever.
    return protocol_error("ListObjectVersions reply is truncated but lists no version");
  }
  return page;
}

Result<std::string> parse_bucket_versioning(std::string_view xml) {
  pugi::xml_document doc;
  auto root = expect_root(doc, xml, "GetBucketVersioning", "VersioningConfiguration");
  if (!root) return root.error();
  return std::string(trim(child_text(*root, "Status")));
}

std::string build_versioning_configuration(std::string_view status) {
  std::string out(kXmlDecl);
  out += "<VersioningConfiguration";
  out += kS3Namespace;
  out += "><Status>";
  append_escaped(out, status);
  out += "</Status></VersioningConfiguration>";
  return out;
}

Result<std::vector<DeleteFailure>> parse_delete_result(std::string_view xml) {
  pugi::xml_document doc;
  auto root = expect_root(doc, xml, "DeleteObjects", "DeleteResult");
  if (!root) return root.error();
  std::vector<DeleteFailure> failures;
  for_each_child(*root, "Error", [&](pugi::xml_node e) {
    // The key as it is (data); the server's words one line (read_error).
    failures.push_back({child_text(e, "Key"), one_line(child_text(e, "Code")),
                        one_line(child_text(e, "Message"))});
  });
  return failures;
}

std::string build_select_request(const SelectRequest& request) {
  auto element = [](std::string& out, std::string_view name, std::string_view value) {
    out += fmt::format("<{}>", name);
    append_escaped(out, value, /*quotes=*/false);
    out += fmt::format("</{}>", name);
  };
  std::string out(kXmlDecl);
  out += "<SelectObjectContentRequest";
  out += kS3Namespace;
  out += '>';
  element(out, "Expression", request.expression);
  out += "<ExpressionType>SQL</ExpressionType>";
  out += "<InputSerialization><CompressionType>NONE</CompressionType><CSV>";
  element(out, "FileHeaderInfo", request.file_header_info);
  // A tab as itself, not "&#9;", for the same reason as the quote (see
  // append_escaped); XML keeps a tab in element text as it is.
  auto character = [&](std::string_view name, char c) {
    if (c == '\t') {
      out += fmt::format("<{0}>\t</{0}>", name);
    } else {
      element(out, name, std::string_view(&c, 1));
    }
  };
  character("FieldDelimiter", request.field_delimiter);
  character("QuoteCharacter", request.quote);
  if (request.comments != '#' && request.comments != '\0') character("Comments", request.comments);
  // No RecordDelimiter anywhere: "\n" is S3's default, and radosgw 16.2 dies
  // (the whole server aborts) on a request that spells it out as "&#10;".
  out += "</CSV></InputSerialization><OutputSerialization>";
  if (request.output_json) {
    out += "<JSON></JSON>";
  } else {
    out += "<CSV>";
    character("FieldDelimiter", request.output_field_delimiter);
    out += "</CSV>";
  }
  out += "</OutputSerialization>";
  if (request.scan_start || request.scan_end) {
    out += "<ScanRange>";
    if (request.scan_start) out += fmt::format("<Start>{}</Start>", *request.scan_start);
    if (request.scan_end) out += fmt::format("<End>{}</End>", *request.scan_end);
    out += "</ScanRange>";
  }
  out += "</SelectObjectContentRequest>";
  return out;
}

}  // namespace s3loop::s3
