// Every torch-linked binary must bind libstdc++'s std::filesystem and oneDNN's own internals, not
// the copies PyPI's LibTorch exports (pytorch issue 133437; CMakeLists.txt puts both first in the
// link).
#include <dlfcn.h>
#include <dnnl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace sl {
namespace fs = std::filesystem;

TEST(LinkOrder, RemoveAllOfANonEmptyTreeWorksBesideLibTorch) {
  EXPECT_EQ(torch::ones({2}).sum().item<float>(), 2.0f);  // this binary really loads LibTorch
  const fs::path dir =
      fs::temp_directory_path() / ("scalelab_link_order_" + std::to_string(::getpid()));
  fs::create_directories(dir / "a" / "b");
  std::ofstream(dir / "a" / "b" / "f.txt") << "x";
  EXPECT_EQ(fs::remove_all(dir), 4u);  // dir, a, b, f.txt (libtorch's copy crashed here)
  EXPECT_FALSE(fs::exists(dir));
}

TEST(LinkOrder, FilesystemSymbolsComeFromLibstdcxx) {
  using RemoveAll = std::uintmax_t (*)(const fs::path&);
  const RemoveAll fn = static_cast<RemoveAll>(&fs::remove_all);
  Dl_info info{};
  ASSERT_NE(dladdr(reinterpret_cast<void*>(fn), &info), 0);
  ASSERT_NE(info.dli_fname, nullptr);
  EXPECT_NE(std::string(info.dli_fname).find("libstdc++"), std::string::npos) << info.dli_fname;
}
TEST(LinkOrder, DebianOneDnnSgemmWorksBesideLibTorch) {
  EXPECT_EQ(torch::ones({2}).sum().item<float>(), 2.0f);
  const int M = 64, N = 48, K = 32;
  std::vector<float> a(M * K, 1.0f), b(N * K, 0.5f), c(M * N, -1.0f);
  ASSERT_EQ(dnnl_sgemm('N', 'T', M, N, K, 1.0f, a.data(), K, b.data(), K, 0.0f, c.data(), N),
            dnnl_success);
  for (float v : c) ASSERT_EQ(v, 16.0f);  // 32 products of 1 x 0.5
}
}  // namespace sl
