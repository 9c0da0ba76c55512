// The debugger at a real terminal (a pseudo-terminal): tab completion of commands and of
// what fits each command, never the current directory's files where no file goes; and
// Ctrl-C typed during a long reverse-continue stops it where the search had got to.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <string>
#include <vector>

#include "cli_util.h"
#include "debugger_cli_fixture.h"

namespace {

using namespace std::chrono_literals;
using pwdebugtest::DebuggerCli;
using pwtest::CliResult;

// A program run on a pseudo-terminal, as a person would run it.
class Terminal {
 public:
  Terminal(const std::vector<std::string>& argv, const std::string& dir) {
    pid_ = forkpty(&fd_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      if (chdir(dir.c_str()) != 0) _exit(127);
      setenv("HOME", dir.c_str(), 1);  // the history file goes there
      setenv("TERM", "xterm", 1);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  void type(const std::string& keys) { ASSERT_EQ(::write(fd_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size())); }
  // Reads until [want] has been seen after [from] (or 20 s pass); true when it was.
  bool wait_for(const std::string& want, std::size_t from = 0) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (seen.find(want, from) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) return seen.find(want, from) != std::string::npos;
      seen.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }
  // Types [keys] and waits for [want] in what comes after.
  bool answers(const std::string& keys, const std::string& want) {
    mark = seen.size();
    type(keys);
    return wait_for(want, mark);
  }
  std::string seen;
  std::size_t mark = 0;  // where the last answer began

 private:
  int fd_ = -1;
  pid_t pid_ = -1;
};

TEST_F(DebuggerCli, TabCompletesCommandsFunctionsNamesNumbersAndFilesWhereTheyFit) {
  const std::string trace = dir_.path("subject.pwtrace");
  ASSERT_EQ(pwvm({"run", subject_, "--record", trace}).code, 0);
  pwtest::write_text_file(dir_.path("zzcwdfile"), "");
  pwtest::write_text_file(dir_.path("script.gdb"), "echo from-the-script\\n\n");
  Terminal t({PWREPLAY_BINARY, "debug", trace}, dir_.dir().string());
  ASSERT_TRUE(t.wait_for("(pwdb) ")) << t.seen;
  // A command name, then the topic of info.
  EXPECT_TRUE(t.answers("info fun\t\n", "All functions:")) << t.seen;
  // A function name after break; a breakpoint number after delete.
  EXPECT_TRUE(t.answers("tbr\tsum\t\n", "Temporary breakpoint 1: function sum_to")) << t.seen;
  EXPECT_TRUE(t.answers("cont\t\n", "Temporary breakpoint 1, function sum_to")) << t.seen;
  // Locals of the frame and globals in an expression, after an operator too.
  EXPECT_TRUE(t.answers("print acc + tot\t\n", "acc + total = 120")) << t.seen;
  EXPECT_TRUE(t.answers("break fact\ndelete \t\n", "Breakpoint 2: function fact")) << t.seen;
  EXPECT_TRUE(t.answers("info breakpoints\n", "No breakpoints, watchpoints or catchpoints.")) << t.seen;
  // No file names where an expression goes; file names where a file goes.
  EXPECT_TRUE(t.answers("print zzc\t\n", "'zzc'")) << t.seen;
  EXPECT_EQ(t.seen.find("zzcwdfile", t.mark), std::string::npos) << t.seen;
  EXPECT_TRUE(t.answers("source scr\t\n", "from-the-script")) << t.seen;
  t.type("quit\n");
}

TEST_F(DebuggerCli, CtrlCDuringAReverseContinueStopsWhereTheSearchHadGotTo) {
  // A long run whose breakpoint condition never holds: the search goes back over all of it.
  const std::string program = dir_.path("spin.pwa");
  pwtest::write_text_file(program, "global n = 0\nfunc main()\nloop:\n  get_global n\n  add_imm 1\n  set_global n\n  jump loop\nend\n");
  const std::string trace = dir_.path("spin.pwtrace");
  const CliResult rec = pwvm({"run", program, "--record", trace, "--max-steps", "150000000"});
  ASSERT_EQ(rec.code, 1) << rec.err;
  Terminal t({PWREPLAY_BINARY, "debug", trace, "--at", "end"}, dir_.dir().string());
  ASSERT_TRUE(t.wait_for("(pwdb) ")) << t.seen;
  ASSERT_TRUE(t.answers("break 4 if n < 0\nreverse-continue\n", "reverse-continue")) << t.seen;
  std::this_thread::sleep_for(700ms);
  ASSERT_TRUE(t.answers("\x03", "Interrupted")) << t.seen;
  ASSERT_TRUE(t.answers("when\n", "Current step: ")) << t.seen;
  const std::size_t at = t.seen.find("Current step: ", t.mark) + 14;
  ASSERT_TRUE(t.wait_for(" of ", at)) << t.seen;
  const std::uint64_t step = std::stoull(t.seen.substr(at));
  // Not back at the start, and not where it began: part of the way.
  EXPECT_GT(step, 0u) << t.seen;
  EXPECT_LT(step, 150000000u) << t.seen;
  t.type("quit\n");
}

}  // namespace
