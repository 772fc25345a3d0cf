// Running the scalelab binary from tests: capture its output and exit code, or run it in the
// background to signal it mid-run.
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace sl::testing {
struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line, stdout and stderr together.
inline CliResult run_shell(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  CliResult r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// Runs `scalelab ARGS` through the shell; ARGS is shell syntax.
inline CliResult run_cli(const std::string& args) {
  return run_shell(std::string(SCALELAB_BIN) + " " + args);
}

// Starts `scalelab ARGS` (shell syntax) in the background with output to `log`; returns its pid.
inline pid_t spawn_cli(const std::string& args, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    std::string cmd = "exec " + std::string(SCALELAB_BIN) + " " + args + " >" + log + " 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

inline int wait_exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline std::filesystem::path e2e_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("scalelab_e2e_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// `scalelab prepare` of a byte-level Markov source into a fresh temp directory; returns its path.
inline std::filesystem::path prepare_markov(const std::string& name, int tokens, int seed) {
  std::filesystem::path d = e2e_dir(name) / "markov";
  CliResult r =
      run_cli("prepare --source 'synthetic:markov?symbols=16&tokens=" + std::to_string(tokens) +
              "&seed=" + std::to_string(seed) + "' --out " + d.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return d;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

inline int count_lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) ++n;
  return n;
}
}  // namespace sl::testing
