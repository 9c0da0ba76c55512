// `pwvm test`, end to end: small suites written to a temporary directory and run by the
// built binary; what it prints, its exit status, the traces it keeps and its JUnit report.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "background_process.h"
#include "cli_util.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using pwtest::CliResult;
using pwtest::count_lines;

constexpr const char* kHalts = R"PWA(; expect: 42
func main()
  push "hi"
  host print
  pop
  push 42
  halt
end
)PWA";

constexpr const char* kTypeError = R"PWA(func main()
  push 1
  push nil
  add
  halt
end
)PWA";

constexpr const char* kSpins = R"PWA(func main()
top:
  jump top
end
)PWA";

class TestRunnerCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / ("pwvm_test_runner_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(suite_dir());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path suite_dir() const { return dir_ / "suite"; }

  // Writes [text] to [name] under the suite directory, creating directories on the way.
  void file(const std::string& name, std::string_view text) {
    const fs::path path = suite_dir() / name;
    fs::create_directories(path.parent_path());
    pwtest::write_text_file(path.string(), text);
  }

  // `pwvm test ARGS` run in the suite directory, without PWVM_GC_STRESS (the runner's
  // children would inherit it, and this suite is about the runner).
  CliResult pwvm_test(const std::vector<std::string>& args) {
    std::string script =
        "cd " + pwtest::shell_quote(suite_dir().string()) + " && exec " + pwtest::shell_quote(PWVM_BINARY) + " test";
    for (const std::string& a : args) script += " " + pwtest::shell_quote(a);
    return pwtest::run_binary("/bin/sh", {"-c", script}, "", dir_, false);
  }

  CliResult pwreplay(const std::vector<std::string>& args) {
    return pwtest::run_binary(PWREPLAY_BINARY, args, "", dir_, false);
  }

  // The suite every failure test uses: each way to pass and each way to fail.
  void write_mixed_suite() {
    file("pass.pwa", kHalts);
    file("pass.expected", "hi\n");
    file("runtime_error.pwa", kTypeError);
    file("wrong_output.pwa", std::string("; prints hi, not bye\n") + kHalts);
    file("wrong_output.expected", "bye\n");
    file("wrong_result.pwa", std::string("; expect: 43\n") + (kHalts + std::string_view(kHalts).find('\n') + 1));
    file("wrong_exit.pwa", std::string("; exit: 1\n") + kHalts);
    file("compile_error.pwl", "(display (+ 1 2)\n");
    file("expected_failure.pwa", std::string("; exit: 1\n; stderr: TypeError\n") + kTypeError);
    file("expected_compile_error.pwl", "; exit: 2\n; stderr: never closed\n(display (+ 1 2)\n");
    file("bad_header.pwa", std::string("; exit: x\n") + kHalts);
  }

  fs::path dir_;
};

// The lines of [text].
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(text.substr(start, nl - start));
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

// The report without its timings, which differ run to run.
std::string without_times(const std::string& report) {
  return std::regex_replace(report, std::regex(R"(\(\d+\.\d\d s)"), "(T s");
}

// The line of the report about [program].
std::string line_about(const std::string& report, const std::string& program) {
  for (const std::string& line : lines_of(report))
    if (line.rfind("PASS " + program + " ", 0) == 0 || line.rfind("FAIL " + program + " ", 0) == 0) return line;
  return "";
}

TEST_F(TestRunnerCli, PassingProgramsExitZeroAndEndWithTheSummaryLine) {
  file("a.pwa", kHalts);
  file("a.expected", "hi\n");
  file("deeper/b.pwl", "; expect: nil\n(display \"b\")\n");
  file("deeper/b.expected", "b");
  const CliResult r = pwvm_test({"."});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(PASS a\.pwa \(\d+\.\d\d s, 5 steps\))"))) << lines[0];
  EXPECT_EQ(lines[1].rfind("PASS deeper/b.pwl (", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2], "2 passed, 0 failed");
  EXPECT_FALSE(fs::exists(suite_dir() / "pwvm-traces")) << "no failure, no trace directory left behind";
}

