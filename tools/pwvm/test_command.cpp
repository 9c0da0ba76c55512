// pwvm test: run every program under the given paths as a test, several at once, each one
// recorded; print a line per program and a summary, write JUnit XML, keep the traces of the
// failures. docs/CI.md is the user's guide.
//
// Each program runs as a child process of this same binary, `pwvm run --stats --record TRACE
// ARGS PROGRAM`, rather than on a thread of this one: a crash, a hang or a runaway allocation
// then ends one test and nothing else, the time limit can stop a run without the VM's help
// (SIGTERM, on which the recording ends with a finished trace), and each test gets exactly
// what `pwvm run` gives by hand, which is what a failure report tells the reader to type.
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "child_pool.h"
#include "cli_support.h"
#include "colour.h"
#include "commands.h"
#include "junit_report.h"
#include "printable.h"
#include "test_headers.h"
#include "vm_options.h"

namespace pwvm {
namespace {

namespace fs = std::filesystem;

// Program output kept in the JUnit report, per program: CI pages show it, and a runaway
// printer should not make the report too big to upload.
constexpr std::size_t kMaxReportedOutput = 64 * 1024;

struct TestOptions {
  std::vector<std::string> paths;
  unsigned jobs = 1;
  std::string junit;
  std::string traces = "pwvm-traces";
  bool keep_passing = false;
  unsigned timeout = 600;
};

// Bad input: the run stops before any program runs, with this one line.
struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TestProgram {
  std::string shown;  // the path as given, normalised: what every report names
  TestExpectations expect;
};

struct TestResult {
  bool done = false;
  bool passed = false;
  double seconds = 0;
  std::optional<std::uint64_t> steps;
  std::vector<std::string> reasons;  // why it failed
  std::string report;                // pwvm's stderr, its --stats lines left out
  std::string output;                // the program's stdout
  std::string trace;                 // the trace kept, if any
};

unsigned core_count() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return std::max(1u, std::thread::hardware_concurrency());
}

std::string this_binary() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "pwvm" : self.string();
}

bool is_program(const fs::path& p) { return p.extension() == ".pwa" || p.extension() == ".pwl"; }

// Every program under [paths], sorted by the path shown: a file named is taken as it is, a
// directory searched recursively (hidden files and directories left out).
std::vector<std::string> find_programs(const std::vector<std::string>& paths) {
  std::set<std::string> found;
  for (const std::string& arg : paths) {
    std::error_code ec;
    const fs::file_status st = fs::status(arg, ec);
    if (st.type() == fs::file_type::not_found) throw BadInput(fmt::format("{}: no such file or directory", arg));
    if (ec) throw BadInput(fmt::format("{}: {}", arg, ec.message()));
    if (fs::is_regular_file(st)) {
      if (!is_program(arg)) throw BadInput(fmt::format("{} is not a program (.pwa or .pwl)", arg));
      found.insert(fs::path(arg).lexically_normal().generic_string());
      continue;
    }
    if (!fs::is_directory(st)) throw BadInput(fmt::format("{} is neither a file nor a directory", arg));
    std::size_t count = 0;
    fs::recursive_directory_iterator it(arg, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const fs::path& p = it->path();
      if (p.filename().string().front() == '.') {
        it.disable_recursion_pending();
        continue;
      }
      std::error_code type_ec;
      if (it->is_regular_file(type_ec) && is_program(p)) {
        found.insert(p.lexically_normal().generic_string());
        ++count;
      }
    }
    if (ec) throw BadInput(fmt::format("cannot read {}: {}", arg, ec.message()));
    if (count == 0) throw BadInput(fmt::format("no .pwa or .pwl programs under {}", arg));
  }
  return {found.begin(), found.end()};
}

