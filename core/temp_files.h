// Temporary files of killed writes. write_file_atomic (core/files.h) writes ".tmp.<name>.<pid>"
// beside its target and renames it; a process killed in between leaves the temporary behind.
#pragma once
#include <string>

namespace sl {
// Removes the temporaries of `path` whose writer, the pid in their name, no longer runs here.
// write_file_atomic calls it, so a rewritten file leaves no temporary behind, however its last
// writer died. (On a directory shared between hosts, another host's live writer would lose its
// temporary and its rename would fail with an error: it does not corrupt anything.)
void remove_dead_temporaries_of(const std::string& path);
}  // namespace sl
