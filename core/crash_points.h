// Crash points for fault-injection tests (docs/reliability.md): every durable write (the atomic
// write of a whole file, an append to a log) passes a named site, where the process can be made to
// die by SIGKILL, as a power cut or an OOM kill would leave it. Compiled in always; inert unless
// the environment asks:
//   SCALELAB_CRASH_AT=FILE@PHASE[#HIT]  die at the HIT-th (default 1st) time a file whose name is
//                                       FILE reaches PHASE (FILE ending in * matches a prefix)
//   SCALELAB_CRASH_TRACE=PATH           append "FILE@PHASE" to PATH at every site reached, so a test
//                                       can list the sites a command passes
// A sweep driver starts its trainers without them: a walk of the driver's sites kills the driver
// alone, and counts its hits alone (the trainer's sites have a walk of their own).
// Phases: "tmp" (write_file_atomic: the temporary written and synced, not yet renamed), "renamed"
// (renamed into place, the directory not yet synced), "torn" (append_bytes: half the bytes
// written), "appended" (the append complete).
#pragma once
#include <string>

namespace sl {
// True when the process must die at this site now; counts the hit and writes the trace line.
bool crash_point_hit(const std::string& path, const char* phase);
[[noreturn]] void crash_now();
// crash_point_hit, then crash_now when it says so.
void crash_point(const std::string& path, const char* phase);
}  // namespace sl
