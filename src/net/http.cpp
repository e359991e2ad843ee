#include "s3loop/net/http.hpp"

#include <boost/algorithm/string/predicate.hpp>

namespace s3loop::net {

std::optional<std::string_view> Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (boost::algorithm::iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

}  // namespace s3loop::net
