// The graceful-stop soak, short: SIGTERM to `scalelab train` at random moments (start-up, steps,
// checkpoint writes) must always end in exit 75 (or 0), never a crash. scripts/soak_sigterm.sh runs
// any number of rounds by hand (200 for docs/reliability.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli_util.h"

namespace {
TEST(SoakSigterm, TwelveRandomStopsNeverCrash) {
  if (!std::filesystem::exists(SCALELAB_BIN)) GTEST_SKIP() << SCALELAB_BIN << " is not built";
  const std::string cmd = std::string("cd '") + SCALELAB_SOURCE_DIR +
                          "' && bash scripts/soak_sigterm.sh 12 --bin '" + SCALELAB_BIN +
                          "' --min-s 0.2 --max-s 3";
  const sl::testing::CliResult r = sl::testing::run_shell(cmd);
  const std::string& out = r.output;
  EXPECT_EQ(r.exit_code, 0) << out;
  EXPECT_NE(out.find("soak_sigterm: 12 SIGTERMs:"), std::string::npos) << out;
  EXPECT_NE(out.find("; 0 crashed"), std::string::npos) << out;
  EXPECT_NE(out.find("x exit 75"), std::string::npos)
      << out;  // the stops really were graceful stops
}
}  // namespace
