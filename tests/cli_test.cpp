// The pwvm command line, end to end: exit codes, what goes to stdout and stderr, flags, and
// canonical dumps that are byte-identical run to run.
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli_util.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using pwtest::CliResult;
using pwtest::count_lines;
using pwtest::read_text_file;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("pwvm_cli_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string file(const std::string& name, std::string_view text) {
    const std::string path = (dir_ / name).string();
    pwtest::write_text_file(path, text);
    return path;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs pwvm with [args], [input] on stdin, and captures everything. The binary inherits
  // PWVM_GC_STRESS unless [inherit_gc_stress] is false (for runs too long to collect on every
  // allocation under a sanitizer).
  CliResult pwvm(const std::vector<std::string>& args, const std::string& input = "", bool inherit_gc_stress = true) {
    return pwtest::run_binary(PWVM_BINARY, args, input, dir_, inherit_gc_stress);
  }
  CliResult pwreplay(const std::vector<std::string>& args) { return pwtest::run_binary(PWREPLAY_BINARY, args, "", dir_, true); }

  fs::path dir_;
};

const char* kHello = R"PWA(
func main()
  push "hello"
  host print
  pop
  push 0
  halt
end
)PWA";

const char* kTypeError = R"PWA(
func f(x)
  get_local x
  car
  return
end
func main()
  push "before"
  host print
  pop
  push 5
  call_fn f
  halt
end
)PWA";

const char* kSpin = "func main()\nspin:\n  jump spin\nend\n";

const char* kRecurse = R"PWA(
func down(n)
  get_local n
  call_fn down
  return
end
func main()
  push 0
  call_fn down
  halt
end
)PWA";

const char* kQuiet = R"PWA(
global total = 0
func main()
  local i, limit
  push 1
  set_local i
  push 100
  set_local limit
loop:
  get_global total
  get_local i
  add
  set_global total
  get_local i
  nil
  cons
  pop
  for_next i, loop
  get_global total
  halt
end
)PWA";

// ---- exit codes and stderr ------------------------------------------------------------

