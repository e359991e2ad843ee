#include "dataset.hpp"

#include <fmt/format.h>

#include <random>

namespace s3loop::bench {

std::vector<std::string> special_key_names() {
  return {
      "with space/file name.txt",
      "unicode/\xc3\xa9t\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x93\xa6.bin",  // été-日本-📦
      "plus+sign+key",
      "equals=and&ampersand",
      "hash#mark",
      "percent%20literal%",
      "tilde~key",
      "question?mark",
      "double//slash//key",
      "trailing-slash/",
      "dir/./dot-segment",
      "semi;colon,comma:colon@at$dollar!bang'quote(paren)*star",
      "brackets[1]{2}<3>^|`\"",
      std::string(1000 - 11, 'k') + "-1000-bytes",  // 1,000-byte key
  };
}

std::uint64_t dataset_total(const DatasetSpec& spec) {
  return spec.count + (spec.special_keys ? special_key_names().size() : 0);
}

DatasetObject dataset_object(const DatasetSpec& spec, std::uint64_t index) {
  std::mt19937_64 rng(spec.seed * 0x9E3779B97F4A7C15ull + index);
  std::uniform_int_distribution<std::uint64_t> size(spec.min_size, spec.max_size);
  DatasetObject object;
  object.size = size(rng);
  if (index < spec.count && spec.flat) {
    object.key = fmt::format("{}k{:06}", spec.prefix, index);
  } else if (index < spec.count) {
    // Spread over a few sub-prefixes, as real data is.
    object.key = fmt::format("{}part-{:02}/obj-{:08}.dat", spec.prefix, index % 16, index);
  } else {
    object.key = spec.prefix + special_key_names()[index - spec.count];
  }
  return object;
}

std::string dataset_body(const DatasetSpec& spec, std::uint64_t index, std::uint64_t size) {
  std::string body(size, '\0');
  std::mt19937_64 rng(spec.seed ^ (index * 0xBF58476D1CE4E5B9ull));
  for (std::uint64_t i = 0; i < size; i += 8) {
    const std::uint64_t word = rng();
    for (std::uint64_t b = 0; b < 8 && i + b < size; ++b) {
      body[i + b] = static_cast<char>((word >> (b * 8)) & 0xff);
    }
  }
  return body;
}

}  // namespace s3loop::bench
