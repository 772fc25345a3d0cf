// Helpers for data tests: a fresh temporary directory per test, small file writers.
#pragma once
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace sl::testing {
// A new empty directory under the system temp dir, named after the running test.
inline std::filesystem::path fresh_temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::temp_directory_path() /
             (std::string("scalelab_data_") + info->test_suite_name() + "_" + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_text(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}
}  // namespace sl::testing
