// Recording end to end with the built binaries: pwvm run --record / --record-on-failure,
// a recorder killed mid-run, trace write errors, and pwreplay info / events on good, killed
// and bad traces.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <random>
#include <regex>
#include <thread>

#include "cli_util.h"
#include "interpreter.h"
#include "recorder.h"
#include "state_image.h"
#include "test_util.h"
#include "trace_reader.h"
#include "trace_test_util.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using pw::trace::TraceReader;
using pwtest::read_text_file;

using pwtest::CliResult;
using pwtest::count_lines;

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < s.size()) {
    std::size_t nl = s.find('\n', at);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

// "steps:             1234" in --stats output.
std::optional<std::uint64_t> stats_steps(const std::string& err) {
  std::smatch m;
  if (std::regex_search(err, m, std::regex(R"(\nsteps:\s+(\d+))")) ||
      std::regex_search(err, m, std::regex(R"(^steps:\s+(\d+))")))
    return std::stoull(m[1].str());
  return std::nullopt;
}

class TraceCli : public ::testing::Test {
 protected:
  TraceCli() : dir_("trace_cli") {}

  std::string file(const std::string& name, std::string_view text) {
    const std::string p = path(name);
    pwtest::write_text_file(p, text);
    return p;
  }
  std::string path(const std::string& name) const { return dir_.path(name); }

  // Runs [binary] with [args] and [input] on stdin and captures everything. Children inherit
  // PWVM_GC_STRESS only when [inherit_gc_stress] (long runs would crawl).
  CliResult exec(const char* binary, const std::vector<std::string>& args, const std::string& input,
                 bool inherit_gc_stress) {
    return pwtest::run_binary(binary, args, input, dir_.dir(), inherit_gc_stress);
  }
  CliResult pwvm(const std::vector<std::string>& args, const std::string& input = "", bool inherit_gc_stress = true) {
    return exec(PWVM_BINARY, args, input, inherit_gc_stress);
  }
  CliResult pwreplay(const std::vector<std::string>& args) { return exec(PWREPLAY_BINARY, args, "", true); }

  // pwreplay's way of refusing: exit 2 and exactly one line, "pwreplay: error: ...".
  void expect_refused(const CliResult& r, const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("pwreplay: error:", 0), 0u) << r.err;
    EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << r.err;
  }

  pwtest::ScratchDir dir_;
};

const std::vector<std::string> kExampleFlags = {"--allow", "io,random", "--seed", "3", "--max-steps", "50000000"};
const char* kInput = "3\nhello\n7\n";

// ---- pwvm run --record ---------------------------------------------------------------------

// A string with a NUL and terminal escapes, printed, then thrown from two calls down.
const char* kHostileThrow = R"PWA(
func inner(s)
  get_local s
  throw
end
func middle(s)
  get_local s
  call_fn inner
  return
end
func main()
  push "a\0b\x1b[31mred\x1b[0m"
  host print
  pop
  push "a\0b\x1b[31mred\x1b[0m"
  call_fn middle
  halt
end
)PWA";

const std::string kHostileMessage = std::string("uncaught exception: a") + '\0' + "b\x1b[31mred\x1b[0m";
const std::string kHostileEscaped = "uncaught exception: a\\x00b\\x1b[31mred\\x1b[0m";

// [text] holds no byte that would drive a terminal or cut a C string.
void expect_terminal_safe(const std::string& text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) {
      ADD_FAILURE() << "raw control byte " << int(u) << " in:\n" << text;
      return;
    }
  }
}

