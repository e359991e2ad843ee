// Requests that would act on something other than what their operation is
// about are refused before they are sent.
#include "s3loop/s3/request_target.hpp"

#include <gtest/gtest.h>

namespace s3loop::s3 {
namespace {

TEST(RequestTarget, AnObjectOperationWithoutAKeyIsRefused) {
  // DeleteObject of "" is DELETE /bucket: DeleteBucket. GetObject of "" lists the bucket.
  for (Op op :
       {Op::delete_object, Op::get_object, Op::head_object, Op::put_object, Op::copy_object,
        Op::create_multipart, Op::upload_part_copy, Op::complete_multipart, Op::abort_multipart,
        Op::select_object, Op::get_object_tagging, Op::put_object_tagging}) {
    auto problem = request_target_problem(op, "bucket", "");
    ASSERT_TRUE(problem) << op_name(op);
    EXPECT_EQ(problem->kind, ErrorKind::usage);
    EXPECT_EQ(problem->message,
              std::string(op_name(op)) +
                  " s3://bucket/: no key given for its object (an empty key would address the "
                  "bucket itself)");
    EXPECT_FALSE(request_target_problem(op, "bucket", "k"));
  }
  // Bucket operations take no key.
  for (Op op : {Op::list_objects, Op::delete_objects, Op::list_multipart, Op::create_bucket,
                Op::delete_bucket, Op::list_object_versions, Op::get_bucket_versioning,
                Op::put_bucket_versioning}) {
    EXPECT_FALSE(request_target_problem(op, "bucket", "")) << op_name(op);
  }
}

// A review: ListParams{max_keys = 0} (or -1) came back as an empty bucket
// from radosgw, where the jobs' own page size is checked.
TEST(RequestTarget, AListingPageOfNoKeysIsRefused) {
  for (Op op : {Op::list_objects, Op::list_object_versions}) {
    for (int bad : {0, -1, 1001}) {
      auto problem = page_size_problem(op, bad);
      ASSERT_TRUE(problem) << op_name(op) << " " << bad;
      EXPECT_EQ(problem->kind, ErrorKind::usage);
      EXPECT_EQ(problem->message,
                std::string(op_name(op)) + ": max_keys must be between 1 and 1000, got " +
                    std::to_string(bad) + " (a page of none would read as the end of the listing)");
    }
    for (int good : {1, 1000}) EXPECT_FALSE(page_size_problem(op, good)) << op_name(op);
  }
}

TEST(RequestTarget, NoBucketOrOneNoBucketCanHaveIsRefused) {
  auto empty = request_target_problem(Op::head_object, "", "x");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->kind, ErrorKind::usage);
  EXPECT_EQ(empty->message, "HeadObject: no bucket given for its object");
  // A request of the bucket itself has no object to speak of.
  auto no_bucket = request_target_problem(Op::list_objects, "", "");
  ASSERT_TRUE(no_bucket);
  EXPECT_EQ(no_bucket->message, "ListObjectsV2: no bucket given");
  for (const char* broken : {"Bad Bucket", "a/b", "a?b", "a#b", "tab\there",
                             "a\x7f"
                             "b"}) {
    auto problem = request_target_problem(Op::copy_object, broken, "x");
    ASSERT_TRUE(problem) << broken;
    EXPECT_EQ(problem->message, std::string("CopyObject: bucket name '") + broken +
                                    "' holds a character no bucket name has (only letters, "
                                    "digits, '.', '-' and '_')");
  }
  // ListBuckets addresses the service; naming rules (length, case) are the server's.
  EXPECT_FALSE(request_target_problem(Op::list_buckets, "", ""));
  EXPECT_FALSE(request_target_problem(Op::list_objects, "My_Legacy_Bucket", ""));
  EXPECT_FALSE(request_target_problem(Op::get_object, "b", "k"));
}

TEST(RequestTarget, ACopySourceNeedsABucketAndAKey) {
  auto no_key = copy_source_problem(Op::upload_part_copy, "src", "");
  ASSERT_TRUE(no_key);
  EXPECT_EQ(no_key->message,
            "UploadPartCopy s3://src/: no key given for its source (an empty key would address "
            "the bucket itself)");
  auto no_bucket = copy_source_problem(Op::copy_object, "", "k");
  ASSERT_TRUE(no_bucket);
  EXPECT_EQ(no_bucket->message, "CopyObject: no bucket given for its source");
  EXPECT_FALSE(copy_source_problem(Op::copy_object, "src", "k"));
}

}  // namespace
}  // namespace s3loop::s3
