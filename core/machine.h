// What this machine offers a run: the cores this process may use (its CPU affinity, so a Slurm or
// taskset allocation counts, not the whole node) and the physical memory.
#pragma once
#include <cstdint>

namespace sl {
int available_cores();            // at least 1
int64_t physical_memory_bytes();  // 0 if unknown
}  // namespace sl