TEST_F(TraceCli, ControlBytesInAThrownStringAreEscapedInReportsAndKeptInTheTrace) {
  const std::string src = file("hostile.pwa", kHostileThrow);
  const std::string trace = path("hostile.pwtrace");
  // Live, recording: the whole stack trace, its message escaped.
  const CliResult live = pwvm({"run", src, "--record", trace});
  ASSERT_EQ(live.code, 1) << live.err;
  expect_terminal_safe(live.err);
  EXPECT_EQ(live.err.rfind("UncaughtException: " + kHostileEscaped + "\n", 0), 0u) << live.err;
  for (const std::string& frame : {"  at inner (" + src + ":4) [ip 1]\n      throw\n",
                                   "  at middle (" + src + ":8) [ip 1]\n", "  at main (" + src + ":16) [ip 4]\n"})
    EXPECT_NE(live.err.find(frame), std::string::npos) << frame << " in:\n" << live.err;
  EXPECT_NE(live.err.find("  state: step "), std::string::npos) << live.err;
  EXPECT_EQ(live.out, std::string("a") + '\0' + "b\x1b[31mred\x1b[0m\n")
      << "what the program prints is its own business";

  // The trace holds the exact bytes.
  TraceReader reader(trace);
  ASSERT_TRUE(reader.outcome() && reader.outcome()->error);
  const pw::VmError& recorded = *reader.outcome()->error;
  EXPECT_EQ(recorded.message, kHostileMessage);
  ASSERT_EQ(recorded.context.call_stack.size(), 3u);
  EXPECT_EQ(recorded.context.call_stack[2].function, "main");

  // From the trace: info, its JSON, events and the debugger.
  const CliResult info = pwreplay({"info", trace});
  ASSERT_EQ(info.code, 0) << info.err;
  expect_terminal_safe(info.out);
  const std::string outcome = "outcome:       failed: UncaughtException: " + kHostileEscaped + " (in inner at " + src;
  EXPECT_NE(info.out.find(outcome + ":4)\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("\nbytes/step:"), std::string::npos) << "the report goes on after the outcome:\n" << info.out;
  const CliResult json = pwreplay({"info", trace, "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["outcome"]["error"]["message"].get<std::string>(), kHostileMessage);
  const CliResult events = pwreplay({"events", trace, "--kind", "output", "throw"});
  ASSERT_EQ(events.code, 0) << events.err;
  expect_terminal_safe(events.out);
  EXPECT_NE(events.out.find("\"a\\0b\\x1b[31mred\\x1b[0m\\n\""), std::string::npos) << events.out;
  EXPECT_EQ(count_lines(events.out), 2u) << events.out;
  pwtest::write_text_file(path("cmds.gdb"), "continue\nbacktrace\ninfo output\n");
  const CliResult debug = pwreplay({"debug", trace, "--batch", "-x", path("cmds.gdb")});
  ASSERT_EQ(debug.code, 0) << debug.err;
  expect_terminal_safe(debug.out);
  expect_terminal_safe(debug.err);
  EXPECT_NE(debug.out.find("The run failed: UncaughtException: " + kHostileEscaped + "\n"), std::string::npos)
      << debug.out;
  EXPECT_NE(debug.out.find("a\\x00b\\x1b[31mred\\x1b[0m\n"), std::string::npos) << "info output\n" << debug.out;

  // Replaying the trace rebuilds the same error, bytes and all.
  const CliResult verify = pwreplay({"verify", trace});
  EXPECT_EQ(verify.code, 0) << verify.err;
}

TEST_F(TraceCli, ControlBytesInRecordedNamesAreEscapedByEveryReport) {
  // The assembler makes only plain names, but a trace may come from anywhere: record a
  // program whose file and function names hold a NUL and terminal escapes.
  auto program = std::make_shared<pw::Program>(pw::assemble(R"PWA(
func inner()
  push 'oops
  throw
end
func main()
  call_fn inner
  halt
end
)PWA", "t.pwa"));
  const std::string file_name = "evil\x1b]0;title\x07.pwa";
  const std::string inner_name = std::string("in") + '\0' + "\x1b[2Jner";
  program->source_name = file_name;
  program->functions[0].name = inner_name;
  pw::verify(*program);
  const std::string trace = path("names.pwtrace");
  {
    pw::ScriptedHost host;
    pw::VmState vm(program, pwtest::default_config(), &host);
    pw::trace::RecordOptions o;
    o.path = trace;
    pw::trace::record_run(vm, o);
  }
  TraceReader reader(trace);
  EXPECT_EQ(reader.header().program->functions[0].name, inner_name);
  EXPECT_EQ(reader.header().program->source_name, file_name);
  ASSERT_TRUE(reader.outcome() && reader.outcome()->error);
  EXPECT_EQ(reader.outcome()->error->context.function, inner_name);

  const std::string inner_escaped = "in\\x00\\x1b[2Jner";
  const std::string file_escaped = "evil\\x1b]0;title\\x07.pwa";
  const CliResult info = pwreplay({"info", trace});
  ASSERT_EQ(info.code, 0) << info.err;
  expect_terminal_safe(info.out);
  EXPECT_NE(info.out.find("program:       " + file_escaped + " (hash"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("(in " + inner_escaped + " at " + file_escaped + ":4)"), std::string::npos) << info.out;
  const CliResult json = pwreplay({"info", trace, "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["outcome"]["error"]["function"].get<std::string>(), inner_name);
  const CliResult events = pwreplay({"events", trace, "--kind", "call", "throw"});
  ASSERT_EQ(events.code, 0) << events.err;
  expect_terminal_safe(events.out);
  EXPECT_EQ(count_lines(events.out), 2u) << events.out;
  EXPECT_NE(events.out.find(inner_escaped + " (depth 2)"), std::string::npos) << events.out;
  EXPECT_NE(events.out.find("at " + inner_escaped + " ip 1 (" + file_escaped + ":4)"), std::string::npos) << events.out;
  pwtest::write_text_file(path("cmds.gdb"), "continue\nbacktrace\ninfo frame\n");
  const CliResult debug = pwreplay({"debug", trace, "--batch", "-x", path("cmds.gdb")});
  expect_terminal_safe(debug.out);
  expect_terminal_safe(debug.err);
  EXPECT_NE(debug.out.find("Recorded run of " + file_escaped), std::string::npos) << debug.out;
  EXPECT_NE(debug.out.find(inner_escaped), std::string::npos) << debug.out;
}

TEST_F(TraceCli, RecordingChangesNothingForEveryExample) {
  const auto examples = pwtest::example_files();
  ASSERT_FALSE(examples.empty());
  for (const fs::path& example : examples) {
    SCOPED_TRACE(example.filename().string());
    const std::string trace = path(example.stem().string() + ".pwtrace");
    auto run = [&](bool record) {
      std::vector<std::string> args = {"run", example.string()};
      args.insert(args.end(), kExampleFlags.begin(), kExampleFlags.end());
      args.insert(args.end(), {"--stats", "--dump-state", "-"});
      if (record) args.insert(args.end(), {"--record", trace});
      args.insert(args.end(), {"--", "5"});
      return pwvm(args, kInput, /*inherit_gc_stress=*/false);
    };
    const CliResult plain = run(false);
    const CliResult recorded = run(true);
    ASSERT_TRUE(plain.code == 0 || plain.code == 1) << plain.err;
    EXPECT_EQ(recorded.code, plain.code) << recorded.err;
    // stdout is the final state's canonical dump (the program's output goes to stderr).
    EXPECT_TRUE(pwtest::same_text(recorded.out, plain.out));
    EXPECT_NE(recorded.out.find("\"step\""), std::string::npos);
    const auto steps = stats_steps(plain.err);
    ASSERT_TRUE(steps.has_value()) << plain.err;
    EXPECT_EQ(stats_steps(recorded.err), steps);
    EXPECT_NE(recorded.err.find("trace:"), std::string::npos) << "--stats reports the trace: " << recorded.err;

    const CliResult info = pwreplay({"info", trace, "--json"});
    ASSERT_EQ(info.code, 0) << info.err;
    const nlohmann::json j = nlohmann::json::parse(info.out);
    EXPECT_EQ(j["steps"].get<std::uint64_t>(), *steps);
    EXPECT_EQ(j["outcome"]["status"], plain.code == 0 ? "halted" : "failed");
    EXPECT_EQ(j["outcome"]["steps"].get<std::uint64_t>(), *steps);
    EXPECT_EQ(j["complete"], true);
    EXPECT_TRUE(j["damage"].is_null());
    EXPECT_EQ(j["capabilities"], "io,random");
    EXPECT_EQ(j["args"], nlohmann::json::array({"5"}));
    EXPECT_EQ(j["format"]["major"], 1);
    if (plain.code == 1) {
      // The error report's headline starts a line with the error's kind.
      const std::string headline = j["outcome"]["error"]["kind"].get<std::string>() + ": ";
      EXPECT_TRUE(plain.err.rfind(headline, 0) == 0 || plain.err.find("\n" + headline) != std::string::npos)
          << plain.err;
    }
  }
}

TEST_F(TraceCli, RecordOnFailureKeepsOnlyFailedRuns) {
  const std::string ok_trace = path("hello.pwtrace");
  const CliResult ok = pwvm({"run", std::string(EXAMPLES_DIR) + "/hello.pwa", "--record-on-failure", ok_trace});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, pwvm({"run", std::string(EXAMPLES_DIR) + "/hello.pwa"}).out);
  EXPECT_FALSE(fs::exists(ok_trace)) << "a run that halted leaves no trace";

  const std::string bad_trace = path("inventory.pwtrace");
  const CliResult bad = pwvm({"run", std::string(EXAMPLES_DIR) + "/inventory.pwa", "--record-on-failure", bad_trace});
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.err.rfind("TypeError: ", 0), 0u) << bad.err;
  ASSERT_TRUE(fs::exists(bad_trace));
  TraceReader reader(bad_trace);
  EXPECT_TRUE(reader.complete());
  ASSERT_TRUE(reader.outcome().has_value());
  EXPECT_EQ(reader.outcome()->status, pw::trace::TraceOutcome::Status::Failed);
  ASSERT_TRUE(reader.outcome()->error.has_value());
  EXPECT_EQ(reader.outcome()->error->kind, pw::ErrorKind::TypeError);
  EXPECT_EQ(reader.outcome()->error->format(), bad.err) << "the trace holds the error pwvm printed";

  const CliResult info = pwreplay({"info", bad_trace, "--json"});
  ASSERT_EQ(info.code, 0) << info.err;
  const nlohmann::json j = nlohmann::json::parse(info.out);
  EXPECT_EQ(j["outcome"]["status"], "failed");
  EXPECT_EQ(j["outcome"]["error"]["kind"], "TypeError");

  // --record and --record-on-failure exclude each other.
  const CliResult both = pwvm({"run", std::string(EXAMPLES_DIR) + "/hello.pwa", "--record", path("a.pwtrace"),
                               "--record-on-failure", path("b.pwtrace")});
  EXPECT_EQ(both.code, 2);
  EXPECT_EQ(count_lines(both.err), 1u) << both.err;
}

TEST_F(TraceCli, SnapshotIntervalFlagSetsTheInterval) {
  const std::string trace = path("factorial.pwtrace");
  const CliResult r =
      pwvm({"run", std::string(EXAMPLES_DIR) + "/factorial.pwa", "--record", trace, "--snapshot-interval", "500"});
  ASSERT_EQ(r.code, 0) << r.err;
  TraceReader reader(trace);
  EXPECT_EQ(reader.header().snapshot_interval, 500u);
  // An explicit interval is exact (the heap-size spacing applies to the default only): at
  // 0, every 500 steps, and at the end.
  EXPECT_EQ(reader.header().snapshot_steps_per_live_object, 0u);
  ASSERT_GE(reader.snapshots().size(), 3u);
  for (std::size_t i = 0; i + 1 < reader.snapshots().size(); ++i) EXPECT_EQ(reader.snapshots()[i].step, 500u * i);
  EXPECT_EQ(reader.snapshots().back().step, reader.steps());
  for (const char* bad : {"0", "-3", "many"}) {
    const CliResult b = pwvm({"run", std::string(EXAMPLES_DIR) + "/hello.pwa", "--record", path("x.pwtrace"),
                              "--snapshot-interval", bad});
    EXPECT_EQ(b.code, 2) << bad;
    EXPECT_EQ(count_lines(b.err), 1u) << b.err;
  }
}

TEST_F(TraceCli, StopAtRecordsAStoppedRunUpToThatStep) {
  const std::string trace = path("stopped.pwtrace");
  const std::string lists = std::string(EXAMPLES_DIR) + "/lists.pwa";
  const CliResult r = pwvm({"run", lists, "--stop-at", "12345", "--record", trace, "--dump-state", "-"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, pwvm({"run", lists, "--stop-at", "12345", "--dump-state", "-"}).out);
  const CliResult info = pwreplay({"info", trace, "--json"});
  ASSERT_EQ(info.code, 0) << info.err;
  const nlohmann::json j = nlohmann::json::parse(info.out);
  EXPECT_EQ(j["steps"], 12345);
  EXPECT_EQ(j["outcome"]["status"], "stopped");
  EXPECT_EQ(j["complete"], true);
  TraceReader reader(trace);
  EXPECT_EQ(reader.snapshots().back().step, 12345u);
}

// ---- a recorder killed mid-run ---------------------------------------------------------

// Starts [argv] with stdout and stderr to /dev/null and without PWVM_GC_STRESS.
pid_t spawn(const std::vector<std::string>& argv) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).rfind("PWVM_GC_STRESS=", 0) != 0) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, cargs[0], &actions, nullptr, cargs.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

TEST_F(TraceCli, KilledRecorderLeavesAReadableTrace) {
  const std::string program = file("forever.pwa", pwtest::kForever);
  const std::string trace = path("killed.pwtrace");
  const pid_t pid = spawn({PWVM_BINARY, "run", program, "--record", trace, "--max-steps", "100000000000"});
  ASSERT_GT(pid, 0);
  // Let it record for a while: 1.5 s, or longer on a slow machine until a few chunks are out.
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::error_code ec;
  while (fs::file_size(trace, ec) < 4096 && std::chrono::steady_clock::now() - start < std::chrono::seconds(20))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "pwvm ended on its own: " << status;

  TraceReader reader(trace);
  EXPECT_FALSE(reader.complete());
  EXPECT_FALSE(reader.outcome().has_value());
  ASSERT_GT(reader.chunks().size(), 0u);
  EXPECT_GT(reader.steps(), 0u);
  EXPECT_EQ(reader.steps(), reader.chunks().back().to_step);
  std::uint64_t calls = 0, from = 0;
  for (std::size_t i = 0; i < reader.chunks().size(); ++i) {
    const pw::trace::ChunkData c = reader.read_chunk(i);
    EXPECT_EQ(c.info.from_step, from);
    from = c.info.to_step;
    calls += c.derived.calls;  // a replay makes them again
  }
  EXPECT_GT(calls, 0u);
  // The snapshots that made it are real states of the run.
  ASSERT_GE(reader.snapshots().size(), 1u);
  for (std::size_t i = 0; i < reader.snapshots().size() && reader.snapshots()[i].step <= 10'000'000; ++i) {
    const auto snap = reader.read_snapshot(i);
    pw::ScriptedHost host;
    pw::VmState vm(reader.header().program, reader.header().config, &host);
    if (snap.info.step) pw::run(vm, snap.info.step);
    EXPECT_EQ(pw::state_hash(vm), snap.info.hash) << "snapshot at step " << snap.info.step;
  }

  const CliResult info = pwreplay({"info", trace});
  EXPECT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find("incomplete"), std::string::npos) << info.out;
  const CliResult json = pwreplay({"info", trace, "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  const nlohmann::json j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["complete"], false);
  EXPECT_TRUE(j["outcome"].is_null());
  EXPECT_EQ(j["steps"].get<std::uint64_t>(), reader.steps());

  // Only a torn last frame is damage (and then events says so after printing what it read).
  const CliResult events = pwreplay({"events", trace, "--kind", "call", "--to", "2000000"});
  EXPECT_EQ(events.code, reader.damage().empty() ? 0 : 2) << events.err;
  const auto lines = lines_of(events.out);
  ASSERT_GT(lines.size(), 100u);
  for (const auto& l : lines) EXPECT_NE(l.find("call"), std::string::npos) << l;
}

// A heap of 100,000 live pairs, then allocation for ever: snapshots are big and frequent,
// so the writer thread spends much of its time on them.
constexpr const char* kBigHeapForever = R"PWA(
func main()
  local list, i, limit
  push 1
  set_local i
  push 100000
  set_local limit
build:
  get_local i
  get_local list
  cons
  set_local list
  for_next i, build
churn:
  push 1
  push 2
  cons
  pop
  jump churn
end
)PWA";

TEST_F(TraceCli, RecorderKilledWhileWritingSnapshotsLeavesAReadableTrace) {
  const std::string program = file("big_heap.pwa", kBigHeapForever);
  for (const int ms : {400, 900, 1400}) {
    SCOPED_TRACE("killed after " + std::to_string(ms) + " ms");
    const std::string trace = path("killed-" + std::to_string(ms) + ".pwtrace");
    const pid_t pid = spawn({PWVM_BINARY, "run", program, "--record", trace, "--max-steps", "100000000000"});
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "pwvm ended on its own: " << status;

    // Whatever frame the kill cut, everything before it reads: chunks in order, and every
    // snapshot that made it is the state of its step.
    TraceReader reader(trace);
    EXPECT_FALSE(reader.complete());
    ASSERT_GE(reader.snapshots().size(), 1u);
    std::uint64_t from = 0;
    for (std::size_t i = 0; i < reader.chunks().size(); ++i) {
      const pw::trace::ChunkData c = reader.read_chunk(i);
      EXPECT_EQ(c.info.from_step, from);
      from = c.info.to_step;
    }
    const CliResult verify = pwreplay({"verify", trace});
    EXPECT_EQ(verify.code, reader.damage().empty() ? 0 : 2) << verify.out << verify.err;
    EXPECT_NE(verify.out.find("match the recording"), std::string::npos) << verify.out << verify.err;
  }
}

// ---- trace write errors -----------------------------------------------------------------

TEST_F(TraceCli, TraceWriteErrorsExitThreeWithOneLine) {
  const std::string lists = std::string(EXAMPLES_DIR) + "/lists.pwa";
  if (fs::exists("/dev/full")) {
    const CliResult full = pwvm({"run", lists, "--record", "/dev/full"}, "", /*inherit_gc_stress=*/false);
    EXPECT_EQ(full.code, 3) << full.err;
    EXPECT_EQ(count_lines(full.err), 1u) << full.err;
    EXPECT_NE(full.err.find("/dev/full"), std::string::npos) << full.err;
  }
  const std::string missing = path("no/such/dir/t.pwtrace");
  const CliResult r = pwvm({"run", lists, "--record", missing}, "", /*inherit_gc_stress=*/false);
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "") << "the program must not run when its trace cannot be created";
  const CliResult on_failure =
      pwvm({"run", std::string(EXAMPLES_DIR) + "/inventory.pwa", "--record-on-failure", missing});
  EXPECT_EQ(on_failure.code, 3) << on_failure.err;
  EXPECT_EQ(count_lines(on_failure.err), 1u) << on_failure.err;
}

// ---- pwreplay on bad input ---------------------------------------------------------------

TEST_F(TraceCli, PwreplayRefusesBadTracesWithOneLine) {
  const std::string good = read_text_file(std::string(TRACES_DIR) + "/hello.pwtrace");
  ASSERT_GT(good.size(), 100u);
  std::mt19937_64 rng(3);
  std::string noise(2000, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"missing", ""},  // not created
      {"directory", ""},
      {"empty", file("empty.pwtrace", "")},
      {"noise", file("noise.pwtrace", noise)},
      {"source", std::string(EXAMPLES_DIR) + "/hello.pwa"},
      {"truncated header", file("cut.pwtrace", good.substr(0, 30))},
      {"magic only", file("magic.pwtrace", good.substr(0, 8))},
  };
  for (const auto& [what, given] : cases) {
    std::string p = given;
    if (what == "missing") p = path("missing.pwtrace");
    if (what == "directory") p = dir_.dir().string();
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"info", p}, std::vector<std::string>{"info", p, "--json"},
          std::vector<std::string>{"events", p}}) {
      const CliResult r = pwreplay(args);
      expect_refused(r, what + ": " + args[0]);
      EXPECT_EQ(r.out, "") << what;
    }
  }
  // A trace of a newer major format names the reason.
  const std::string future = file("future.pwtrace", pwtest::header_only_trace(99, 1));
  const CliResult r = pwreplay({"info", future});
  expect_refused(r, "format 99.1");
  EXPECT_NE(r.err.find("newer"), std::string::npos) << r.err;
}

