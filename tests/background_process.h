// A built binary running beside the test: its stdin a pipe the test writes when it chooses,
// stdout and stderr read back through pipes, optionally under a file size limit. For tests
// that need two processes at once, or a signal at a chosen moment.
#pragma once
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli_util.h"

extern char** environ;

namespace pwtest {

class BackgroundProcess {
 public:
  // Starts [argv] (argv[0] a path) without PWVM_GC_STRESS (its runs are long). With
  // [file_size_limit], no file it writes may grow past that many bytes (RLIMIT_FSIZE).
  explicit BackgroundProcess(const std::vector<std::string>& argv,
                             std::optional<std::uint64_t> file_size_limit = std::nullopt) {
    ::signal(SIGPIPE, SIG_IGN);  // input written to a process that has ended fails, not kills the test
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
      if (std::string_view(*e).rfind("PWVM_GC_STRESS=", 0) != 0) env.emplace_back(*e);
    std::vector<char*> envp, args;
    for (auto& s : env) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_copy = argv;
    for (auto& a : argv_copy) args.push_back(a.data());
    args.push_back(nullptr);
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      if (file_size_limit) {
        const rlimit limit{*file_size_limit, *file_size_limit};
        ::setrlimit(RLIMIT_FSIZE, &limit);
      }
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    in_ = in[1];
    out_ = out[0];
    err_ = err[0];
  }
  ~BackgroundProcess() {
    if (pid_ > 0 && !done_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (int fd : {in_, out_, err_})
      if (fd >= 0) ::close(fd);
  }
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  void write_input(std::string_view text) {
    if (in_ >= 0 && ::write(in_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) close_input();
  }
  void close_input() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }

  // Reads stdout until it holds [text]. False when the output ends first, or nothing comes
  // for a minute (a hang: the test fails instead of waiting for ever).
  bool wait_for_output(std::string_view text) {
    while (out_text_.find(text) == std::string::npos)
      if (!read_some(/*timeout_ms=*/60'000, /*both=*/false)) return false;
    return true;
  }

  // Closes stdin (unless [keep_input_open]: the process must end by itself, or a signal),
  // reads stdout and stderr to their end and waits for the process. The code is the exit
  // status, or 128 + the signal that ended it; -1 if it hung for two minutes (it is killed
  // then).
  CliResult finish(bool keep_input_open = false) {
    if (!keep_input_open) close_input();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    bool hung = false;
    while (out_ >= 0 || err_ >= 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        hung = true;
      }
      read_some(1000, /*both=*/true);
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    done_ = true;
    CliResult r;
    r.out = out_text_;
    r.err = err_text_;
    if (hung) r.code = -1;
    else if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) r.code = 128 + WTERMSIG(status);
    signaled_ = WIFSIGNALED(status);
    return r;
  }
  // After finish(): whether a signal ended the process (rather than its own exit).
  bool killed_by_signal() const { return signaled_; }

 private:
  // One poll and the reads it allows. False on a timeout or when the watched pipes ended.
  bool read_some(int timeout_ms, bool both) {
    pollfd fds[2] = {{out_, POLLIN, 0}, {both ? err_ : -1, POLLIN, 0}};
    if (out_ < 0 && (!both || err_ < 0)) return false;
    if (::poll(fds, 2, timeout_ms) <= 0) return false;
    char buf[4096];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      int& fd = i == 0 ? out_ : err_;
      if (n > 0) (i == 0 ? out_text_ : err_text_).append(buf, static_cast<std::size_t>(n));
      else {
        ::close(fd);
        fd = -1;
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  std::string out_text_, err_text_;
  bool done_ = false;
  bool signaled_ = false;
};

}  // namespace pwtest