// Where a program's trace is kept under the trace directory: its path as shown, so that two
// main.pwa in different directories keep two traces (a root is dropped, `..` becomes `__`).
fs::path mirrored_trace(const std::string& shown) {
  fs::path out;
  for (const fs::path& part : fs::path(shown).relative_path()) out /= part == ".." ? fs::path("__") : part;
  out += ".pwtrace";
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A word as a shell reads it: quoted unless it is plainly safe.
std::string shell_word(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./+,:@") ==
                        std::string::npos)
    return s;
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// Reads the result and the steps from the --stats block at the end of pwvm's stderr (from its
// `result:` line), and leaves the rest in the report: the whole when the program's own
// `; args:` ask for --stats, so that `; stderr:` lines can look for what it prints.
void take_stats(const std::string& err, bool own_stats, TestResult& r, std::optional<std::string>& result) {
  static const std::string kResult = "result:            ";
  std::size_t at = err.rfind("\n" + kResult);
  if (at != std::string::npos)
    ++at;
  else if (err.rfind(kResult, 0) == 0)
    at = 0;
  r.report = own_stats ? err : err.substr(0, at);
  if (at == std::string::npos) return;
  for (std::size_t pos = at; pos < err.size();) {
    const std::size_t end = std::min(err.find('\n', pos), err.size());
    const std::string line = err.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind(kResult, 0) == 0) {
      // Spaces around the value are not compared (a `; expect:` line cannot end in one).
      const std::string value = line.substr(kResult.size());
      const std::size_t first = value.find_first_not_of(' ');
      result = first == std::string::npos ? "" : value.substr(first, value.find_last_not_of(' ') - first + 1);
    } else if (line.rfind("steps:", 0) == 0) {
      const std::string digits = line.substr(line.find_first_not_of(' ', 6));
      if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos) r.steps = std::stoull(digits);
    }
  }
}

// Where [actual] first departs from [expected], as one line.
std::string output_difference(const std::string& expected, const std::string& actual, const std::string& file) {
  std::size_t line = 1, start = 0, i = 0;
  for (; i < expected.size() && i < actual.size() && expected[i] == actual[i]; ++i)
    if (expected[i] == '\n') ++line, start = i + 1;
  const auto line_at = [&](const std::string& text) -> std::string {
    if (start >= text.size()) return "the end of the output";
    // With its newline, if it has one: "a" and "a\n" differ there.
    const std::size_t end = text.find('\n', start);
    std::string l = text.substr(start, end == std::string::npos ? end : end + 1 - start);
    return l.size() > 60 ? pw::quoted(l.substr(0, 60)) + "..." : pw::quoted(l);
  };
  return fmt::format("stdout differs from {} at line {}: expected {}, got {}", file, line, line_at(expected),
                     line_at(actual));
}

// Why [outcome] does not meet [expect] (nothing when it passes).
void judge(const TestExpectations& expect, const ChildOutcome& outcome, const TestOptions& o, TestResult& r,
           const std::optional<std::string>& result) {
  if (!outcome.start_error.empty()) {
    r.reasons.push_back(outcome.start_error);
    return;
  }
  if (outcome.timed_out) {
    r.reasons.push_back(fmt::format("timed out after {} s{}", o.timeout,
                                    r.steps ? fmt::format(" at step {}", *r.steps) : std::string()));
    return;
  }
  if (outcome.interrupted) {
    r.reasons.push_back("interrupted");
    return;
  }
  if (outcome.signal) {
    r.reasons.push_back(fmt::format("pwvm ended by signal {} ({})", outcome.signal, strsignal(outcome.signal)));
    return;
  }
  if (outcome.exit_code != expect.exit_code) {
    const std::string error = first_line(r.report);
    r.reasons.push_back(fmt::format("exit status {}, expected {}{}", outcome.exit_code, expect.exit_code,
                                    error.empty() ? "" : ": " + pw::printable(error)));
  }
  for (const std::string& text : expect.stderr_texts)
    if (r.report.find(text) == std::string::npos) r.reasons.push_back("stderr lacks " + pw::quoted(text));
  if (expect.result && (!result || *result != *expect.result))
    r.reasons.push_back(result ? fmt::format("result {}, expected {}", pw::printable(*result), *expect.result)
                               : fmt::format("no result, expected {}", *expect.result));
  if (!expect.stdout_file.empty()) {
    std::ifstream in(expect.stdout_file, std::ios::binary);
    const std::string wanted(std::istreambuf_iterator<char>(in), {});
    if (!in && !in.eof())
      r.reasons.push_back(fmt::format("cannot read {}", expect.stdout_file.string()));
    else if (wanted != r.output)
      r.reasons.push_back(output_difference(wanted, r.output, expect.stdout_file.filename().string()));
  }
}

