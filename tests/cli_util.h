// Running the built binaries from tests: exit code, stdout and stderr of one run.
#pragma once
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "test_util.h"

namespace pwtest {

struct CliResult {
  int code = -1;  // the exit code, or 128 + the signal that ended it
  std::string out;
  std::string err;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

inline std::size_t count_lines(const std::string& s) {
  if (s.empty()) return 0;
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')) + (s.back() == '\n' ? 0 : 1);
}

// Runs [binary] with [args] and [input] on stdin, keeping the streams in files under [dir].
// The child inherits PWVM_GC_STRESS only when [inherit_gc_stress]: long runs would crawl
// with a collection before every allocation, above all under a sanitizer.
inline CliResult run_binary(const std::string& binary, const std::vector<std::string>& args, const std::string& input,
                            const std::filesystem::path& dir, bool inherit_gc_stress) {
  const std::string in = (dir / "stdin.txt").string();
  const std::string out = (dir / "stdout.txt").string();
  const std::string err = (dir / "stderr.txt").string();
  write_text_file(in, input);
  std::string cmd = inherit_gc_stress ? "" : "env -u PWVM_GC_STRESS ";
  cmd += shell_quote(binary);
  for (const std::string& a : args) cmd.append(" ").append(shell_quote(a));
  cmd.append(" <").append(shell_quote(in)).append(" >").append(shell_quote(out)).append(" 2>").append(shell_quote(err));
  const int status = std::system(cmd.c_str());
  CliResult r;
  if (status != -1 && WIFEXITED(status)) r.code = WEXITSTATUS(status);
  else if (status != -1 && WIFSIGNALED(status)) r.code = 128 + WTERMSIG(status);
  r.out = read_text_file(out);
  r.err = read_text_file(err);
  return r;
}

// What one run cost, for tests that bound it: sizes, never times.
struct MeasuredRun {
  int code = -1;  // the exit code, or 128 + the signal that ended it
  std::string err;
  // The child's peak resident memory (wait4). Linux counts in it the pages the child had
  // from this process between fork and exec, so it is never below inherited_rss_bytes.
  std::uint64_t peak_rss_bytes = 0;
  std::uint64_t inherited_rss_bytes = 0;  // this process's own peak when it forked (VmHWM)
};

// This process's peak resident memory, from /proc/self/status.
inline std::uint64_t own_peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

// Whether the child's own peak stayed below [bound]. When this process had already passed
// the bound (one test process running the whole suite, under a sanitizer) the figure cannot
// tell, and the bound is checked where each test runs in a process of its own.
inline bool peak_rss_below(const MeasuredRun& r, std::uint64_t bound) {
  return r.inherited_rss_bytes >= bound || r.peak_rss_bytes < bound;
}

// Runs [binary] with [args], stdin from [stdin_path], stdout discarded, stderr kept under [dir],
// and never with PWVM_GC_STRESS. When [address_space_bytes] is not 0 the child may map no
// more than that, so a run that would grow without bound fails fast instead of taking the
// machine's memory (sanitizer builds reserve terabytes: pass 0 there).
inline MeasuredRun run_binary_measured(const std::string& binary, const std::vector<std::string>& args,
                                       const std::filesystem::path& dir, std::uint64_t address_space_bytes = 0,
                                       const char* stdin_path = "/dev/null") {
  const std::string err = (dir / "stderr.txt").string();
  std::vector<std::string> argv_text{binary};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  MeasuredRun r;
  r.inherited_rss_bytes = own_peak_rss_bytes();
  const pid_t pid = ::fork();
  if (pid < 0) return r;
  if (pid == 0) {
    const int in = ::open(stdin_path, O_RDONLY);
    const int out = ::open("/dev/null", O_WRONLY);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || e < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(e, 2);
    ::unsetenv("PWVM_GC_STRESS");
    if (address_space_bytes) {
      const rlimit limit{address_space_bytes, address_space_bytes};
      ::setrlimit(RLIMIT_AS, &limit);
    }
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  if (::wait4(pid, &status, 0, &usage) != pid) return r;
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.code = 128 + WTERMSIG(status);
  r.err = read_text_file(err);
  r.peak_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux counts KiB
  return r;
}

}  // namespace pwtest
