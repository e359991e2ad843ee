#pragma once
// The regions of buckets that live elsewhere than the client's region, as S3
// named them in a redirect: every later request to such a bucket is signed
// for its region (and, on AWS's own endpoints, sent to that region's), as
// botocore's S3 region redirector does. Shared by every client of a job, on
// every loop and thread.

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace s3loop::s3 {

class BucketRegions {
 public:
  // The region learnt for `bucket`, if one was.
  std::optional<std::string> find(std::string_view bucket) const;
  void learn(const std::string& bucket, const std::string& region);

 private:
  // Almost every job learns nothing: one atomic load then, no lock.
  std::atomic<bool> any_{false};
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> regions_;
};

}  // namespace s3loop::s3