// Removes the directories from [dir] up to, not including, [stop] while they are empty
// ([dir] is under [stop]).
void remove_empty_parents(fs::path dir, const fs::path& stop) {
  std::error_code ec;
  while (!dir.empty() && dir != stop && fs::is_empty(dir, ec) && !ec && fs::remove(dir, ec)) dir = dir.parent_path();
}

std::string local_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  return text;
}

std::string classname_of(const std::string& shown) {
  std::string dir = fs::path(shown).relative_path().parent_path().generic_string();
  std::replace(dir.begin(), dir.end(), '/', '.');
  return dir.empty() ? "pwvm" : dir;
}

// The failure as the JUnit report holds it: what went wrong, pwvm's own report, the trace
// and the command that opens it at the failure.
std::string failure_text(const TestResult& r) {
  std::string text;
  for (const std::string& reason : r.reasons) text += reason + "\n";
  if (!r.report.empty()) text += "\n" + r.report + (r.report.back() == '\n' ? "" : "\n");
  if (!r.trace.empty())
    text += fmt::format("\ntrace: {}\nreplay: pwreplay debug {} --at end\n", r.trace, shell_word(r.trace));
  return text;
}

std::string result_line(const std::string& shown, const TestResult& r) {
  std::string line =
      fmt::format("{} {} ({:.2f} s{})", r.passed ? "PASS" : pw::term::paint(stdout, pw::term::Style::Error, "FAIL"),
                  pw::printable(shown), r.seconds, r.steps ? fmt::format(", {} steps", *r.steps) : "");
  if (r.passed) return line + "\n";
  std::string why;
  for (const std::string& reason : r.reasons) why += (why.empty() ? "" : "; ") + reason;
  line += ": " + pw::printable(why);
  if (!r.trace.empty()) line += "; trace " + pw::printable(r.trace);
  return line + "\n";
}

class TestRun {
 public:
  explicit TestRun(const TestOptions& o) : o_(o) {}

  int run() {
    std::vector<std::string> shown;
    std::ofstream junit;
    try {
      shown = find_programs(o_.paths);
      for (const std::string& s : shown) programs_.push_back({s, read_test_expectations(s)});
      // Opened now, so that a path that cannot be written fails before the suite runs.
      if (!o_.junit.empty()) {
        junit.open(o_.junit, std::ios::binary | std::ios::trunc);
        if (!junit) throw BadInput(fmt::format("cannot write the JUnit report {}: {}", o_.junit, std::strerror(errno)));
      }
      prepare_trace_directory();
    } catch (const std::runtime_error& e) {
      report(e.what());
      return kExitBadInput;
    }
    results_.resize(programs_.size());
    const std::string timestamp = local_timestamp();
    const auto start = std::chrono::steady_clock::now();
    const int stop_signal = run_programs();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (std::size_t i = next_to_print_; i < results_.size(); ++i)
      if (results_[i].done) print(i);
    std::error_code ec;
    fs::remove_all(work_, ec);
    if (created_traces_ && fs::is_empty(traces_, ec)) fs::remove(traces_, ec);

    std::size_t passed = 0, failed = 0, not_run = 0;
    for (const TestResult& r : results_) (r.done ? (r.passed ? passed : failed) : not_run) += 1;
    std::fputs(fmt::format("{} passed, {} failed\n", passed, failed).c_str(), stdout);
    std::fflush(stdout);
    if (junit.is_open()) {
      junit << junit_xml(junit_suite(timestamp, seconds));
      junit.close();
      if (!junit) {
        report(fmt::format("cannot write the JUnit report {}", o_.junit));
        return kExitBadInput;
      }
    }
    if (stop_signal) {
      report(fmt::format("interrupted by signal {} ({}): {} of {} programs not run", stop_signal,
                         strsignal(stop_signal), not_run, results_.size()));
      return 128 + stop_signal;
    }
    return failed ? kExitVmError : kExitOk;
  }

