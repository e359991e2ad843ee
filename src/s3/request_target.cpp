#include "s3loop/s3/request_target.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace s3loop::s3 {
namespace {

bool addresses_an_object(Op op) {
  switch (op) {
    case Op::head_object:
    case Op::get_object:
    case Op::put_object:
    case Op::copy_object:
    case Op::delete_object:
    case Op::create_multipart:
    case Op::upload_part_copy:
    case Op::complete_multipart:
    case Op::abort_multipart:
    case Op::select_object:
    case Op::get_object_tagging:
    case Op::put_object_tagging:
      return true;
    default:
      return false;
  }
}

std::optional<Error> target_problem(Op op, std::string_view bucket, std::string_view key,
                                    std::string_view what) {
  if (bucket.empty()) {
    // A request of the bucket itself (ListObjectsV2, CreateBucket) has no object to name.
    const bool of_the_bucket = what == "object" && !addresses_an_object(op);
    return make_error(ErrorKind::usage,
                      of_the_bucket
                          ? fmt::format("{}: no bucket given", op_name(op))
                          : fmt::format("{}: no bucket given for its {}", op_name(op), what));
  }
  // Naming rules are the server's (the jobs check a name as the command
  // does); a character that would change the request's path is not.
  const auto breaks_the_path = [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '#';
  };
  if (std::any_of(bucket.begin(), bucket.end(), breaks_the_path)) {
    return make_error(ErrorKind::usage,
                      fmt::format("{}: bucket name '{}' holds a character no bucket name has "
                                  "(only letters, digits, '.', '-' and '_')",
                                  op_name(op), bucket));
  }
  if (key.empty() && addresses_an_object(op)) {
    return make_error(ErrorKind::usage,
                      fmt::format("{} s3://{}/: no key given for its {} (an empty key would "
                                  "address the bucket itself)",
                                  op_name(op), bucket, what));
  }
  return std::nullopt;
}

}  // namespace

std::optional<Error> request_target_problem(Op op, std::string_view bucket, std::string_view key) {
  if (op == Op::list_buckets) return std::nullopt;
  return target_problem(op, bucket, key, "object");
}

std::optional<Error> copy_source_problem(Op op, std::string_view bucket, std::string_view key) {
  return target_problem(op, bucket, key, "source");
}

std::optional<Error> page_size_problem(Op op, int max_keys) {
  if (max_keys >= 1 && max_keys <= 1000) return std::nullopt;
  return make_error(ErrorKind::usage, std::string(op_name(op)) +
                                          ": max_keys must be between 1 and 1000, got " +
                                          std::to_string(max_keys) +
                                          " (a page of none would read as the end of the listing)");
}

}  // namespace s3loop::s3
