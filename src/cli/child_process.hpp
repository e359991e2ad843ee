// Runs a command as a child process and captures its standard output; its
// standard error passes through to ours.
#pragma once

#include "s3loop/error.hpp"

#include <string>
#include <vector>

namespace s3loop::cli {

struct ChildResult {
  int exit_code = 0;  // 128 + signal when killed by one
  std::string out;
};

Result<ChildResult> run_child(const std::vector<std::string>& argv);

// The path of the running executable, to re-run ourselves.
std::string self_executable();

}  // namespace s3loop::cli