 private:
  // The trace directory, and in it the scratch directory the runs write to: their traces
  // then move to where they are kept without a copy.
  void prepare_trace_directory() {
    traces_ = fs::path(o_.traces).lexically_normal();
    if (!traces_.has_filename()) traces_ = traces_.parent_path();  // "traces/" is "traces"
    std::error_code ec;
    created_traces_ = !fs::exists(traces_, ec);
    fs::create_directories(traces_, ec);
    std::string pattern = (traces_ / ".pwvm-test-XXXXXX").string();
    if (ec || ::mkdtemp(pattern.data()) == nullptr)
      throw BadInput(
          fmt::format("cannot create the trace directory {}: {}", o_.traces, ec ? ec.message() : std::strerror(errno)));
    work_ = pattern;
  }

  fs::path scratch(std::size_t i, const char* suffix) const { return work_ / (std::to_string(i) + suffix); }

  int run_programs() {
    std::vector<ChildJob> jobs;
    std::vector<std::size_t> job_program;
    for (std::size_t i = 0; i < programs_.size(); ++i) {
      const TestProgram& p = programs_[i];
      if (!p.expect.problem.empty()) {
        // A malformed header fails its test without a run.
        results_[i].done = true;
        results_[i].reasons.push_back(p.expect.problem);
        continue;
      }
      ChildJob job;
      job.executable = "/proc/self/exe";  // this very binary, even if the file is replaced meanwhile
      job.argv = {self_, "run", "--stats", "--record", scratch(i, ".pwtrace").string()};
      job.argv.insert(job.argv.end(), p.expect.run_args.begin(), p.expect.run_args.end());
      job.argv.push_back(p.shown.front() == '-' ? "./" + p.shown : p.shown);
      if (!p.expect.program_args.empty()) {
        job.argv.push_back("--");
        job.argv.insert(job.argv.end(), p.expect.program_args.begin(), p.expect.program_args.end());
      }
      job.stdin_path = "/dev/null";
      if (!p.expect.stdin_file.empty()) job.stdin_path = p.expect.stdin_file.string();
      if (p.expect.stdin_text) {
        job.stdin_path = scratch(i, ".stdin").string();
        std::ofstream(job.stdin_path, std::ios::binary) << *p.expect.stdin_text;
      }
      job.stdout_path = scratch(i, ".out").string();
      job.stderr_path = scratch(i, ".err").string();
      jobs.push_back(std::move(job));
      job_program.push_back(i);
    }
    print_ready();
    return run_children(jobs, o_.jobs, o_.timeout, [&](std::size_t job, const ChildOutcome& outcome) {
      finish(job_program[job], outcome);
      print_ready();
    });
  }

  void finish(std::size_t i, const ChildOutcome& outcome) {
    const TestProgram& p = programs_[i];
    TestResult& r = results_[i];
    r.done = true;
    r.seconds = outcome.seconds;
    r.output = read_file(scratch(i, ".out"));
    std::optional<std::string> result;
    const auto& args = p.expect.run_args;
    take_stats(read_file(scratch(i, ".err")), std::find(args.begin(), args.end(), "--stats") != args.end(), r, result);
    judge(p.expect, outcome, o_, r, result);
    r.passed = r.reasons.empty();
    keep_or_drop_trace(i);
    std::error_code ec;
    for (const char* suffix : {".out", ".err", ".stdin"}) fs::remove(scratch(i, suffix), ec);
  }