TEST_F(Cli, HaltedRunExitsZero) {
  const CliResult r = pwvm({"run", file("hello.pwa", kHello)});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(Cli, RuntimeErrorExitsOneWithAStackTrace) {
  const std::string src = file("bad.pwa", kTypeError);
  const CliResult r = pwvm({"run", src});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "before\n");
  EXPECT_EQ(r.err.rfind("TypeError: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("  at f (" + src + ":4)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  at main (" + src + ":12)"), std::string::npos) << r.err;
}

TEST_F(Cli, MissingFileIsBadInputWithOneLine) {
  const CliResult r = pwvm({"run", path("nope.pwa")});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("nope.pwa"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(Cli, DirectoryIsRefusedWithOneLineByEveryCommand) {
  for (const std::string command : {"run", "check", "disasm", "debug"}) {
    const CliResult r = pwvm({command, dir_.string()});
    EXPECT_EQ(r.code, 2) << command;
    EXPECT_EQ(count_lines(r.err), 1u) << command << ": " << r.err;
    EXPECT_NE(r.err.find(dir_.string() + " is a directory"), std::string::npos) << command << ": " << r.err;
    EXPECT_EQ(r.out, "") << command;
  }
}

TEST_F(Cli, ProgramFileOverTheSizeCapIsRefusedBeforeItIsRead) {
  // Sparse files: no disk is written. One byte over the cap is refused for its size; a file
  // of exactly the cap is read (and refused by the assembler, for its NUL bytes).
  const std::string over = path("over.pwa");
  const std::string at_cap = path("at_cap.pwa");
  pwtest::write_text_file(over, "");
  pwtest::write_text_file(at_cap, "");
  fs::resize_file(over, pw::kMaxProgramBytes + 1);
  fs::resize_file(at_cap, pw::kMaxProgramBytes);
  for (const std::string command : {"run", "check", "disasm", "debug"}) {
    const CliResult r = pwvm({command, over});
    EXPECT_EQ(r.code, 2) << command;
    EXPECT_EQ(count_lines(r.err), 1u) << command << ": " << r.err;
    EXPECT_NE(r.err.find("over.pwa is larger than 64 MiB"), std::string::npos) << command << ": " << r.err;
  }
  const CliResult r = pwvm({"check", at_cap});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.find("larger than"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unexpected byte 0x00"), std::string::npos) << r.err;
}

TEST_F(Cli, EndlessStandardInputAsProgramIsReadOnlyUpToTheCap) {
  // /dev/zero on standard input never ends and has no size: the loader must stop one byte
  // past the cap. (Named as the program, a device is refused before it is read.) The child
  // may map 512 MiB at most, so a loader that reads on dies here instead of taking the
  // machine's memory.
  const std::uint64_t address_space = pwtest::under_address_sanitizer() ? 0 : std::uint64_t{512} << 20;
  for (const std::string command : {"run", "check"}) {
    const pwtest::MeasuredRun r =
        pwtest::run_binary_measured(PWVM_BINARY, {command, "-"}, dir_, address_space, "/dev/zero");
    EXPECT_EQ(r.code, 2) << command << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << command << ": " << r.err;
    EXPECT_NE(r.err.find("standard input is larger than 64 MiB"), std::string::npos) << command << ": " << r.err;
    if (!pwtest::under_address_sanitizer()) {
      EXPECT_TRUE(pwtest::peak_rss_below(r, std::uint64_t{200} << 20)) << command;
    }
  }
}

TEST_F(Cli, AnEndlessLineOfInputFailsTheReadAtTheHeapLimit) {
  // read_line from /dev/zero never meets a newline: the read stops at what the heap could
  // hold, as a HostError, instead of growing without bound.
  const std::string program = (dir_ / "reader.pwa").string();
  pwtest::write_text_file(program, "func main()\n  host read_line\n  halt\nend\n");
  const std::uint64_t address_space = pwtest::under_address_sanitizer() ? 0 : std::uint64_t{512} << 20;
  const pwtest::MeasuredRun r = pwtest::run_binary_measured(
      PWVM_BINARY, {"run", program, "--allow", "io", "--max-heap", "4M"}, dir_, address_space, "/dev/zero");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("HostError: read_line() failed: a line of input is longer than 4194304 bytes"),
            std::string::npos)
      << r.err;
  if (!pwtest::under_address_sanitizer()) {
    EXPECT_TRUE(pwtest::peak_rss_below(r, std::uint64_t{200} << 20));
  }
}

// Doubles a string until the heap cannot hold it. [seed] sets where the sizes fall: "x"
// ends with a request bigger than the whole heap (2^30 + 16 bytes), "abc" with live data
// that no collection can bring under the limit.
std::string doubling_program(const std::string& seed) {
  return "func main()\n  local s\n  push \"" + seed +
         "\"\n  set_local s\nloop:\n  get_local s\n  get_local s\n  str_concat\n  set_local s\n  jump loop\nend\n";
}

TEST_F(Cli, StringDoublingStopsAtTheHeapLimitWithinItsMemory) {
  // Peak resident memory is a size, measured by the kernel: it must stay near --max-heap
  // (the default, 1 GiB), so no string operation may hold a copy the heap does not count.
  if (pwtest::under_address_sanitizer()) GTEST_SKIP() << "AddressSanitizer's shadow and quarantine memory are not the VM's";
  const std::uint64_t max_heap = std::uint64_t{1} << 30;
  struct Case {
    std::string seed;
    std::string error;
  };
  for (const Case& c : {Case{"x", "MemoryError: a string of 1073741840 bytes cannot fit in a heap of 1073741824 bytes"},
                        Case{"abc", "HeapExhausted: allocating 805306384 bytes would exceed the heap limit of "
                                    "1073741824 bytes"}}) {
    const std::string program = file("double_" + c.seed + ".pwa", doubling_program(c.seed));
    const pwtest::MeasuredRun r = pwtest::run_binary_measured(PWVM_BINARY, {"run", program}, dir_);
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(r.err.rfind(c.error, 0), 0u) << r.err;
    EXPECT_NE(r.err.find("  at main ("), std::string::npos) << r.err;
    EXPECT_TRUE(pwtest::peak_rss_below(r, max_heap + max_heap / 5)) << c.seed << ": peak " << (r.peak_rss_bytes >> 20) << " MiB";
  }
}

// Builds an array of 100 references to one 8 MiB string, then applies [op] to it: its text
// is 800 MiB, far more than the heap or the output may hold.
std::string wide_value_program(const std::string& op) {
  return R"PWA(
func main()
  local s, i, a
  push "x"
  set_local s
  push 0
  set_local i
grow:
  get_local s
  get_local s
  str_concat
  set_local s
  inc_local i 1
  get_local i
  lt_imm 23
  jump_if_true grow
  push 100
  array_new
  set_local a
  push 0
  set_local i
fill:
  get_local a
  get_local i
  get_local s
  array_set
  inc_local i 1
  get_local i
  lt_imm 100
  jump_if_true fill
  get_local a
  )PWA" + op + "\n  halt\nend\n";
}

TEST_F(Cli, TextOfAValueTooBigForTheHeapOrTheOutputIsNeverBuilt) {
  // to_string and print measure the text first: 800 MiB is refused without being written.
  if (pwtest::under_address_sanitizer()) GTEST_SKIP() << "AddressSanitizer's shadow and quarantine memory are not the VM's";
  struct Case {
    std::string op;
    std::vector<std::string> flags;
    std::string error;
  };
  for (const Case& c : {Case{"to_string", {"--max-heap", "64M"}, "MemoryError: a string of 838861216 bytes cannot fit"},
                        Case{"host print", {"--max-output", "64M"}, "OutputLimitExceeded: "},
                        Case{"host write", {"--max-output", "64M"}, "OutputLimitExceeded: "}}) {
    std::vector<std::string> args{"run", file("wide.pwa", wide_value_program(c.op))};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    const pwtest::MeasuredRun r = pwtest::run_binary_measured(PWVM_BINARY, args, dir_);
    EXPECT_EQ(r.code, 1) << c.op << ": " << r.err;
    EXPECT_EQ(r.err.rfind(c.error, 0), 0u) << c.op << ": " << r.err;
    EXPECT_TRUE(pwtest::peak_rss_below(r, std::uint64_t{200} << 20)) << c.op << ": peak " << (r.peak_rss_bytes >> 20) << " MiB";
  }
}

// The instructions `pwvm check FILE` executes, counted by callgrind: a count, not a time,
// the same on every run. nullopt when valgrind cannot run here.
std::optional<std::uint64_t> instructions_to_check(const std::string& file, const fs::path& dir) {
  const std::string out = (dir / "callgrind.txt").string();
  const std::string cmd = "valgrind --tool=callgrind --callgrind-out-file=/dev/null " +
                          pwtest::shell_quote(PWVM_BINARY) + " check " + pwtest::shell_quote(file) + " >/dev/null 2>" +
                          pwtest::shell_quote(out);
  if (std::system(cmd.c_str()) != 0) return std::nullopt;
  const std::string report = read_text_file(out);
  const std::size_t at = report.find("Collected : ");
  if (at == std::string::npos) return std::nullopt;
  return std::stoull(report.substr(at + 12));
}

TEST_F(Cli, CheckDoesLinearWorkInTheNumberOfNames) {
  // Assembling and verifying four times the functions, globals, locals, labels and
  // constants must cost about four times the instructions: a name looked up by a scan
  // would make it sixteen.
  if (pwtest::under_address_sanitizer()) GTEST_SKIP() << "valgrind cannot run a sanitizer build";
  if (std::system("valgrind --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "valgrind is not installed";
  constexpr std::size_t kSmall = 3000;
  const auto small = instructions_to_check(file("small.pwa", pwtest::program_with_names(kSmall, kSmall)), dir_);
  const auto large = instructions_to_check(file("large.pwa", pwtest::program_with_names(4 * kSmall, 4 * kSmall)), dir_);
  ASSERT_TRUE(small && large) << read_text_file(path("callgrind.txt"));
  const double ratio = double(*large) / double(*small);
  EXPECT_LT(ratio, 5.0) << *small << " instructions for " << kSmall << " of each name, " << *large
                        << " for four times as many";
  EXPECT_GT(ratio, 2.0) << "the programs must dominate the count, not the start-up";
}

TEST_F(Cli, UnknownFlagIsBadInputWithOneLine) {
  const CliResult r = pwvm({"run", file("hello.pwa", kHello), "--bogus"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(Cli, BadFlagValuesAreBadInput) {
  const std::string hello = file("hello.pwa", kHello);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"run", hello, "--max-steps", "lots"},
        std::vector<std::string>{"run", hello, "--max-heap", "-5"},
        std::vector<std::string>{"run", hello, "--allow", "teleport"},
        std::vector<std::string>{"frobnicate", hello}}) {
    const CliResult r = pwvm(args);
    EXPECT_EQ(r.code, 2) << args[2 < args.size() ? 2 : 0];
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  }
  const CliResult r = pwvm({"run", hello, "--allow", "io,teleport"});
  EXPECT_NE(r.err.find("teleport"), std::string::npos) << r.err;
}

TEST_F(Cli, AssemblyErrorNamesFileLineAndColumn) {
  const std::string src = file("asm.pwa", "func main()\n  push 1\n  frobnicate 2\n  halt\nend\n");
  const CliResult r = pwvm({"run", src});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("asm.pwa:3:3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos) << r.err;
}

TEST_F(Cli, VerifyErrorIsBadInputWithOneLine) {
  const CliResult r = pwvm({"run", file("v.pwa", "func main()\n  pop\n  push 0\n  halt\nend\n")});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("v.pwa"), std::string::npos) << r.err;
}

TEST_F(Cli, CheckAcceptsGoodAndRefusesBadPrograms) {
  const CliResult good = pwvm({"check", file("good.pwa", kHello)});
  EXPECT_EQ(good.code, 0) << good.err;
  EXPECT_EQ(good.out.find("hello\n"), std::string::npos) << "check must not run the program: " << good.out;
  const CliResult bad = pwvm({"check", file("bad.pwa", "func main()\n  push\nend\n")});
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(count_lines(bad.err), 1u) << bad.err;
  const CliResult unverifiable = pwvm({"check", file("v.pwa", "func main()\n  pop\n  push 0\n  halt\nend\n")});
  EXPECT_EQ(unverifiable.code, 2);
}

TEST_F(Cli, DisasmPrintsAssemblyOfTheSameProgram) {
  const std::string src = file("all.pwa", pwtest::kAllInstructions);
  const CliResult r = pwvm({"disasm", src});
  ASSERT_EQ(r.code, 0) << r.err;
  const pw::Program again = pw::assemble(r.out, "disasm.pwa");
  EXPECT_TRUE(pw::same_code(*pw::load_program(src), again)) << r.out;
}

// ---- flags ----------------------------------------------------------------------------

TEST_F(Cli, StatsGoToStderr) {
  const CliResult r = pwvm({"run", file("hello.pwa", kHello), "--stats"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_NE(r.err.find("result:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("steps:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("gc collections:"), std::string::npos) << r.err;
}

TEST_F(Cli, GcStressFlagCollectsAndKeepsResults) {
  const std::string src = file("quiet.pwa", kQuiet);
  const CliResult r = pwvm({"run", src, "--gc-stress", "--stats"});
  EXPECT_EQ(r.code, 0) << r.err;
  const auto at = r.err.find("gc collections:");
  ASSERT_NE(at, std::string::npos) << r.err;
  EXPECT_GE(std::atoi(r.err.c_str() + at + std::string("gc collections:").size()), 100) << r.err;
  EXPECT_NE(r.err.find("5050"), std::string::npos) << r.err;
}

TEST_F(Cli, CapabilityIsDeniedWithoutAllowAndGrantedWithIt) {
  const std::string src = file("echo.pwa", R"PWA(
func main()
  host read_line
  host print
  pop
  push 0
  halt
end
)PWA");
  const CliResult denied = pwvm({"run", src}, "typed\n");
  EXPECT_EQ(denied.code, 1);
  EXPECT_EQ(denied.err.rfind("CapabilityDenied: ", 0), 0u) << denied.err;
  const CliResult wrong = pwvm({"run", src, "--allow", "clock,random"}, "typed\n");
  EXPECT_EQ(wrong.code, 1);
  const CliResult granted = pwvm({"run", src, "--allow", "io"}, "typed\n");
  EXPECT_EQ(granted.code, 0) << granted.err;
  EXPECT_EQ(granted.out, "typed\n");
}

TEST_F(Cli, ArgumentsAfterDoubleDashReachTheProgram) {
  const std::string src = file("args.pwa", "func main()\n  host args\n  host print\n  pop\n  push 0\n  halt\nend\n");
  const CliResult r = pwvm({"run", src, "--allow", "io", "--", "a", "b c", "--stats"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "[\"a\", \"b c\", \"--stats\"]\n");
  EXPECT_EQ(r.err.find("steps:"), std::string::npos) << "--stats after -- belongs to the program";
}

TEST_F(Cli, LimitFlagsBecomeErrors) {
  const CliResult steps = pwvm({"run", file("spin.pwa", kSpin), "--max-steps", "1000"});
  EXPECT_EQ(steps.code, 1);
  EXPECT_EQ(steps.err.rfind("StepLimitExceeded: ", 0), 0u) << steps.err;
  const std::string rec = file("rec.pwa", kRecurse);
  const CliResult depth = pwvm({"run", rec, "--max-depth", "20"});
  EXPECT_EQ(depth.code, 1);
  EXPECT_EQ(depth.err.rfind("RecursionLimitExceeded: ", 0), 0u) << depth.err;
  const CliResult stack = pwvm({"run", rec, "--max-stack", "100"});
  EXPECT_EQ(stack.code, 1);
  EXPECT_EQ(stack.err.rfind("StackOverflow: ", 0), 0u) << stack.err;
  const std::string bomb = file("bomb.pwa", R"PWA(
func main()
  local l
grow:
  push 1
  get_local l
  cons
  set_local l
  jump grow
end
)PWA");
  const CliResult heap = pwvm({"run", bomb, "--max-heap", "65536"});
  EXPECT_EQ(heap.code, 1);
  EXPECT_EQ(heap.err.rfind("HeapExhausted: ", 0), 0u) << heap.err;
  const CliResult nogc = pwvm({"run", file("quiet.pwa", kQuiet), "--no-gc", "--max-heap", "1024"});
  EXPECT_EQ(nogc.code, 1);
  EXPECT_EQ(nogc.err.rfind("GcDisabled: ", 0), 0u) << nogc.err;
}

TEST_F(Cli, SeedMakesRandomRepeatable) {
  const std::string src = file("dice.pwa", R"PWA(
func main()
  local i, limit
  push 1
  set_local i
  push 10
  set_local limit
loop:
  push 1000000
  host random
  host print
  pop
  for_next i, loop
  push 0
  halt
end
)PWA");
  const CliResult a = pwvm({"run", src, "--allow", "random", "--seed", "42"});
  const CliResult b = pwvm({"run", src, "--allow", "random", "--seed", "42"});
  const CliResult c = pwvm({"run", src, "--allow", "random", "--seed", "43"});
  EXPECT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(count_lines(a.out), 10u);
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
}

// ---- state dumps ----------------------------------------------------------------------

TEST_F(Cli, DumpStateWritesTheFinalState) {
  const std::string dump = path("state.json");
  const CliResult r = pwvm({"run", file("quiet.pwa", kQuiet), "--dump-state", dump});
  EXPECT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_text_file(dump));
  EXPECT_EQ(j["status"], "halted");
  EXPECT_TRUE(j.contains("result"));
  EXPECT_GT(j["step"].get<std::uint64_t>(), 100u);
}

TEST_F(Cli, DumpStateOfAFailedRunHasTheError) {
  const std::string dump = path("state.json");
  const CliResult r = pwvm({"run", file("bad.pwa", kTypeError), "--dump-state", dump});
  EXPECT_EQ(r.code, 1);
  const nlohmann::json j = nlohmann::json::parse(read_text_file(dump));
  EXPECT_EQ(j["status"], "failed");
  EXPECT_TRUE(j.contains("error"));
}

TEST_F(Cli, StopAtPrintsThePausedState) {
  const CliResult r = pwvm({"run", file("quiet.pwa", kQuiet), "--stop-at", "25", "--dump-state", "-"});
  EXPECT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["step"], 25);
  EXPECT_EQ(j["status"], "paused");
}

// A program that prints: with the dump on stdout its output goes to stderr, so stdout is
// one JSON document a program can parse.
TEST_F(Cli, DumpStateToStdoutKeepsTheProgramsOutputOffStdout) {
  const std::string hello = std::string(EXAMPLES_DIR) + "/hello.pwa";
  const CliResult r = pwvm({"run", hello, "--dump-state", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << r.out;
  EXPECT_EQ(j["status"], "halted");
  EXPECT_EQ(r.err, "Hello, world!\n");
  // Without the dump on stdout, the output stays there.
  EXPECT_EQ(pwvm({"run", hello}).out, "Hello, world!\n");
  EXPECT_EQ(pwvm({"run", hello, "--dump-state", path("s.json")}).out, "Hello, world!\n");
}

TEST_F(Cli, StopAtDumpMatchesTheLibrary) {
  const std::string src = file("quiet.pwa", kQuiet);
  const CliResult r = pwvm({"run", src, "--stop-at", "57", "--dump-state", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  pwtest::Machine m(pw::load_program(src));
  ASSERT_EQ(m.run(57), pw::RunStatus::Paused);
  EXPECT_EQ(r.out, m.dump());
}

TEST_F(Cli, DumpsAreByteIdenticalAcrossRuns) {
  const std::string src = file("quiet.pwa", kQuiet);
  const CliResult a = pwvm({"run", src, "--dump-state", path("a.json")});
  const CliResult b = pwvm({"run", src, "--dump-state", path("b.json")});
  EXPECT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(read_text_file(path("a.json")), read_text_file(path("b.json")));
  EXPECT_FALSE(read_text_file(path("a.json")).empty());
}

TEST_F(Cli, EveryExampleDumpsIdenticallyAcrossRuns) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(EXAMPLES_DIR, ec))
    if (e.is_regular_file() && e.path().extension() == ".pwa") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) GTEST_SKIP() << "no examples in " << EXAMPLES_DIR;
  for (const fs::path& example : files) {
    SCOPED_TRACE(example.filename().string());
    if (read_text_file(example.string()).find("host clock") != std::string::npos) continue;  // time differs
    const std::vector<std::string> common = {"--allow", "io,random", "--seed", "7", "--max-steps", "50000000"};
    auto run_once = [&](const std::string& dump, const std::vector<std::string>& extra) {
      std::vector<std::string> args = {"run", example.string()};
      args.insert(args.end(), common.begin(), common.end());
      args.insert(args.end(), extra.begin(), extra.end());
      args.insert(args.end(), {"--dump-state", dump, "--", "5"});
      return pwvm(args, "3\nhello\n7\n", /*inherit_gc_stress=*/false);
    };
    const CliResult a = run_once(path("a.json"), {});
    const CliResult b = run_once(path("b.json"), {});
    EXPECT_NE(a.code, 2) << a.err;
    EXPECT_EQ(a.code, b.code);
    EXPECT_EQ(a.out, b.out);
    const std::string da = read_text_file(path("a.json"));
    EXPECT_FALSE(da.empty());
    EXPECT_EQ(da, read_text_file(path("b.json")));
    // Stopping part way and dumping is also reproducible.
    const CliResult c = run_once(path("c.json"), {"--stop-at", "100"});
    const CliResult d = run_once(path("d.json"), {"--stop-at", "100"});
    EXPECT_EQ(c.code, d.code);
    EXPECT_EQ(read_text_file(path("c.json")), read_text_file(path("d.json")));
  }
}

}  // namespace

namespace {

TEST_F(Cli, AnUnknownCommandSuggestsTheNearestAndHelpNamesTheProgram) {
  const CliResult rn = pwvm({"rn", "x.pwa"});
  EXPECT_EQ(rn.code, 2);
  EXPECT_EQ(rn.err, "pwvm: error: unknown command 'rn'; did you mean 'run'? (see pwvm --help)\n");
  const CliResult far = pwvm({"frobnicate"});
  EXPECT_EQ(far.code, 2);
  EXPECT_EQ(far.err, "pwvm: error: unknown command 'frobnicate' (see pwvm --help)\n");
  const CliResult verfy = pwreplay({"verfy", "t.pwtrace"});
  EXPECT_EQ(verfy.err, "pwreplay: error: unknown command 'verfy'; did you mean 'verify'? (see pwreplay --help)\n");
  for (const auto& [tool, command] : {std::pair<std::string, std::string>{"pwvm", "run"}, {"pwreplay", "debug"}}) {
    const CliResult all = tool == "pwvm" ? pwvm({"help"}) : pwreplay({"help"});
    EXPECT_EQ(all.code, 0);
    EXPECT_NE(all.out.find("Usage: " + tool + " "), std::string::npos) << all.out;
    const CliResult one = tool == "pwvm" ? pwvm({"help", command}) : pwreplay({"help", command});
    EXPECT_EQ(one.code, 0);
    EXPECT_NE(one.out.find(command), std::string::npos) << one.out;
    EXPECT_NE(one.out.find("Usage: " + tool + " " + command + " "), std::string::npos) << one.out;
    const CliResult bad = tool == "pwvm" ? pwvm({"help", "nosuch"}) : pwreplay({"help", "nosuch"});
    EXPECT_EQ(bad.code, 2);
    const CliResult version = tool == "pwvm" ? pwvm({"-V"}) : pwreplay({"-V"});
    EXPECT_EQ(version.code, 0);
    EXPECT_EQ(version.out, tool + " 0.1.0\n");
  }
}

}  // namespace

namespace {

TEST_F(Cli, ADashReadsTheProgramFromStandardInput) {
  const CliResult run = pwvm({"run", "-"}, kHello);
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "hello\n");
  const CliResult check = pwvm({"check", "-"}, kHello);
  EXPECT_EQ(check.code, 0) << check.err;
  // Errors name it as such.
  const CliResult bad = pwvm({"run", "-"}, "func main()\n  frobnicate\nend\n");
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(bad.err.rfind("<stdin>:2:", 0), 0u) << bad.err;
  // The debugger reads its commands there: one line, exit 2.
  const CliResult debug = pwvm({"debug", "-"}, kHello);
  EXPECT_EQ(debug.code, 2);
  EXPECT_EQ(count_lines(debug.err), 1u) << debug.err;
  EXPECT_NE(debug.err.find("standard input"), std::string::npos) << debug.err;
}

}  // namespace
