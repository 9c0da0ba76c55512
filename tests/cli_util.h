// Running the built binaries from tests: exit code, stdout and stderr of one run.
#pragma once
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
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

}  // namespace pwtest
