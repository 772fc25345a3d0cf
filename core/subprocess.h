// Running other programs: argv words, never shell text, so a path with spaces, quotes or `$(...)`
// reaches the program as it is. Output goes to a log file the caller can quote in an error.
#pragma once
#include <string>
#include <vector>

namespace sl {
// Runs argv[0] (looked up on PATH) with the given arguments, stdout and stderr into log_path, and
// waits. Returns its exit status, 127 when it could not be started, 128 + N when killed by signal
// N.
int run_program(const std::vector<std::string>& argv, const std::string& log_path);
// The same with this process's stdout and stderr (e.g. sbatch's "Submitted batch job N").
int run_program_here(const std::vector<std::string>& argv);
// True when `name` is an executable on PATH.
bool program_on_path(const std::string& name);
// `s` as one word of POSIX shell text ('...'), for scripts we write for others to run (Slurm).
std::string shell_quote(const std::string& s);
// The last max_bytes of a log file ("" if unreadable), for error messages.
std::string log_tail(const std::string& log_path, size_t max_bytes = 600);
}  // namespace sl