TEST_F(TestRunnerCli, EachWayToFailIsReportedWithItsReason) {
  write_mixed_suite();
  const CliResult r = pwvm_test({"."});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(lines_of(r.out).back(), "3 passed, 6 failed") << r.out;
  EXPECT_EQ(lines_of(r.out).size(), 10u) << "one line per program and the summary:\n" << r.out;

  EXPECT_EQ(line_about(r.out, "pass.pwa").rfind("PASS ", 0), 0u) << r.out;
  EXPECT_EQ(line_about(r.out, "expected_failure.pwa").rfind("PASS ", 0), 0u) << r.out;
  EXPECT_EQ(line_about(r.out, "expected_compile_error.pwl").rfind("PASS ", 0), 0u) << r.out;

  const std::string runtime = line_about(r.out, "runtime_error.pwa");
  EXPECT_NE(runtime.find("exit status 1, expected 0: TypeError: add expects numbers, got int and nil"),
            std::string::npos)
      << runtime;
  EXPECT_NE(runtime.find("; trace pwvm-traces/runtime_error.pwa.pwtrace"), std::string::npos) << runtime;
  EXPECT_NE(line_about(r.out, "wrong_output.pwa")
                .find("stdout differs from wrong_output.expected at line 1: expected \"bye\\n\", got \"hi\\n\""),
            std::string::npos)
      << r.out;
  EXPECT_NE(line_about(r.out, "wrong_result.pwa").find("result 42, expected 43"), std::string::npos) << r.out;
  EXPECT_NE(line_about(r.out, "wrong_exit.pwa").find("exit status 0, expected 1"), std::string::npos) << r.out;
  const std::string compile = line_about(r.out, "compile_error.pwl");
  EXPECT_NE(compile.find("exit status 2, expected 0: compile_error.pwl:1:1: error:"), std::string::npos) << compile;
  EXPECT_EQ(compile.find("trace"), std::string::npos) << "a program that does not load leaves no trace: " << compile;
  EXPECT_NE(line_about(r.out, "bad_header.pwa").find("`; exit: x`: not an exit status (0 to 255)"), std::string::npos)
      << r.out;
}

