// The words that follow `compare cp`, in the order given: cp's source and
// destination wherever they stand among cp's flags (`compare cp -c 4 SRC DST`
// as well as `compare cp SRC DST -c 4`), told apart with cp's own flag
// definitions (which take a value, which do not).
#pragma once

#include "s3loop/error.hpp"

#include <string>
#include <vector>

namespace s3loop::cli {

struct JobWords {
  std::string source;
  std::string destination;
  std::vector<std::string> flags;  // everything else, in order, values with their flags
};

// A usage error unless exactly two words are no flag and no flag's value.
// Flags cp does not know stay among `flags`, for cp's parser to refuse.
Result<JobWords> split_job_words(const std::vector<std::string>& words);

}  // namespace s3loop::cli
