// Every S3 XML reply parser over the same bytes: any input must give a value
// or an Error, never a crash. A list page that parses is also checked for the
// invariants callers rely on, and its keys are fed back through the request
// builder (escaping must hold for whatever a server may send).
#include "s3loop/s3/event_stream.hpp"
#include "s3loop/s3/xml.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace s3loop::s3;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);

  (void)parse_error_body(xml);
  (void)parse_copy_result(xml);
  (void)parse_initiate_multipart(xml);
  (void)parse_complete_multipart(xml);
  (void)parse_delete_result(xml);
  (void)parse_select_stats(xml);

  auto buckets = parse_list_buckets(xml);
  if (buckets) {
    // Every bucket it returns has a name (ls prints one line per bucket).
    for (const auto& b : *buckets) {
      if (b.name.empty()) std::abort();
    }
  }

  auto tags = parse_tagging(xml);
  if (tags) {
    // A tag set read from a source is written back to the copy: what
    // PutObjectTagging sends must read back as the same tags.
    bool carried = true;
    for (const auto& t : *tags) carried = carried && xml_can_carry(t.key) && xml_can_carry(t.value);
    if (carried) {
      auto again = parse_tagging(build_tagging(*tags));
      if (!again || again->size() != tags->size()) std::abort();
      for (std::size_t i = 0; i < tags->size(); ++i) {
        if ((*again)[i].key != (*tags)[i].key || (*again)[i].value != (*tags)[i].value) {
          std::abort();
        }
      }
    }
  }

  (void)parse_bucket_versioning(xml);
  auto versions = parse_list_object_versions(xml);
  if (versions) {
    // A page that continues must have an entry to continue after, and every
    // entry names its version (an empty one would delete the current object).
    if (versions->is_truncated && versions->versions.empty()) std::abort();
    for (const auto& v : versions->versions) {
      if (v.version_id.empty()) std::abort();
    }
  }

  auto page = parse_list_objects_v2(xml);
  if (page) {
    // A page that says it continues must say where (else the listing loops).
    if (page->is_truncated && page->next_continuation_token.empty()) std::abort();
    std::vector<ObjectToDelete> keys;
    for (const auto& o : page->objects) keys.push_back({o.key, {}});
    const std::string body = build_delete_versions(keys, true);
    // The request body must carry every key back, so it is at least as long.
    std::size_t total = 0;
    for (const auto& k : keys) total += k.key.size();
    if (body.size() < total) std::abort();
  }
  return 0;
}
