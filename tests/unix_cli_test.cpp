// The tools as Unix users expect them, end to end through the built binaries: files that
// are not files, shell completion, man pages, and what is shown only on a terminal
// (progress lines and colour).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_util.h"
#include "pty_util.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using pwtest::CliResult;
using pwtest::count_lines;

class UnixCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / ("pwvm_unix_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  CliResult pwvm(const std::vector<std::string>& args) { return pwtest::run_binary(PWVM_BINARY, args, "", dir_, false); }
  CliResult pwreplay(const std::vector<std::string>& args) {
    return pwtest::run_binary(PWREPLAY_BINARY, args, "", dir_, false);
  }
  // Runs a bash script; what it prints.
  CliResult bash(const std::string& script) {
    return pwtest::run_binary("/bin/bash", {"--norc", "--noprofile", "-c", script}, "", dir_, false);
  }
  // A trace of a loop of half a million calls (5.5 million steps; a fifth of that under the
  // sanitizers, which are that much slower), long enough to replay that a progress line
  // shows: made once for the suite.
  static fs::path long_trace_dir() {
    return fs::path(::testing::TempDir()) / ("pwvm_unix_" + std::to_string(::getpid()) + "_long");
  }
  static std::string long_trace() {
    static const std::string trace = [] {
      const fs::path dir = long_trace_dir();
      fs::create_directories(dir);
      std::string program = pwtest::read_text_file(std::string(EXAMPLES_DIR) + "/tail_loop.pwa");
      program.replace(program.find("push 1000000"), 12, pwtest::under_address_sanitizer() ? "push 100000" : "push 500000");
      pwtest::write_text_file((dir / "loop.pwa").string(), program);
      const std::string path = (dir / "long.pwtrace").string();
      const CliResult r = pwtest::run_binary(PWVM_BINARY, {"run", (dir / "loop.pwa").string(), "--record", path}, "", dir, false);
      EXPECT_EQ(r.code, 0) << r.err;
      return path;
    }();
    return trace;
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(long_trace_dir(), ec);
  }

  fs::path dir_;
};

bool has_program(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// ---- files that are not files --------------------------------------------------------

TEST_F(UnixCli, DeviceGivenAsProgramIsRefusedWithOneLineByEveryCommand) {
  // /dev/zero would be read until the size cap, /dev/null assembled as an empty program.
  for (const std::string device : {"/dev/null", "/dev/zero"}) {
    for (const std::string command : {"run", "check", "disasm", "debug"}) {
      const CliResult r = pwvm({command, device});
      EXPECT_EQ(r.code, 2) << command << " " << device;
      EXPECT_EQ(count_lines(r.err), 1u) << command << " " << device << ": " << r.err;
      EXPECT_NE(r.err.find(device + " is a device, not a program"), std::string::npos) << r.err;
      EXPECT_EQ(r.out, "") << command;
    }
  }
}

TEST_F(UnixCli, ProgramFromAPipeIsStillRead) {
  const CliResult r = bash(std::string("'") + PWVM_BINARY + "' run <(cat '" + EXAMPLES_DIR + "/hello.pwa')");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Hello, world!\n");
}

TEST_F(UnixCli, DirectoryDeviceOrPipeGivenAsTraceIsRefusedWithOneLine) {
  // A pipe with no writer: opening it would wait for one for ever.
  const std::string fifo = path("fifo.pwtrace");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {dir_.string(), "a directory"}, {"/dev/null", "a device"}, {fifo, "a pipe"}};
  for (const auto& [given, what] : cases) {
    for (const std::string command : {"info", "verify", "debug"}) {
      const CliResult r = pwreplay({command, given});
      EXPECT_EQ(r.code, 2) << command << " " << given;
      EXPECT_EQ(count_lines(r.err), 1u) << command << " " << given << ": " << r.err;
      EXPECT_NE(r.err.find(given + " is " + what + ", not a trace file"), std::string::npos) << r.err;
    }
  }
}

// ---- shell completion ----------------------------------------------------------------

class BashCompletion : public UnixCli {
 protected:
  // The words bash's completion for [tool] offers when the command line is [words] (the
  // last one the word being completed), one per line.
  std::string offered(const std::string& tool, const std::string& words) {
    const std::string script = std::string(SHARE_DIR) + "/bash-completion/completions/" + tool;
    const CliResult r = bash("source '" + script + "' && COMP_WORDS=(" + words +
                             ") && COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && _" + tool +
                             " && for w in \"${COMPREPLY[@]}\"; do echo \"$w\"; done");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    return r.out;
  }
};

