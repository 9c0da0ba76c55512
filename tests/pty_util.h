// Running a built binary on a pseudo-terminal, for what the tools do only on a terminal
// (colour, progress lines): everything the terminal received, and the exit code.
#pragma once
#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace pwtest {

struct PtyResult {
  int code = -1;         // the exit code, or 128 + the signal that ended it
  std::string terminal;  // every byte written to the terminal, escapes and all
};

// Runs [binary] with [args] with stdin, stdout and stderr on a new pseudo-terminal (120
// columns, output post-processing off) (stdout
// to [stdout_file] instead when it is not empty), [env] set on top of this process's
// environment (a pair whose value is empty unsets the name), and PWVM_GC_STRESS unset.
inline PtyResult run_on_pty(const std::string& binary, const std::vector<std::string>& args,
                            const std::vector<std::pair<std::string, std::string>>& env = {},
                            const std::string& stdout_file = "") {
  std::vector<std::string> argv_text{binary};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  PtyResult r;
  int master = -1;
  winsize size{};
  size.ws_row = 24;
  size.ws_col = 120;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) return r;
  if (pid == 0) {
    // Output as written: no "\r" added before each "\n", so a "\r" seen is one the tool wrote.
    termios mode{};
    if (::tcgetattr(STDIN_FILENO, &mode) == 0) {
      mode.c_oflag &= ~static_cast<tcflag_t>(OPOST);
      ::tcsetattr(STDIN_FILENO, TCSANOW, &mode);
    }
    ::unsetenv("PWVM_GC_STRESS");
    ::setenv("TERM", "xterm", 1);
    for (const auto& [name, value] : env) {
      if (value.empty()) ::unsetenv(name.c_str());
      else ::setenv(name.c_str(), value.c_str(), 1);
    }
    if (!stdout_file.empty()) {
      const int out = ::open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (out < 0) ::_exit(126);
      ::dup2(out, STDOUT_FILENO);
    }
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  // Read until the child's side closes (EIO on Linux once no process has it open).
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n > 0) r.terminal.append(buffer, static_cast<std::size_t>(n));
    else if (n < 0 && errno == EINTR) continue;
    else break;
  }
  ::close(master);
  int status = 0;
  if (::waitpid(pid, &status, 0) == pid) {
    if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) r.code = 128 + WTERMSIG(status);
  }
  return r;
}

}  // namespace pwtest
