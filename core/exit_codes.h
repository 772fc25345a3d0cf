// Process exit codes: the contract of every subcommand with scripts and with the sweep driver,
// which reads a child trainer's code (docs/train.md lists them).
#pragma once

namespace sl {
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitDiverged = 3;
constexpr int kExitNoDevice = 69;  // EX_UNAVAILABLE: the device asked for (cuda) is not usable here
constexpr int kExitInterrupted = 75;  // EX_TEMPFAIL: resumable, run the same command again
// EX_PROTOCOL: a data-parallel peer rank died, hung past the timeout or was stopped; the run
// resumes from its last checkpoint when the job is started again.
constexpr int kExitRankLost = 76;
}  // namespace sl
