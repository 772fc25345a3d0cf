#include "core/files.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/hash.h"

namespace sl {
namespace {
TEST(Files, AtomicWriteReplacesContentAndLeavesNoTemp) {
  auto dir = std::filesystem::temp_directory_path() / "sl_files_test";
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(ensure_writable_dir(dir.string()).ok());
  std::string path = (dir / "a.txt").string();
  ASSERT_TRUE(write_file_atomic(path, "one").ok());
  ASSERT_TRUE(write_file_atomic(path, "two").ok());
  EXPECT_EQ(*read_file(path), "two");
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++n;
  }
  EXPECT_EQ(n, 1);
  ASSERT_TRUE(append_line(path, "x").ok());
  EXPECT_EQ(*read_file(path), "twox\n");
}

TEST(Files, UnwritableDirectoryIsAClearError) {
  absl::Status st = ensure_writable_dir("/proc/sl_cannot_be_here");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/proc/sl_cannot_be_here"), std::string::npos);
}

TEST(Hash, KnownFnvValues) {
  // FNV-1a 64 reference values: "" -> cbf29ce484222325, "a" -> af63dc4c8601ec8c.
  EXPECT_EQ(hex64(hash_bytes("", 0)), "cbf29ce484222325");
  EXPECT_EQ(hex64(hash_bytes("a", 1)), "af63dc4c8601ec8c");
  EXPECT_EQ(short_hash("a"), "af63dc4c");
}
}  // namespace
}  // namespace sl
