// Recording when something else happens, end to end with the built binaries: two recorders
// of one path, SIGINT and SIGTERM during a recording, and traces that cannot be written to
// their end (a file size limit, a full device), for pwvm run and pwvm debug.
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <regex>
#include <thread>

#include "background_process.h"
#include "cli_util.h"
#include "test_util.h"
#include "frame_format.h"
#include "trace_reader.h"
#include "trace_test_util.h"

namespace {

namespace fs = std::filesystem;
using pw::trace::RecordKind;
using pw::trace::TraceOutcome;
using pw::trace::TraceReader;
using pwtest::BackgroundProcess;
using pwtest::CliResult;
using pwtest::count_lines;

// Says it is ready, waits for a line, then works about 3,000,000 steps (calls, no
// allocation: its trace is the same, byte for byte past the header, on every run).
const char* kPromptThenWork = R"PWA(
func work(n)
  local i, limit
  push 1
  set_local i
  push 2000
  set_local limit
spin:
  for_next i, spin
  get_local n
  return
end

func main()
  local k, rounds
  push "ready"
  host print
  pop
  host read_line
  pop
  push 1
  set_local k
  push 1500
  set_local rounds
loop:
  get_local k
  call_fn work
  pop
  for_next k, loop
  push 0
  halt
end
)PWA";
// The step of its read_line: push, print and pop come first.
constexpr std::uint64_t kReadLineStep = 3;

// Works about 3,000,000 steps, as above, without waiting for anything.
const char* kWork = R"PWA(
func work(n)
  local i, limit
  push 1
  set_local i
  push 2000
  set_local limit
spin:
  for_next i, spin
  get_local n
  return
end

func main()
  local k, rounds
  push 1
  set_local k
  push 1500
  set_local rounds
loop:
  get_local k
  call_fn work
  pop
  for_next k, loop
  push 0
  halt
end
)PWA";

// The helpers are public: the checks shared by several tests are free functions.
class RecordingCli : public ::testing::Test {
 public:
  RecordingCli() : dir_("recording_cli") {}

  std::string file(const std::string& name, std::string_view text) {
    const std::string p = path(name);
    pwtest::write_text_file(p, text);
    return p;
  }
  std::string path(const std::string& name) const { return dir_.path(name); }

  CliResult pwvm(const std::vector<std::string>& args, const std::string& input = "") {
    return pwtest::run_binary(PWVM_BINARY, args, input, dir_.dir(), /*inherit_gc_stress=*/false);
  }
  CliResult pwreplay(const std::vector<std::string>& args) {
    return pwtest::run_binary(PWREPLAY_BINARY, args, "", dir_.dir(), /*inherit_gc_stress=*/false);
  }