TEST_F(BashCompletion, CompletesCommandNames) {
  EXPECT_EQ(offered("pwvm", "pwvm r"), "run\n");
  EXPECT_EQ(offered("pwreplay", "pwreplay help ver"), "verify\n");
  const std::string all = offered("pwreplay", "pwreplay ''");
  for (const std::string command : {"info", "events", "state", "verify", "watch", "last-write", "calls", "debug", "dap", "perf"})
    EXPECT_NE(all.find(command + "\n"), std::string::npos) << command << " in " << all;
}

TEST_F(BashCompletion, CompletesEachCommandsOwnOptions) {
  EXPECT_EQ(offered("pwreplay", "pwreplay perf --j"), "--json\n");
  EXPECT_EQ(offered("pwreplay", "pwreplay perf some.pwtrace --ht"), "--html\n");
  EXPECT_EQ(offered("pwvm", "pwvm run --rec"), "--record\n--record-on-failure\n--record-last\n");
  EXPECT_EQ(offered("pwvm", "pwvm check --rec"), "");  // run's option, not check's
}

TEST_F(BashCompletion, CompletesFilesForArgumentsAndFileOptions) {
  pwtest::write_text_file(path("prog.pwa"), "func main()\n  push 0\n  halt\nend\n");
  const std::string in_dir = "cd '" + dir_.string() + "' && ";
  const auto offered_here = [&](const std::string& words) {
    const std::string script = std::string(SHARE_DIR) + "/bash-completion/completions/pwvm";
    return bash(in_dir + "source '" + script + "' && COMP_WORDS=(" + words +
                ") && COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && _pwvm && for w in \"${COMPREPLY[@]}\"; do echo \"$w\"; done")
        .out;
  };
  EXPECT_EQ(offered_here("pwvm run pr"), "prog.pwa\n");
  EXPECT_EQ(offered_here("pwvm run x.pwa --record pr"), "prog.pwa\n");
  EXPECT_EQ(offered_here("pwvm run x.pwa --max-steps pr"), "");  // a number, not a file
}

TEST_F(UnixCli, ZshAcceptsTheCompletionFunctions) {
  if (!has_program("zsh")) GTEST_SKIP() << "zsh is not installed";
  for (const std::string tool : {"pwvm", "pwreplay"}) {
    const std::string script = std::string(SHARE_DIR) + "/zsh/site-functions/_" + tool;
    const CliResult r = pwtest::run_binary("/bin/sh", {"-c", "zsh -n '" + script + "'"}, "", dir_, false);
    EXPECT_EQ(r.code, 0) << tool << ": " << r.err;
    EXPECT_EQ(r.err, "") << tool;
    const std::string text = pwtest::read_text_file(script);
    EXPECT_EQ(text.rfind("#compdef " + tool + "\n", 0), 0u);
    EXPECT_NE(text.find("'--help[Print this help message and exit]'"), std::string::npos);
  }
}

// ---- man pages -----------------------------------------------------------------------