TEST_F(TraceCli, PwreplayRefusesBadFlagsWithOneLine) {
  const std::string trace = std::string(TRACES_DIR) + "/exceptions.pwtrace";
  expect_refused(pwreplay({"events", trace, "--kind", "bogus"}), "--kind bogus");
  EXPECT_NE(pwreplay({"events", trace, "--kind", "bogus"}).err.find("bogus"), std::string::npos);
  expect_refused(pwreplay({"events", trace, "--kind", "call", "bogus"}), "--kind call bogus");
  expect_refused(pwreplay({"info", trace, "--bogus"}), "unknown option");
  expect_refused(pwreplay({"events", trace, "--from", "soon"}), "--from soon");
  expect_refused(pwreplay({"frobnicate", trace}), "unknown subcommand");
  expect_refused(pwreplay({}), "no subcommand");
  expect_refused(pwreplay({"info"}), "no trace");
}

// ---- pwreplay events ---------------------------------------------------------------------

TEST_F(TraceCli, PwreplayEventsFiltersByKindAndStep) {
  const std::string trace = std::string(TRACES_DIR) + "/exceptions.pwtrace";
  TraceReader reader(trace);
  std::vector<pw::trace::Event> all;
  for (std::size_t i = 0; i < reader.chunks().size(); ++i)
    for (auto& e : reader.read_chunk(i).events) all.push_back(std::move(e));
  ASSERT_GT(all.size(), 20u);
  auto count = [&](auto pred) { return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), pred)); };

  // Everything, as JSON Lines: a header naming the schema, then one object per event, in order.
  const CliResult json = pwreplay({"events", trace, "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  auto lines = lines_of(json.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(nlohmann::json::parse(lines.front())["schema"], "pwvm.events/1.0");
  lines.erase(lines.begin());
  ASSERT_EQ(lines.size(), all.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const nlohmann::json j = nlohmann::json::parse(lines[i]);
    ASSERT_TRUE(j.contains("step") && j.contains("kind")) << lines[i];
    EXPECT_EQ(j["step"].get<std::uint64_t>(), all[i].step) << lines[i];
    EXPECT_EQ(j["kind"], std::string(pw::trace::event_kind_name(all[i].kind))) << lines[i];
  }
  // Text: one line per event too.
  const CliResult text = pwreplay({"events", trace});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_EQ(count_lines(text.out), all.size());

  // --kind.
  for (const char* kind : {"call", "throw", "catch", "output", "alloc"}) {
    SCOPED_TRACE(kind);
    const auto k = *pw::trace::event_kind_from_name(kind);
    const CliResult r = pwreplay({"events", trace, "--kind", kind, "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto got = lines_of(r.out);
    ASSERT_FALSE(got.empty());
    got.erase(got.begin());  // the header
    EXPECT_EQ(got.size(), count([&](const auto& e) { return e.kind == k; }));
    for (const auto& l : got) EXPECT_EQ(nlohmann::json::parse(l)["kind"], kind) << l;
  }
  const CliResult two = pwreplay({"events", trace, "--kind", "throw", "catch"});
  ASSERT_EQ(two.code, 0) << two.err;
  const std::size_t throws_and_catches =
      count([](const auto& e) { return e.kind == pw::trace::EventKind::Throw || e.kind == pw::trace::EventKind::Catch; });
  EXPECT_GT(throws_and_catches, 0u);
  EXPECT_EQ(count_lines(two.out), throws_and_catches);

  // --from / --to, both inclusive.
  const std::uint64_t from = all[all.size() / 3].step, to = all[2 * all.size() / 3].step;
  const CliResult range = pwreplay({"events", trace, "--from", std::to_string(from), "--to", std::to_string(to), "--json"});
  ASSERT_EQ(range.code, 0) << range.err;
  auto in_range = lines_of(range.out);
  ASSERT_FALSE(in_range.empty());
  in_range.erase(in_range.begin());  // the header
  EXPECT_EQ(in_range.size(), count([&](const auto& e) { return e.step >= from && e.step <= to; }));
  for (const auto& l : in_range) {
    const auto step = nlohmann::json::parse(l)["step"].get<std::uint64_t>();
    EXPECT_GE(step, from);
    EXPECT_LE(step, to);
  }
  const CliResult past = pwreplay({"events", trace, "--from", std::to_string(reader.steps() + 10)});
  EXPECT_EQ(past.code, 0) << past.err;
  EXPECT_EQ(past.out, "");
  // Filters combine.
  const CliResult calls = pwreplay({"events", trace, "--kind", "call", "--from", std::to_string(from), "--to",
                                    std::to_string(to)});
  ASSERT_EQ(calls.code, 0) << calls.err;
  EXPECT_EQ(count_lines(calls.out),
            count([&](const auto& e) { return e.kind == pw::trace::EventKind::Call && e.step >= from && e.step <= to; }));
}

TEST_F(TraceCli, PwreplayInfoOnADamagedTraceSaysWhere) {
  // Cut the fixture inside its last chunk: info still works and reports the damage.
  const std::string good = read_text_file(std::string(TRACES_DIR) + "/exceptions.pwtrace");
  const auto frames = pwtest::frame_spans(good);
  const auto last_chunk = std::find_if(frames.rbegin(), frames.rend(),
                                       [](const auto& f) { return f.kind == pw::trace::RecordKind::EventChunk; });
  ASSERT_NE(last_chunk, frames.rend());
  const std::string cut = file("cut.pwtrace", good.substr(0, last_chunk->offset + 20));
  const CliResult text = pwreplay({"info", cut});
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("incomplete"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("damage:"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("byte " + std::to_string(last_chunk->offset)), std::string::npos) << text.out;
  const CliResult json = pwreplay({"info", cut, "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  const nlohmann::json j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["complete"], false);
  EXPECT_TRUE(j["damage"].is_string());
  // events prints what it could read, then says the rest is missing: one line, exit 2.
  const CliResult events = pwreplay({"events", cut});
  expect_refused(events, "events on a damaged trace");
  EXPECT_GT(count_lines(events.out), 0u);
}

}  // namespace