TEST_F(TestRunnerCli, StderrHeadersMustAllBeFound) {
  file("a.pwa", std::string("; exit: 1\n; stderr: TypeError\n; stderr: no such text\n") + kTypeError);
  const CliResult r = pwvm_test({"a.pwa"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(line_about(r.out, "a.pwa").find("stderr lacks \"no such text\""), std::string::npos) << r.out;
  EXPECT_EQ(line_about(r.out, "a.pwa").find("lacks \"TypeError\""), std::string::npos) << r.out;
}

TEST_F(TestRunnerCli, TheReportIsTheSameWhateverTheNumberOfJobs) {
  write_mixed_suite();
  for (int i = 0; i < 6; ++i) file("more/p" + std::to_string(i) + ".pwa", kHalts);
  const CliResult one = pwvm_test({".", "-j", "1"});
  const CliResult four = pwvm_test({".", "-j", "4"});
  EXPECT_EQ(one.code, 1);
  EXPECT_EQ(four.code, 1);
  EXPECT_EQ(without_times(one.out), without_times(four.out));
  // In the order of the paths.
  std::vector<std::string> shown;
  for (const std::string& line : lines_of(one.out))
    if (line.rfind("PASS ", 0) == 0 || line.rfind("FAIL ", 0) == 0)
      shown.push_back(line.substr(5, line.find(' ', 5) - 5));
  EXPECT_TRUE(std::is_sorted(shown.begin(), shown.end())) << one.out;
  EXPECT_EQ(shown.size(), 15u) << one.out;
}

TEST_F(TestRunnerCli, TracesOfFailingRunsAreKeptAtTheProgramsPathsAndReplay) {
  file("pass.pwa", kHalts);
  file("one/main.pwa", kTypeError);
  file("two/main.pwa", kTypeError);
  const CliResult r = pwvm_test({".", "--traces", "kept"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const fs::path kept = suite_dir() / "kept";
  for (const std::string name : {"one/main.pwa.pwtrace", "two/main.pwa.pwtrace"}) {
    ASSERT_TRUE(fs::is_regular_file(kept / name)) << name << "\n" << r.out;
    EXPECT_NE(r.out.find("; trace kept/" + name), std::string::npos) << r.out;
    const CliResult info = pwreplay({"info", (kept / name).string()});
    EXPECT_EQ(info.code, 0) << info.err;
    EXPECT_NE(info.out.find("TypeError"), std::string::npos) << info.out;
  }
  EXPECT_FALSE(fs::exists(kept / "pass.pwa.pwtrace")) << "a passing run's trace is deleted";
  std::size_t entries = 0;
  for (auto it = fs::recursive_directory_iterator(kept); it != fs::recursive_directory_iterator(); ++it)
    entries += it->is_regular_file() ? 1 : 0;
  EXPECT_EQ(entries, 2u) << "nothing but the two traces is left";
}

TEST_F(TestRunnerCli, KeepPassingKeepsEveryTrace) {
  file("pass.pwa", kHalts);
  file("fail.pwa", kTypeError);
  const CliResult r = pwvm_test({".", "--traces", "kept", "--keep-passing"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  for (const std::string name : {"pass.pwa.pwtrace", "fail.pwa.pwtrace"}) {
    ASSERT_TRUE(fs::is_regular_file(suite_dir() / "kept" / name)) << name;
    EXPECT_EQ(pwreplay({"info", (suite_dir() / "kept" / name).string()}).code, 0) << name;
  }
}

TEST_F(TestRunnerCli, AProgramThatPassesAgainLosesItsOldTrace) {
  file("flaky.pwa", kTypeError);
  EXPECT_EQ(pwvm_test({"."}).code, 1);
  ASSERT_TRUE(fs::exists(suite_dir() / "pwvm-traces/flaky.pwa.pwtrace"));
  file("flaky.pwa", kHalts);
  EXPECT_EQ(pwvm_test({"."}).code, 0);
  EXPECT_FALSE(fs::exists(suite_dir() / "pwvm-traces/flaky.pwa.pwtrace")) << "a trace of the old failure misleads";
}

TEST_F(TestRunnerCli, StdinAndArgumentHeadersReachTheProgram) {
  const std::string echo = R"PWA(func main()
  host read_line
  host print
  pop
  host args
  host print
  pop
  push 0
  halt
end
)PWA";
  file("inline.pwa", "; stdin: first\\tline\\nsecond\\n\n; args: --allow io -- alpha beta\n" + echo);
  file("inline.expected", "first\tline\n[\"alpha\", \"beta\"]\n");
  file("sibling.pwa", "; args: --allow io\n" + echo);
  file("sibling.stdin", "from the file\n");
  file("sibling.expected", "from the file\n[]\n");
  const CliResult r = pwvm_test({"."});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(lines_of(r.out).back(), "2 passed, 0 failed") << r.out;
}

TEST_F(TestRunnerCli, AProgramPastItsTimeLimitFailsWithAFinishedTrace) {
  file("spins.pwa", kSpins);
  file("quick.pwa", kHalts);
  const auto start = std::chrono::steady_clock::now();
  const CliResult r = pwvm_test({".", "--timeout", "1"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(line_about(r.out, "spins.pwa").find(": timed out after 1 s at step "), std::string::npos) << r.out;
  EXPECT_EQ(line_about(r.out, "quick.pwa").rfind("PASS ", 0), 0u) << r.out;
  const CliResult info = pwreplay({"info", (suite_dir() / "pwvm-traces/spins.pwa.pwtrace").string()});
  EXPECT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find("interrupted by signal 15"), std::string::npos) << info.out;
}

TEST_F(TestRunnerCli, BadInputIsOneLineOnStderrAndExitTwo) {
  file("a.pwa", kHalts);
  fs::create_directories(suite_dir() / "empty");
  file("notes.txt", "not a program\n");
  const std::vector<std::vector<std::string>> cases = {{"missing"},
                                                       {"empty"},
                                                       {"notes.txt"},
                                                       {".", "-j", "0"},
                                                       {".", "-j", "x"},
                                                       {".", "--timeout", "0"},
                                                       {},
                                                       {".", "--no-such-flag"}};
  for (const auto& args : cases) {
    std::string shown;
    for (const std::string& a : args) shown += a + " ";
    const CliResult r = pwvm_test(args);
    EXPECT_EQ(r.code, 2) << shown << r.out << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << shown << r.err;
    EXPECT_EQ(r.out, "") << shown << ": nothing runs";
  }
  EXPECT_NE(pwvm_test({"missing"}).err.find("missing: no such file or directory"), std::string::npos);
  EXPECT_NE(pwvm_test({"empty"}).err.find("no .pwa or .pwl programs under empty"), std::string::npos);
  EXPECT_FALSE(fs::exists(suite_dir() / "pwvm-traces"));
}

TEST_F(TestRunnerCli, JunitReportNamesEveryProgramAndHowToReplayAFailure) {
  file("pass.pwa", kHalts);
  file("sub/dir/fail.pwa", kTypeError);
  // Output no XML document can hold as it is: control bytes, a byte that is not UTF-8, markup.
  file("noisy.pwa", "func main()\n  push \"<&>\\x01\\x1b[31m\\xff\"\n  host print\n  pop\n  push 0\n  halt\nend\n");
  const CliResult r = pwvm_test({".", "--junit", "report.xml"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const std::string xml = pwtest::read_text_file((suite_dir() / "report.xml").string());
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 0), 0u) << xml;
  EXPECT_NE(xml.find("<testsuite name=\".\" tests=\"3\" failures=\"1\" errors=\"0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase name=\"sub/dir/fail.pwa\" classname=\"sub.dir\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"exit status 1, expected 0: TypeError: add expects numbers"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("at main (sub/dir/fail.pwa:4)"), std::string::npos) << "the error report: " << xml;
  EXPECT_NE(xml.find("trace: pwvm-traces/sub/dir/fail.pwa.pwtrace"), std::string::npos) << xml;
  EXPECT_NE(xml.find("pwreplay debug pwvm-traces/sub/dir/fail.pwa.pwtrace --at end"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<system-out>&lt;&amp;&gt;\\x01\\x1b[31m\\xff\n</system-out>"), std::string::npos) << xml;
  EXPECT_EQ(
      std::count_if(xml.begin(), xml.end(), [](char c) { return c != '\n' && static_cast<unsigned char>(c) < 0x20; }),
      0)
      << "control bytes in the XML";
  EXPECT_EQ(xml.find('\xff'), std::string::npos) << "a byte that is not UTF-8 in the XML";
}

TEST_F(TestRunnerCli, InterruptStopsEveryRunAndLeavesNoProcessBehind) {
  file("a_spins.pwa", kSpins);
  file("b_spins.pwa", kSpins);
  file("c_never_runs.pwa", kSpins);
  const std::string script = "cd " + pwtest::shell_quote(suite_dir().string()) + " && exec " +
                             pwtest::shell_quote(PWVM_BINARY) + " test . -j 2";
  pwtest::BackgroundProcess runner({"/bin/sh", "-c", script});
  ASSERT_TRUE(runner.started());
  // Both runs have started once their traces appear in the scratch directory.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const auto started = [&] {
    std::size_t traces = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(suite_dir() / "pwvm-traces", ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      traces += it->path().extension() == ".pwtrace" ? 1 : 0;
    return traces == 2;
  };
  while (!started() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(started());
  ::kill(runner.pid(), SIGINT);
  const CliResult r = runner.finish();
  EXPECT_EQ(r.code, 130) << r.out << r.err;
  EXPECT_NE(r.err.find("interrupted by signal 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 of 3 programs not run"), std::string::npos) << r.err;
  EXPECT_NE(line_about(r.out, "a_spins.pwa").find(": interrupted; trace pwvm-traces/a_spins.pwa.pwtrace"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(lines_of(r.out).back(), "0 passed, 2 failed") << r.out;
  EXPECT_EQ(pwreplay({"info", (suite_dir() / "pwvm-traces/a_spins.pwa.pwtrace").string()}).code, 0);
  // No process is left that runs a program of this suite.
  const std::string marker = suite_dir().string();
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string cwd_link = (entry.path() / "cwd").string();
    std::error_code ec;
    const fs::path cwd = fs::read_symlink(cwd_link, ec);
    if (!ec && cwd.string() == marker) left.push_back(entry.path().filename().string());
  }
  EXPECT_TRUE(left.empty()) << "processes still running in the suite's directory: " << left.size();
}

}  // namespace