  // pwvm's way of refusing: [code] and exactly one line, "pwvm: error: ...".
  static void expect_one_error_line(const CliResult& r, int code, const std::string& mentions) {
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("pwvm: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(mentions), std::string::npos) << r.err;
  }

  // `pwreplay verify --json` on [trace]: what it says, after checking it agrees.
  nlohmann::json verified(const std::string& trace) {
    const CliResult v = pwreplay({"verify", trace, "--json"});
    EXPECT_EQ(v.code, 0) << v.out << v.err;
    if (v.code != 0) return nlohmann::json::object();
    const nlohmann::json j = nlohmann::json::parse(v.out);
    EXPECT_EQ(j["ok"], true) << v.out;
    return j;
  }

  pwtest::ScratchDir dir_;
};

// Waits until [trace] holds at least [bytes] (its recorder is under way), for at most a
// minute: the test then goes on and fails on what it finds.
void wait_for_file(const std::string& trace, std::uintmax_t bytes) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(trace, ec);
    if (!ec && size >= bytes) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Waits (for at most a minute) until process [pid] sleeps in a system call: a read.
void wait_until_sleeping(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  const std::string stat = "/proc/" + std::to_string(pid) + "/stat";
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string s = pwtest::read_text_file(stat);
    const std::size_t paren = s.rfind(')');
    if (paren == std::string::npos || paren + 2 >= s.size() || s[paren + 2] == 'S') return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// "... at step 1234; ..." in a line of pwvm's.
std::uint64_t step_in(const std::string& line) {
  std::smatch m;
  if (!std::regex_search(line, m, std::regex(R"(at step (\d+))"))) return UINT64_MAX;
  return std::stoull(m[1].str());
}

// ---- two recorders, one path ------------------------------------------------------------

TEST_F(RecordingCli, SecondRecorderOfOnePathIsRefusedAndTheFirstTraceVerifies) {
  const std::string program = file("prompt.pwa", kPromptThenWork);
  const std::string trace = path("shared.pwtrace");
  const std::vector<std::string> command = {PWVM_BINARY, "run", program, "--allow", "io", "--record", trace};
  // Started together, both waiting for input once they run: the one that got the trace
  // runs and waits; the other is refused before running anything.
  BackgroundProcess a(command), b(command);
  ASSERT_TRUE(a.started() && b.started());
  const bool a_runs = a.wait_for_output("ready");
  const bool b_runs = b.wait_for_output("ready");
  ASSERT_NE(a_runs, b_runs) << "exactly one of the two recorders runs the program";
  BackgroundProcess& winner = a_runs ? a : b;
  BackgroundProcess& loser = a_runs ? b : a;
  const CliResult refused = loser.finish();
  expect_one_error_line(refused, 3, "another recorder is writing it");
  EXPECT_NE(refused.err.find(trace), std::string::npos) << refused.err;
  EXPECT_EQ(refused.out, "") << "the refused recorder runs nothing";

  winner.write_input("go\n");
  const CliResult ran = winner.finish();
  EXPECT_EQ(ran.code, 0) << ran.err;
  const nlohmann::json v = verified(trace);
  EXPECT_EQ(v["complete"], true);
  EXPECT_GT(v["steps"].get<std::uint64_t>(), 3'000'000u);

  // Once the first is done, the path is free: a later recording overwrites it.
  const CliResult again = pwvm({"run", program, "--allow", "io", "--record", trace}, "again\n");
  EXPECT_EQ(again.code, 0) << again.err;
  verified(trace);
}

TEST_F(RecordingCli, RecordOnFailureIsRefusedATraceBeingWrittenAndLeavesItAlone) {
  const std::string program = file("prompt.pwa", kPromptThenWork);
  const std::string trace = path("shared.pwtrace");
  BackgroundProcess first({PWVM_BINARY, "run", program, "--allow", "io", "--record", trace});
  ASSERT_TRUE(first.wait_for_output("ready"));
  // This run halts: it would delete its trace at the end, which is the first one's file.
  const CliResult second = pwvm({"run", program, "--allow", "io", "--record-on-failure", trace}, "go\n");
  expect_one_error_line(second, 3, "another recorder is writing it");
  ASSERT_TRUE(fs::exists(trace));
  first.write_input("go\n");
  EXPECT_EQ(first.finish().code, 0);
  EXPECT_EQ(verified(trace)["complete"], true);
}

TEST_F(RecordingCli, LiveDebuggerHoldsItsRecordingAgainstARun) {
  const std::string program = file("work.pwa", kWork);
  const std::string trace = path("live.pwtrace");
  // Commands come from the pipe: until one comes, the session waits with its trace open.
  BackgroundProcess session({PWVM_BINARY, "debug", program, "--record", trace});
  wait_for_file(trace, pw::trace::kFileMagic.size());
  const CliResult run = pwvm({"run", program, "--record", trace});
  expect_one_error_line(run, 3, "another recorder is writing it");
  session.write_input("continue\n");
  const CliResult debugged = session.finish();
  EXPECT_EQ(debugged.code, 0) << debugged.err;
  EXPECT_NE(debugged.out.find("The run halted"), std::string::npos) << debugged.out;
  const nlohmann::json v = verified(trace);
  EXPECT_EQ(v["complete"], true);
  EXPECT_GT(v["steps"].get<std::uint64_t>(), 3'000'000u);
}

TEST_F(RecordingCli, LiveDebuggerIsRefusedATraceARunIsRecording) {
  const std::string program = file("prompt.pwa", kPromptThenWork);
  const std::string trace = path("run.pwtrace");
  BackgroundProcess run({PWVM_BINARY, "run", program, "--allow", "io", "--record", trace});
  ASSERT_TRUE(run.wait_for_output("ready"));
  const CliResult debug = pwvm({"debug", program, "--record", trace, "--batch", "-ex", "continue"});
  expect_one_error_line(debug, 3, "another recorder is writing it");
  run.write_input("go\n");
  EXPECT_EQ(run.finish().code, 0);
  EXPECT_EQ(verified(trace)["complete"], true);
}

// ---- signals ------------------------------------------------------------------------------

// Sends [sig] to a recording of pwtest::kForever once it is under way, and checks what it leaves.
void expect_signal_finishes_the_trace(RecordingCli* t, const std::string& trace, const std::string& record_flag,
                                      int sig) {
  const std::string program = t->file("forever.pwa", pwtest::kForever);
  BackgroundProcess p({PWVM_BINARY, "run", program, record_flag, trace, "--max-steps", "100000000000"});
  ASSERT_TRUE(p.started());
  wait_for_file(trace, 4096);  // a few chunks
  ASSERT_EQ(::kill(p.pid(), sig), 0);
  const CliResult r = p.finish();
  EXPECT_FALSE(p.killed_by_signal()) << "pwvm ends by itself, after finishing the trace";
  EXPECT_EQ(r.code, 128 + sig) << r.err;
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_EQ(r.err.rfind(fmt::format("pwvm: interrupted by signal {} (", sig), 0), 0u) << r.err;
  EXPECT_NE(r.err.find(trace), std::string::npos) << r.err;
  const std::uint64_t step = step_in(r.err);
  ASSERT_NE(step, UINT64_MAX) << r.err;
  EXPECT_GT(step, 0u);

  ASSERT_TRUE(fs::exists(trace));
  TraceReader reader(trace);
  EXPECT_TRUE(reader.complete()) << "the index and trailer are written";
  EXPECT_EQ(reader.damage(), "");
  EXPECT_EQ(reader.header().format_minor, pw::trace::kFormatMinor);
  ASSERT_TRUE(reader.outcome().has_value());
  EXPECT_EQ(reader.outcome()->status, TraceOutcome::Status::Stopped);
  EXPECT_EQ(reader.outcome()->signal, static_cast<std::uint32_t>(sig));
  EXPECT_EQ(reader.outcome()->steps, step);
  EXPECT_EQ(reader.steps(), step);
  EXPECT_EQ(reader.snapshots().back().step, step);

  const nlohmann::json v = t->verified(trace);
  EXPECT_EQ(v["steps"].get<std::uint64_t>(), step);
  EXPECT_EQ(v["complete"], true);
  const CliResult info = t->pwreplay({"info", trace});
  EXPECT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find(fmt::format("outcome:       interrupted by signal {} at step {}\n", sig, step)),
            std::string::npos)
      << info.out;
  const CliResult json = t->pwreplay({"info", trace, "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  const nlohmann::json j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["outcome"]["status"], "interrupted");
  EXPECT_EQ(j["outcome"]["signal"], sig);
  EXPECT_EQ(j["outcome"]["steps"].get<std::uint64_t>(), step);
  EXPECT_EQ(j["format"]["minor"], pw::trace::kFormatMinor);
}

TEST_F(RecordingCli, SigintFinishesTheTraceAndExitsWith130) {
  expect_signal_finishes_the_trace(this, path("int.pwtrace"), "--record", SIGINT);
}

TEST_F(RecordingCli, SigtermFinishesTheTraceAndExitsWith143) {
  expect_signal_finishes_the_trace(this, path("term.pwtrace"), "--record", SIGTERM);
}

TEST_F(RecordingCli, RecordOnFailureKeepsTheTraceOfAnInterruptedRun) {
  expect_signal_finishes_the_trace(this, path("on_failure_int.pwtrace"), "--record-on-failure", SIGINT);
  expect_signal_finishes_the_trace(this, path("on_failure_term.pwtrace"), "--record-on-failure", SIGTERM);
}

TEST_F(RecordingCli, SignalInterruptsARecordedRunWaitingForInput) {
  const std::string program = file("prompt.pwa", kPromptThenWork);
  const std::string trace = path("waiting.pwtrace");
  BackgroundProcess p({PWVM_BINARY, "run", program, "--allow", "io", "--record", trace});
  ASSERT_TRUE(p.wait_for_output("ready"));
  wait_until_sleeping(p.pid());  // in the read
  ASSERT_EQ(::kill(p.pid(), SIGTERM), 0);
  // No input comes, and stdin stays open: only the signal can end the read.
  const CliResult r = p.finish(/*keep_input_open=*/true);
  EXPECT_FALSE(p.killed_by_signal());
  EXPECT_EQ(r.code, 143) << r.err;
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_EQ(step_in(r.err), kReadLineStep) << r.err;
  EXPECT_EQ(r.out, "ready\n");
  TraceReader reader(trace);
  EXPECT_TRUE(reader.complete());
  ASSERT_TRUE(reader.outcome().has_value());
  EXPECT_EQ(reader.outcome()->signal, static_cast<std::uint32_t>(SIGTERM));
  // The read did not happen: the run stopped before it, and no host answer was recorded.
  EXPECT_EQ(reader.outcome()->steps, kReadLineStep);
  for (const auto& e : pwtest::host_events(reader)) EXPECT_NE(e.type, static_cast<std::uint8_t>(pw::HostFn::ReadLine));
  EXPECT_EQ(verified(trace)["steps"].get<std::uint64_t>(), kReadLineStep);
}

TEST_F(RecordingCli, PlainRunStillEndsOnSigint) {
  const std::string program = file("forever.pwa", pwtest::kForever);
  BackgroundProcess p({PWVM_BINARY, "run", program, "--max-steps", "100000000000"});
  ASSERT_TRUE(p.started());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(::kill(p.pid(), SIGINT), 0);
  const CliResult r = p.finish();
  EXPECT_TRUE(p.killed_by_signal()) << "without a trace to finish, the signal does what it always did";
  EXPECT_EQ(r.code, 128 + SIGINT);
}

// ---- traces that cannot be written ---------------------------------------------------------

// The frames of the complete trace of a run, and where each failure case should leave it.
struct WriteFailure {
  std::string what;
  std::uint64_t limit = 0;          // RLIMIT_FSIZE: the write crossing this fails
  std::size_t frames_kept = 0;      // complete frames left in the file
  std::uint64_t stopped_at = 0;     // the step the message names
};

std::vector<WriteFailure> write_failures(const std::string& complete_trace) {
  const std::string bytes = pwtest::read_text_file(complete_trace);
  const auto spans = pwtest::frame_spans(bytes);
  TraceReader reader(complete_trace);
  const std::uint64_t steps = reader.steps();
  auto middle = [&](std::size_t i) { return spans[i].offset + (spans[i].end() - spans[i].offset) / 2; };
  std::vector<WriteFailure> cases;
  std::vector<std::size_t> chunks, snapshots;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (spans[i].kind == RecordKind::EventChunk) chunks.push_back(i);
    if (spans[i].kind == RecordKind::Snapshot) snapshots.push_back(i);
  }
  EXPECT_GE(chunks.size(), 3u);
  EXPECT_GE(snapshots.size(), 4u);
  if (chunks.size() < 3 || snapshots.size() < 4) return cases;
  cases.push_back({"the header", middle(0), 0, 0});
  cases.push_back({"the first chunk", middle(chunks[0]), chunks[0], 0});
  cases.push_back({"the second chunk", middle(chunks[1]), chunks[1], reader.chunks()[0].to_step});
  cases.push_back({"a snapshot", middle(snapshots[2]), snapshots[2], reader.snapshots()[2].step});
  cases.push_back({"the outcome", middle(spans.size() - 2), spans.size() - 2, steps});
  cases.push_back({"the index", middle(spans.size() - 1), spans.size() - 1, steps});
  cases.push_back({"the trailer", bytes.size() - 8, spans.size() - 1, steps});
  return cases;
}

// Runs [args] (a recording to [trace]) under each of the failures and checks the message,
// the exit code and what is left on disk. The message is the only line on stderr, or with
// [live_session], the last (the session has said it too, in answer to the command).
void expect_write_failures_reported(RecordingCli* t, const std::vector<std::string>& args, const std::string& trace,
                                    const std::vector<WriteFailure>& cases, bool live_session = false) {
  for (const WriteFailure& c : cases) {
    SCOPED_TRACE("a write error in " + c.what);
    fs::remove(trace);
    BackgroundProcess p(args, c.limit);
    const CliResult r = p.finish();
    EXPECT_FALSE(p.killed_by_signal()) << "a write past the size limit fails; it does not kill pwvm";
    EXPECT_EQ(r.code, 3) << r.err;
    const std::string message = fmt::format("pwvm: error: cannot write trace {}: {}; recording stopped at step {}\n",
                                            trace, std::strerror(EFBIG), c.stopped_at);
    if (!live_session) {
      EXPECT_EQ(r.err, message);
    } else {
      EXPECT_TRUE(r.err.size() >= message.size() &&
                  r.err.compare(r.err.size() - message.size(), message.size(), message) == 0)
          << r.err << "\nwanted, as the last line: " << message;
    }
    // What was written stays, up to its last complete frame.
    ASSERT_TRUE(fs::exists(trace));
    const std::string bytes = pwtest::read_text_file(trace);
    const auto spans = pwtest::frame_spans(bytes);
    EXPECT_EQ(spans.size(), c.frames_kept);
    EXPECT_EQ(bytes.size(), spans.empty() ? pw::trace::kFileMagic.size() : spans.back().end()) << "no torn frame";
    if (c.frames_kept >= 2) {
      EXPECT_EQ(t->verified(trace)["steps"].get<std::uint64_t>(), c.stopped_at);
    }
  }
}

TEST_F(RecordingCli, WriteErrorsSayWhereRecordingStopped) {
  const std::string program = file("work.pwa", kWork);
  const std::string trace = path("limited.pwtrace");
  const std::vector<std::string> args = {PWVM_BINARY, "run", program, "--record", trace,
                                         "--snapshot-interval", "1000000"};
  const CliResult whole = pwvm({"run", program, "--record", trace, "--snapshot-interval", "1000000"});
  ASSERT_EQ(whole.code, 0) << whole.err;
  expect_write_failures_reported(this, args, trace, write_failures(trace));
}

TEST_F(RecordingCli, WriteErrorsKeepTheTraceOfARunRecordedOnFailure) {
  const std::string program = file("work.pwa", kWork);
  const std::string trace = path("limited.pwtrace");
  const CliResult whole = pwvm({"run", program, "--record", trace, "--snapshot-interval", "1000000"});
  ASSERT_EQ(whole.code, 0) << whole.err;
  auto cases = write_failures(trace);
  ASSERT_GE(cases.size(), 3u);
  expect_write_failures_reported(
      this, {PWVM_BINARY, "run", program, "--record-on-failure", trace, "--snapshot-interval", "1000000"}, trace,
      {cases[2]});
}

TEST_F(RecordingCli, FullDeviceFailsAtTheFirstWrite) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string program = file("prompt.pwa", kPromptThenWork);
  const CliResult r = pwvm({"run", program, "--allow", "io", "--record", "/dev/full"}, "go\n");
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.err, fmt::format("pwvm: error: cannot write trace /dev/full: {}; recording stopped at step 0\n",
                               std::strerror(ENOSPC)));
  EXPECT_EQ(r.out, "") << "the program does not run when not even the start of its trace can be written";
}

TEST_F(RecordingCli, LiveDebuggerSaysWhereItsRecordingStopped) {
  const std::string program = file("work.pwa", kWork);
  const std::string trace = path("live.pwtrace");
  const CliResult whole = pwvm({"run", program, "--record", trace, "--snapshot-interval", "1000000"});
  ASSERT_EQ(whole.code, 0) << whole.err;
  auto cases = write_failures(trace);
  ASSERT_GE(cases.size(), 7u);
  // The session's recording follows the same cadence: the same frames, written as it goes.
  expect_write_failures_reported(this,
                                 {PWVM_BINARY, "debug", program, "--record", trace, "--snapshot-interval", "1000000",
                                  "--batch", "-ex", "continue"},
                                 trace, {cases[2], cases[3], cases[4]}, /*live_session=*/true);
}

}  // namespace
