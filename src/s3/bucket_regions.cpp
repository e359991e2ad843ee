#include "s3loop/s3/bucket_regions.hpp"

namespace s3loop::s3 {

std::optional<std::string> BucketRegions::find(std::string_view bucket) const {
  if (!any_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(mutex_);
  const auto it = regions_.find(bucket);
  if (it == regions_.end()) return std::nullopt;
  return it->second;
}

void BucketRegions::learn(const std::string& bucket, const std::string& region) {
  std::lock_guard lock(mutex_);
  regions_[bucket] = region;
  any_.store(true, std::memory_order_release);
}

}  // namespace s3loop::s3
