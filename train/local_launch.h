// `scalelab train --nproc N`: starts N ranks of a data-parallel run on this machine, the way
// torchrun would (each a copy of the same command with RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT in its environment), and waits for
// them. SIGINT / SIGTERM to the launcher reach every rank once (they agree on a step, rank 0
// checkpoints, all exit 75); a launcher that dies takes its ranks with it (PR_SET_PDEATHSIG).
#pragma once
#include <string>
#include <vector>

namespace sl {
// Runs `argv` (argv[0] the program) as `nproc` ranks; `rank_args` are appended for ranks >= 1 (e.g.
// --no-progress). Returns the launch's exit code: 0 when every rank exits 0, else the code of the
// rank that failed first (a rank killed by a signal counts as kExitRankLost), each failure named
// on stderr.
int launch_local_ranks(const std::vector<std::string>& argv, int nproc,
                       const std::vector<std::string>& rank_args);
// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice).
int free_local_port();
}  // namespace sl