  // Moves a failing run's trace (a passing one's with --keep-passing) to its place under the
  // trace directory and deletes the others, with any trace an earlier run left in that place.
  void keep_or_drop_trace(std::size_t i) {
    TestResult& r = results_[i];
    const fs::path recorded = scratch(i, ".pwtrace");
    const fs::path kept = traces_ / mirrored_trace(programs_[i].shown);
    std::error_code ec;
    const bool keep = !r.passed || o_.keep_passing;
    if (keep && fs::exists(recorded, ec)) {
      fs::create_directories(kept.parent_path(), ec);
      if (!ec) fs::rename(recorded, kept, ec);
      if (ec)
        r.reasons.push_back(fmt::format("the trace could not be kept at {}: {}", kept.string(), ec.message()));
      else
        r.trace = kept.lexically_normal().generic_string();
      r.passed = r.reasons.empty();
    }
    if (r.trace.empty()) {
      fs::remove(recorded, ec);
      if (fs::remove(kept, ec)) remove_empty_parents(kept.parent_path(), traces_);
    }
    // pwvm's own lines name the scratch file: name the kept trace instead.
    const std::string scratch_name = recorded.string();
    for (std::size_t at; (at = r.report.find(scratch_name)) != std::string::npos;)
      r.report.replace(at, scratch_name.size(), r.trace.empty() ? "(deleted)" : r.trace);
  }

  // Results are printed in the programs' order as soon as all before them are done: the
  // report is the same whatever -j, and still shows progress on a long run.
  void print_ready() {
    while (next_to_print_ < results_.size() && results_[next_to_print_].done) print(next_to_print_++);
  }

  void print(std::size_t i) {
    std::fputs(result_line(programs_[i].shown, results_[i]).c_str(), stdout);
    std::fflush(stdout);
  }

  JunitSuite junit_suite(const std::string& timestamp, double seconds) const {
    JunitSuite suite;
    for (const std::string& p : o_.paths) suite.name += (suite.name.empty() ? "" : " ") + p;
    suite.timestamp = timestamp;
    suite.seconds = seconds;
    for (std::size_t i = 0; i < programs_.size(); ++i) {
      const TestResult& r = results_[i];
      if (!r.done) continue;
      JunitCase c;
      c.name = c.file = programs_[i].shown;
      c.classname = classname_of(programs_[i].shown);
      c.seconds = r.seconds;
      c.failed = !r.passed;
      if (c.failed) {
        for (const std::string& reason : r.reasons)
          c.failure_message += (c.failure_message.empty() ? "" : "; ") + reason;
        c.failure_text = failure_text(r);
      }
      c.system_out = r.output.substr(0, kMaxReportedOutput);
      if (r.output.size() > kMaxReportedOutput)
        c.system_out += fmt::format("\n[{} more bytes of output left out]\n", r.output.size() - kMaxReportedOutput);
      suite.cases.push_back(std::move(c));
    }
    return suite;
  }

  const TestOptions& o_;
  std::vector<TestProgram> programs_;
  std::vector<TestResult> results_;
  std::size_t next_to_print_ = 0;
  std::string self_ = this_binary();  // the children's argv[0], as ps shows them
  fs::path traces_;                   // --traces, normalised
  fs::path work_;                     // the scratch directory in it
  bool created_traces_ = false;
};

}  // namespace

void add_test_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<TestOptions>();
  o->jobs = core_count();
  auto* cmd = app.add_subcommand(
      "test", "Run programs as tests, several at once, each recorded: PASS or FAIL, JUnit XML, the traces of failures");
  cmd->add_option("paths", o->paths, "Programs (.pwa, .pwl) and directories, searched recursively")->required();
  cmd->add_option("-j,--jobs", o->jobs, "Programs run at once (default: the number of cores)")
      ->check(positive_integer())
      ->type_name("N");
  cmd->add_option("--junit", o->junit, "Also write the results as JUnit XML to FILE")->type_name("FILE");
  cmd->add_option("--traces", o->traces, "Keep the traces of failing runs under DIR, at the program's path + .pwtrace")
      ->capture_default_str()
      ->type_name("DIR");
  cmd->add_flag("--keep-passing", o->keep_passing, "Keep the traces of passing runs too");
  cmd->add_option("--timeout", o->timeout, "Stop a program's run after this many seconds: a failure, its trace kept")
      ->capture_default_str()
      ->check(positive_integer())
      ->type_name("SECONDS");
  cmd->callback([o, &exit_code] { exit_code = TestRun(*o).run(); });
}

}  // namespace pwvm
