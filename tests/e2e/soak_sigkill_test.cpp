// The SIGKILL soak, short: 20 kills of `scalelab train` and 20 of a sweep driver with its trainers
// (scripts/soak_sigkill.sh; any number by hand) leave every run identical to an uninterrupted one.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "cli_util.h"

namespace {
TEST(SoakSigkill, TwentyKillsOfTrainAndOfASweepChangeNoResult) {
  if (!std::filesystem::exists(SCALELAB_BIN)) GTEST_SKIP() << SCALELAB_BIN << " is not built";
  const std::string cmd = std::string("cd '") + SCALELAB_SOURCE_DIR +
                          "' && bash scripts/soak_sigkill.sh 20 --bin '" + SCALELAB_BIN + "'";
  const sl::testing::CliResult r = sl::testing::run_shell(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  for (const char* part : {"train", "sweep"}) {
    const std::regex line(std::string("soak_sigkill: ") + part +
                          ": 20 kills survived; ([0-9]+)/([0-9]+) runs identical");
    ASSERT_TRUE(std::regex_search(r.output, m, line)) << part << "\n" << r.output;
    EXPECT_EQ(m[1], m[2]) << r.output;
    EXPECT_GE(std::stoi(m[2]), part == std::string("sweep") ? 3 : 1) << r.output;
  }
}
}  // namespace
