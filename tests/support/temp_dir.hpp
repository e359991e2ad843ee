// A directory of its own under the system's temp directory for one test,
// removed with everything in it when the test ends, failed or not.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>

namespace s3loop::test_support {

class TempDir {
 public:
  explicit TempDir(const std::string& tag = "s3loop-test")
      : path_(std::filesystem::temp_directory_path() /
              (tag + "-" + std::to_string(std::random_device{}()))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // A file `name` (relative to the directory) holding `contents`.
  void touch(const std::string& name, const std::string& contents = "x") const {
    std::ofstream(path_ / name) << contents;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace s3loop::test_support
