// The .pwl conformance suite: every program under tests/lisp is run by the built pwvm and its
// standard output, exit status and standard error compared with what its files expect. The
// conventions (NAME.expected, the `; exit:` `; stderr:` `; args:` `; stdin:` header lines) are
// described in tests/lisp/README.md.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli_util.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using pwtest::CliResult;

const fs::path kRoot = LISP_TESTS_DIR;

// What one program expects, read from its header comment and its .expected file.
struct Expectation {
  int exit_code = 0;
  std::vector<std::string> stderr_texts;
  std::vector<std::string> args;
  std::string stdin_text;
  std::optional<std::string> stdout_text;  // absent without a .expected file
};

// `\n` in a `; stdin:` line is a line break, `\t` a tab and `\\` a backslash.
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'n' || s[i + 1] == 't' || s[i + 1] == '\\')) {
      out += s[i + 1] == 'n' ? '\n' : s[i + 1] == 't' ? '\t' : '\\';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// The header is the comment lines a program starts with; lines there of the form
// `; KEY: VALUE` with a known KEY set the expectation, any other comment is prose.
Expectation read_expectation(const fs::path& program) {
  Expectation e;
  std::istringstream text(pwtest::read_text_file(program.string()));
  for (std::string line; std::getline(text, line) && line.rfind(";", 0) == 0;) {
    std::string_view rest(line);
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = rest.substr(0, colon);
    std::string_view value = rest.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (key == "exit")
      e.exit_code = std::stoi(std::string(value));
    else if (key == "stderr")
      e.stderr_texts.emplace_back(value);
    else if (key == "args") {
      for (std::string& w : split_words(value)) e.args.push_back(std::move(w));
    } else if (key == "stdin")
      e.stdin_text += unescape(value);
  }
  fs::path expected = program;
  expected.replace_extension(".expected");
  if (fs::exists(expected)) e.stdout_text = pwtest::read_text_file(expected.string());
  return e;
}

// Every program of the suite, sorted, as paths relative to its root.
std::vector<std::string> programs() {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(kRoot, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".pwl")
      found.push_back(fs::relative(entry.path(), kRoot).generic_string());
  std::sort(found.begin(), found.end());
  return found;
}

// errors/car_of_non_pair.pwl -> errors_car_of_non_pair: GoogleTest takes letters, digits and _.
std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).replace_extension().generic_string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

class LispConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ =
        fs::path(::testing::TempDir()) / ("pwvm_lisp_" + std::to_string(::getpid()) + "_" + test_name({GetParam(), 0}));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // pwvm run [ARGS] PROGRAM, never under PWVM_GC_STRESS: a collection before every allocation
  // makes the long loops crawl, and the collector has a stress pass of its own.
  CliResult run(const std::string& program, const Expectation& e) {
    std::vector<std::string> argv{"run"};
    argv.insert(argv.end(), e.args.begin(), e.args.end());
    argv.push_back(program);
    return pwtest::run_binary(PWVM_BINARY, argv, e.stdin_text, dir_, false);
  }

  // Checks one run against everything the program expects; [what] names the run in failures.
  void check(const CliResult& r, const Expectation& e, const std::string& what) {
    if (e.stdout_text) {
      EXPECT_EQ(r.out, *e.stdout_text) << what << ": standard output\nstderr:\n" << r.err;
    }
    EXPECT_EQ(r.code, e.exit_code) << what << ": exit status\nstdout:\n" << r.out << "\nstderr:\n" << r.err;
    for (const std::string& text : e.stderr_texts)
      EXPECT_NE(r.err.find(text), std::string::npos) << what << ": standard error lacks \"" << text << "\"\nstderr:\n"
                                                     << r.err;
  }

  fs::path dir_;
};

TEST_P(LispConformance, Program) {
  const fs::path program = kRoot / GetParam();
  const Expectation e = read_expectation(program);
  const CliResult source = run(program.string(), e);
  check(source, e, "pwvm run " + GetParam());
  if (e.exit_code != 0) return;
  // Under the sanitizers the programs' runs are what is new; the round trip below is the
  // compiler's and the assembler's output, the same in every build (the release pass runs it).
  if (pwtest::under_address_sanitizer()) return;

  // The assembly the compiler writes is a program of its own: it must run the same.
  const std::string pwa = (dir_ / "program.pwa").string();
  const CliResult compiled = pwtest::run_binary(PWVM_BINARY, {"compile", program.string(), "-o", pwa}, "", dir_, false);
  ASSERT_EQ(compiled.code, 0) << "pwvm compile " << GetParam() << "\nstderr:\n" << compiled.err;
  const CliResult assembly = run(pwa, e);
  EXPECT_EQ(assembly.out, source.out) << "the .pwa round trip of " << GetParam() << "\nstderr:\n" << assembly.err;
  check(assembly, e, "pwvm run (the compiled .pwa of) " + GetParam());
}

INSTANTIATE_TEST_SUITE_P(Lisp, LispConformance, ::testing::ValuesIn(programs()), test_name);

// The suite's own layout: a stray .expected file is a program lost, and a program under
// errors/ that expects success is in the wrong place.
TEST(LispConformanceLayout, EveryExpectedFileHasItsProgram) {
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(kRoot, ec)) {
    if (entry.path().extension() != ".expected") continue;
    fs::path program = entry.path();
    program.replace_extension(".pwl");
    EXPECT_TRUE(fs::exists(program)) << entry.path() << " has no program";
  }
  EXPECT_FALSE(ec) << ec.message();
}

TEST(LispConformanceLayout, ErrorProgramsExpectAFailure) {
  for (const std::string& p : programs())
    if (p.rfind("errors/", 0) == 0) {
      EXPECT_NE(read_expectation(kRoot / p).exit_code, 0) << p;
    }
}

TEST(LispConformanceLayout, TheSuiteIsFound) { EXPECT_GE(programs().size(), 50u) << kRoot; }

}  // namespace