TEST_F(UnixCli, ManPagesRenderWithoutWarningsAndNameEveryCommand) {
  if (!has_program("groff")) GTEST_SKIP() << "groff is not installed";
  const std::vector<std::pair<std::string, std::vector<std::string>>> tools = {
      {"pwvm", {"run", "check", "disasm", "debug", "dap", "test"}},
      {"pwreplay", {"info", "events", "state", "verify", "watch", "last-write", "calls", "debug", "dap", "perf"}}};
  for (const auto& [tool, commands] : tools) {
    const std::string page = std::string(SHARE_DIR) + "/man/man1/" + tool + ".1";
    const CliResult r = pwtest::run_binary(
        "/bin/sh", {"-c", "groff -man -Tutf8 -ww -rLL=100n '" + page + "' | col -bx"}, "", dir_, false);
    EXPECT_EQ(r.code, 0) << tool << ": " << r.err;
    EXPECT_EQ(r.err, "") << tool << ": groff warned";
    EXPECT_NE(r.out.find("NAME"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("EXIT STATUS"), std::string::npos) << r.out;
    for (const std::string& c : commands)
      EXPECT_NE(r.out.find(tool + " " + c), std::string::npos) << tool << " " << c << " missing from:\n" << r.out;
    EXPECT_NE(r.out.find("--help"), std::string::npos);
  }
}

// ---- progress lines ------------------------------------------------------------------

TEST_F(UnixCli, LongReplayShowsAProgressLineOnATerminalAndErasesIt) {
  const std::string trace = long_trace();
  // calls visits every step, so this replay takes well over the quarter second after which
  // the line shows.
  const pwtest::PtyResult r = pwtest::run_on_pty(PWREPLAY_BINARY, {"calls", trace, "sum_to"}, {}, path("out.txt"));
  EXPECT_EQ(r.code, 0) << r.terminal;
  const std::size_t first = r.terminal.find("\rfinding calls [");
  ASSERT_NE(first, std::string::npos) << r.terminal;
  EXPECT_NE(r.terminal.find("% ", first), std::string::npos) << r.terminal;
  EXPECT_NE(r.terminal.find(" steps/s", first), std::string::npos) << r.terminal;
  // Erased at the end: the last thing on the terminal clears the line.
  EXPECT_EQ(r.terminal.substr(r.terminal.size() - 4), "\r\x1b[K") << r.terminal;
  EXPECT_EQ(r.terminal.find('\n'), std::string::npos) << "only the progress line goes to the terminal";
  const std::string out = pwtest::read_text_file(path("out.txt"));
  EXPECT_NE(out.find(" calls of sum_to"), std::string::npos) << out.substr(0, 200);
}

TEST_F(UnixCli, QuietShowsNoProgressLine) {
  const std::string trace = long_trace();
  const pwtest::PtyResult r = pwtest::run_on_pty(PWREPLAY_BINARY, {"calls", trace, "sum_to", "-q"}, {}, path("out.txt"));
  EXPECT_EQ(r.code, 0) << r.terminal;
  EXPECT_EQ(r.terminal, "");
}

TEST_F(UnixCli, NoProgressLineWhenStderrIsNotATerminal) {
  const std::string trace = long_trace();
  const CliResult r = pwreplay({"calls", trace, "sum_to"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

// ---- colour --------------------------------------------------------------------------

TEST_F(UnixCli, ErrorsAreColouredOnATerminalOnly) {
  const std::string missing = path("missing.pwa");
  const pwtest::PtyResult on_terminal = pwtest::run_on_pty(PWVM_BINARY, {"run", missing});
  EXPECT_EQ(on_terminal.code, 2);
  EXPECT_NE(on_terminal.terminal.find("pwvm: \x1b[1;31merror:\x1b[0m cannot read"), std::string::npos)
      << on_terminal.terminal;
  const pwtest::PtyResult replay = pwtest::run_on_pty(PWREPLAY_BINARY, {"info", missing});
  EXPECT_NE(replay.terminal.find("pwreplay: \x1b[1;31merror:\x1b[0m"), std::string::npos) << replay.terminal;
  const CliResult piped = pwvm({"run", missing});
  EXPECT_EQ(piped.err.find('\x1b'), std::string::npos) << piped.err;
}

TEST_F(UnixCli, NoColourWhenNoColorIsSet) {
  const std::string missing = path("missing.pwa");
  const pwtest::PtyResult r = pwtest::run_on_pty(PWVM_BINARY, {"run", missing}, {{"NO_COLOR", "1"}});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.terminal.find("pwvm: error: cannot read"), std::string::npos) << r.terminal;
  EXPECT_EQ(r.terminal.find('\x1b'), std::string::npos) << r.terminal;
}

TEST_F(UnixCli, DebuggerColoursTheStopLineAndTheCurrentSourceLine) {
  const std::string trace = std::string(TRACES_DIR) + "/hello.pwtrace";
  const std::vector<std::string> args{"debug", trace, "--batch", "-ex", "stepi"};
  const pwtest::PtyResult coloured = pwtest::run_on_pty(PWREPLAY_BINARY, args);
  EXPECT_EQ(coloured.code, 0) << coloured.terminal;
  EXPECT_NE(coloured.terminal.find("\x1b[1m[step 1] main"), std::string::npos) << coloured.terminal;
  EXPECT_NE(coloured.terminal.find("\x1b[1;33m"), std::string::npos) << coloured.terminal;
  const pwtest::PtyResult plain = pwtest::run_on_pty(PWREPLAY_BINARY, args, {{"NO_COLOR", "1"}});
  EXPECT_EQ(plain.code, 0) << plain.terminal;
  EXPECT_NE(plain.terminal.find("[step 1] main"), std::string::npos) << plain.terminal;
  EXPECT_EQ(plain.terminal.find('\x1b'), std::string::npos) << plain.terminal;
}

}  // namespace
