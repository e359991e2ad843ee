// Seeded, reproducible object sets for demos, tests and benchmarks: the same
// (seed, index) always yields the same key, size and bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace s3loop::bench {

struct DatasetSpec {
  std::string prefix;  // keys are prefix + generated name
  std::uint64_t count = 2000;
  std::uint64_t min_size = 0;
  std::uint64_t max_size = 4096;
  std::uint64_t seed = 1;
  bool special_keys = false;  // add the hard keys (spaces, unicode, '+', '//', ...)
  // Keys k000000, k000001... directly under the prefix (a flat listing)
  // instead of part-NN/obj-NNNNNNNN.dat.
  bool flat = false;
};

struct DatasetObject {
  std::string key;
  std::uint64_t size = 0;
};

// The keys that break naive clients: every one must survive a copy.
std::vector<std::string> special_key_names();

// Object `index` of the set (0 <= index < total(spec)).
DatasetObject dataset_object(const DatasetSpec& spec, std::uint64_t index);
std::uint64_t dataset_total(const DatasetSpec& spec);

// Deterministic content of an object.
std::string dataset_body(const DatasetSpec& spec, std::uint64_t index, std::uint64_t size);

}  // namespace s3loop::bench
