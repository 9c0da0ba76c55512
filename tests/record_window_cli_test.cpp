// pwvm run --record-last N end to end with the built binaries: the trace keeps the end of
// the run only, however long it runs, and that end replays exactly; every pwreplay command
// reads it and refuses the steps before it in one line; a failure, a signal and a SIGKILL
// leave what they leave for a whole recording.
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

#include "background_process.h"
#include "cli_util.h"
#include "trace_reader.h"
#include "trace_test_util.h"

namespace {

namespace fs = std::filesystem;
using pw::trace::TraceOutcome;
using pw::trace::TraceReader;
using pwtest::BackgroundProcess;
using pwtest::CliResult;
using pwtest::count_lines;

// [rounds] rounds of a [spin]-step loop, each ending in a call that counts the round in a
// global: about rounds * (spin + 8) steps, with a call, a return and a global write a round.
std::string spin_program(std::uint64_t rounds, std::uint64_t spin) {
  return fmt::format(R"PWA(
global rounds = 0
global last = 0

func work(n)
  local i, limit
  push 1
  set_local i
  push {}
  set_local limit
spin:
  for_next i, spin
  get_local n
  add_imm 1
  return
end

func main()
  local k, stop
  push 1
  set_local k
  push {}
  set_local stop
round:
  get_local k
  call_fn work
  set_global last
  get_global rounds
  add_imm 1
  set_global rounds
  for_next k, round
  get_global rounds
  halt
end
)PWA",
                     spin, rounds);
}

class RecordWindowCli : public ::testing::Test {
 protected:
  RecordWindowCli() : dir_("record_window") {}
  std::string file(const std::string& name, std::string_view text) {
    const std::string p = path(name);
    pwtest::write_text_file(p, text);
    return p;
  }
  std::string path(const std::string& name) const { return dir_.path(name); }
  CliResult pwvm(const std::vector<std::string>& args) { return pwtest::run_binary(PWVM_BINARY, args, "", dir_.dir(), false); }
  CliResult pwreplay(const std::vector<std::string>& args, const std::string& input = "") {
    return pwtest::run_binary(PWREPLAY_BINARY, args, input, dir_.dir(), false);
  }
  nlohmann::json json_of(const std::vector<std::string>& args) {
    const CliResult r = pwreplay(args);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    return r.code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
  }
  // [tool]'s way of refusing: [code] and exactly one line, "TOOL: error: ...".
  static void expect_one_error_line(const CliResult& r, const std::string& tool, const std::string& says, int code = 2) {
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind(tool + ": error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
  }
  static std::string example(const std::string& name) { return std::string(EXAMPLES_DIR) + "/" + name + ".pwa"; }
  pwtest::ScratchDir dir_;
};

// ---- the acceptance run ---------------------------------------------------------------------

TEST_F(RecordWindowCli, ABillionStepRunKeepsItsLastMillionStepsInASmallTraceThatReplaysExactly) {
  // 10^9 steps (10^8 under the sanitizers: the same shape, ten times shorter).
  const std::uint64_t rounds = pwtest::slow_mode() ? 1000 : 10000;
  const std::string program = file("loop.pwa", spin_program(rounds, 100'000));
  const std::string trace = path("loop.pwtrace");
  const CliResult rec = pwvm({"run", program, "--record", trace, "--record-last", "1000000"});
  ASSERT_EQ(rec.code, 0) << rec.err;
  EXPECT_EQ(rec.out, "");
  EXPECT_LT(fs::file_size(trace), 1u << 20) << "a trace of the last million steps, not of the run";

  const nlohmann::json info = json_of({"info", trace, "--json"});
  const std::uint64_t end = info["steps"].get<std::uint64_t>();
  const std::uint64_t first = info["first_step"].get<std::uint64_t>();
  EXPECT_GT(end, rounds * 100'000);
  EXPECT_EQ(info["history_limit"], 1'000'000);
  EXPECT_LE(first, end - 1'000'000) << "at least the last million steps are kept";
  EXPECT_GE(first, end - 2'000'000) << "and not much more";
  EXPECT_EQ(info["complete"], true);
  EXPECT_EQ(info["outcome"]["status"], "halted");

  const nlohmann::json verify = json_of({"verify", trace, "--json"});
  EXPECT_EQ(verify["ok"], true);
  EXPECT_EQ(verify["from"], first);
  EXPECT_EQ(verify["steps"], end);

  // The state at the first and the last of the last million steps is the live run's.
  for (const std::uint64_t at : {end - 1'000'000, end}) {
    SCOPED_TRACE(at);
    const CliResult live = pwvm({"run", program, "--stop-at", std::to_string(at), "--dump-state", "-"});
    ASSERT_EQ(live.code, 0) << live.err;
    const CliResult replay = pwreplay({"state", trace, "--at", std::to_string(at)});
    ASSERT_EQ(replay.code, 0) << replay.err;
    EXPECT_TRUE(pwtest::same_text(live.out, replay.out));
  }
}

// ---- the ring -------------------------------------------------------------------------------

TEST_F(RecordWindowCli, TheTraceKeepsTheWindowFromASnapshotOnAndStaysTheSameSizeAsTheRunGrows) {
  const std::uint64_t window = 20'000;
  std::vector<std::uintmax_t> sizes;
  for (const std::uint64_t rounds : {200, 2000}) {
    SCOPED_TRACE(rounds);
    const std::string program = file(fmt::format("spin{}.pwa", rounds), spin_program(rounds, 1000));
    const std::string trace = path(fmt::format("spin{}.pwtrace", rounds));
    const CliResult rec = pwvm({"run", program, "--record", trace, "--record-last", std::to_string(window)});
    ASSERT_EQ(rec.code, 0) << rec.err;
    sizes.push_back(fs::file_size(trace));

    TraceReader reader(trace);
    EXPECT_TRUE(reader.complete());
    EXPECT_EQ(reader.header().history_limit, window);
    EXPECT_LE(reader.header().snapshot_interval, window / 2) << "a snapshot at least every half window";
    const std::uint64_t end = reader.steps();
    const std::uint64_t first = reader.snapshots().front().step;
    EXPECT_GT(first, 0u);
    EXPECT_EQ(reader.first_step(), first);
    EXPECT_LE(first, end - window);
    EXPECT_GE(first, end - window - window / 2 - 1000) << "nothing older than a snapshot interval past the window";
    std::uint64_t from = first;
    for (const auto& c : reader.chunks()) {
      EXPECT_EQ(c.from_step, from) << "the chunks run on from the first snapshot without a gap";
      from = c.to_step;
    }
    EXPECT_EQ(from, end);
    for (const auto& s : reader.snapshots()) EXPECT_GE(s.step, first);
    const nlohmann::json v = json_of({"verify", trace, "--json"});
    EXPECT_EQ(v["ok"], true);
  }
  // Ten times the run, the same window: about the same file.
  EXPECT_LT(sizes[1], sizes[0] + sizes[0] / 4) << sizes[0] << " then " << sizes[1] << " bytes";
}

// ---- every command on a window ------------------------------------------------------------

class WindowedInventory : public RecordWindowCli {
 protected:
  // examples/inventory.pwa fails at step 10850 (a TypeError in purchase_cost); the trace
  // keeps its last 4000 steps or a little more.
  void SetUp() override {
    const CliResult rec = pwvm({"run", example("inventory"), "--record", trace_, "--record-last", "4000"});
    ASSERT_EQ(rec.code, 1) << rec.err;
    const nlohmann::json info = json_of({"info", trace_, "--json"});
    first_ = info["first_step"].get<std::uint64_t>();
    ASSERT_GT(first_, 0u);
    ASSERT_LE(first_, 10850u - 4000u);
  }
  std::string trace_ = path("inventory.pwtrace");
  std::uint64_t first_ = 0;
  std::string before_ = "step 5 is before the recorded window, which starts at step ";
};

TEST_F(WindowedInventory, AWindowedRecordingOfAFailingRunKeepsTheFailure) {
  const nlohmann::json info = json_of({"info", trace_, "--json"});
  EXPECT_EQ(info["outcome"]["status"], "failed");
  EXPECT_EQ(info["outcome"]["error"]["kind"], "TypeError");
  EXPECT_EQ(info["outcome"]["steps"], 10850);
  const CliResult end = pwreplay({"state", trace_, "--at", "end"});
  ASSERT_EQ(end.code, 0) << end.err;
  const CliResult live = pwvm({"run", example("inventory"), "--dump-state", "-"});
  EXPECT_TRUE(pwtest::same_text(live.out, end.out));
  const nlohmann::json v = json_of({"verify", trace_, "--json"});
  EXPECT_EQ(v["ok"], true);
  EXPECT_EQ(v["from"], first_);

  // --record-on-failure keeps it too.
  const std::string kept = path("kept.pwtrace");
  EXPECT_EQ(pwvm({"run", example("inventory"), "--record-on-failure", kept, "--record-last", "4000"}).code, 1);
  EXPECT_EQ(json_of({"info", kept, "--json"})["first_step"], first_);
  const std::string gone = path("gone.pwtrace");
  EXPECT_EQ(pwvm({"run", example("hello"), "--record-on-failure", gone, "--record-last", "4000"}).code, 0);
  EXPECT_FALSE(fs::exists(gone));
}

TEST_F(WindowedInventory, InfoSaysWhereTheWindowStarts) {
  const CliResult info = pwreplay({"info", trace_});
  ASSERT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find(fmt::format("window:        the run's last 4000 steps or more (--record-last 4000): the "
                                      "trace starts at step {} and holds nothing earlier\n",
                                      first_)),
            std::string::npos)
      << info.out;
  EXPECT_NE(info.out.find("steps:         10850\n"), std::string::npos) << info.out;
  const nlohmann::json j = json_of({"info", trace_, "--json"});
  EXPECT_EQ(j["schema"], "pwvm.info/1.2");
}

TEST_F(WindowedInventory, StateAndVerifyCoverTheWindow) {
  for (const std::uint64_t at : {first_, first_ + 1, std::uint64_t{10849}}) {
    SCOPED_TRACE(at);
    const CliResult live = pwvm({"run", example("inventory"), "--stop-at", std::to_string(at), "--dump-state", "-"});
    const CliResult replay = pwreplay({"state", trace_, "--at", std::to_string(at)});
    ASSERT_EQ(replay.code, 0) << replay.err;
    EXPECT_TRUE(pwtest::same_text(live.out, replay.out));
  }
  const CliResult start = pwreplay({"state", trace_, "--at", "start"});
  ASSERT_EQ(start.code, 0) << start.err;
  EXPECT_EQ(nlohmann::json::parse(start.out)["step"], first_);
  expect_one_error_line(pwreplay({"state", trace_, "--at", "5"}), "pwreplay", "--at: " + before_);
  const CliResult verify = pwreplay({"verify", trace_});
  EXPECT_EQ(verify.code, 0) << verify.err;
  EXPECT_NE(verify.out.find(fmt::format("verified {}: steps {}..10850 (the recorded window: the run's last {} of 10850)",
                                        trace_, first_, 10850 - first_)),
            std::string::npos)
      << verify.out;
}

TEST_F(WindowedInventory, EventsWatchCallsAndLastWriteSeeTheWindowOnly) {
  const CliResult events = pwreplay({"events", trace_, "--json"});
  ASSERT_EQ(events.code, 0) << events.err;
  std::istringstream lines(events.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(nlohmann::json::parse(line)["from"], first_);
  std::size_t count = 0;
  while (std::getline(lines, line)) {
    EXPECT_GE(nlohmann::json::parse(line)["step"].get<std::uint64_t>(), first_);
    ++count;
  }
  EXPECT_GT(count, 0u);
  expect_one_error_line(pwreplay({"events", trace_, "--from", "5"}), "pwreplay", "--from: " + before_);
  expect_one_error_line(pwreplay({"events", trace_, "--to", "5"}), "pwreplay", "--to: " + before_);

  const CliResult watch = pwreplay({"watch", trace_, "restocks"});
  ASSERT_EQ(watch.code, 0) << watch.err;
  EXPECT_EQ(watch.out.rfind(fmt::format("restocks = ", first_), 0), 0u) << watch.out;
  EXPECT_NE(watch.out.find(fmt::format(" at step {}\n", first_)), std::string::npos) << watch.out;
  expect_one_error_line(pwreplay({"watch", trace_, "restocks", "--from", "5"}), "pwreplay", "--from: " + before_);

  const nlohmann::json calls = json_of({"calls", trace_, "restock", "--json"});
  EXPECT_EQ(calls["from"], first_);
  for (const auto& c : calls["calls"]) EXPECT_GE(c["step"].get<std::uint64_t>(), first_);
  expect_one_error_line(pwreplay({"calls", trace_, "restock", "--from", "5"}), "pwreplay", "--from: " + before_);

  // reorder_qty[6] was written at step 764, long before the window.
  const CliResult last = pwreplay({"last-write", trace_, "reorder_qty[6]", "--before", "end"});
  ASSERT_EQ(last.code, 0) << last.err;
  EXPECT_EQ(last.out, fmt::format("nothing wrote reorder_qty[6] between step {}, where the recorded window starts, "
                                  "and step 10850\n",
                                  first_));
  const nlohmann::json lw = json_of({"last-write", trace_, "reorder_qty[6]", "--before", "end", "--json"});
  EXPECT_EQ(lw["found"], false);
  EXPECT_EQ(lw["searched_from"], first_);
  expect_one_error_line(pwreplay({"last-write", trace_, "restocks", "--before", "5"}), "pwreplay",
                        "--before: " + before_);
}

TEST_F(WindowedInventory, PerfReportsOnTheWindowAndSaysSo) {
  const CliResult text = pwreplay({"perf", trace_});
  ASSERT_EQ(text.code, 0) << text.err;
  const std::string first = std::to_string(first_);  // four digits: 6,850 or so, as the report groups them
  ASSERT_EQ(first.size(), 4u);
  EXPECT_NE(text.out.find(fmt::format("steps {},{}..10,850", first.substr(0, 1), first.substr(1))), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("The trace keeps only the run's last 4,000 steps or more (--record-last)"), std::string::npos)
      << text.out;
  const nlohmann::json j = json_of({"perf", trace_, "--json"});
  EXPECT_EQ(j["from"], first_);
  EXPECT_EQ(j["recorded_window"]["first_step"], first_);
  EXPECT_EQ(j["recorded_window"]["history_limit"], 4000);
  expect_one_error_line(pwreplay({"perf", trace_, "--from", "5"}), "pwreplay", "--from: " + before_);
}

TEST_F(WindowedInventory, TheDebuggerStopsAtTheWindowStartAndRefusesEarlierSteps) {
  const std::string start = fmt::format("At step {}: the start of the recorded window; the trace keeps nothing earlier",
                                        first_);
  const CliResult r = pwreplay({"debug", trace_, "--at", "end", "--batch", "-ex", "reverse-continue", "-ex",
                                "reverse-stepi", "-ex", "goto 5", "-ex", "goto end", "-ex", "goto start", "-ex",
                                "info program", "-ex", "run"});
  EXPECT_EQ(r.code, 1) << "a batch with a command that failed";
  EXPECT_NE(r.out.find(fmt::format("Recorded run of {}: 10850 steps, of which the trace keeps the last {} (steps {}..10850)",
                                   example("inventory"), 10850 - first_, first_)),
            std::string::npos)
      << r.out;
  // reverse-continue, then reverse-stepi: both at the start of the window.
  const std::size_t first_stop = r.out.find(start + "\n");
  ASSERT_NE(first_stop, std::string::npos) << r.out;
  EXPECT_NE(r.out.find(start + "\n", first_stop + 1), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "step 5 is before the recorded window, which starts at step " + std::to_string(first_) + "\n");
  EXPECT_NE(r.out.find(fmt::format("Recorded run, at step {} of 10850", first_)), std::string::npos) << r.out;

  expect_one_error_line(pwreplay({"debug", trace_, "--at", "5", "--batch"}), "pwreplay", "--at: " + before_);
  const CliResult from_start = pwreplay({"debug", trace_, "--batch", "-ex", "info program"});
  ASSERT_EQ(from_start.code, 0) << from_start.err;
  EXPECT_NE(from_start.out.find(fmt::format("Recorded run, at step {} of 10850", first_)), std::string::npos)
      << from_start.out;
}

// ---- a recorder that is stopped -------------------------------------------------------------

// Waits (for at most a minute) until [trace] reads as a window that starts after step 0:
// its recorder has dropped the start of the run and rewritten the file since.
bool wait_for_window(const std::string& trace) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (TraceReader(trace).first_step() > 0) return true;
    } catch (const pw::trace::TraceReadError&) {
      // not written yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_F(RecordWindowCli, AWindowedRecorderKilledMidRunLeavesItsLastRewrite) {
  const std::string program = file("forever.pwa", pwtest::kForever);
  const std::string trace = path("killed.pwtrace");
  BackgroundProcess p({PWVM_BINARY, "run", program, "--record", trace, "--record-last", "100000", "--max-steps",
                       "100000000000"});
  ASSERT_TRUE(p.started());
  ASSERT_TRUE(wait_for_window(trace));
  ASSERT_EQ(::kill(p.pid(), SIGKILL), 0);
  p.finish();
  ASSERT_TRUE(p.killed_by_signal());

  TraceReader reader(trace);
  EXPECT_FALSE(reader.outcome().has_value());
  EXPECT_EQ(reader.damage(), "") << "the file is one whole rewrite: no torn frame";
  EXPECT_EQ(reader.header().history_limit, 100'000u);
  EXPECT_GT(reader.first_step(), 0u);
  EXPECT_GE(reader.steps(), reader.first_step() + 100'000);
  const nlohmann::json v = json_of({"verify", trace, "--json"});
  EXPECT_EQ(v["ok"], true);
  EXPECT_EQ(v["complete"], false);
  EXPECT_EQ(v["from"], reader.first_step());
  // No scratch file is left beside it but the one a kill may catch in the middle of a rewrite.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir_.dir()))
    files += entry.path().filename().string().rfind("killed.pwtrace", 0) == 0;
  EXPECT_LE(files, 2u);
}

TEST_F(RecordWindowCli, SigtermFinishesAWindowedTraceAndASecondRecorderIsRefusedMeanwhile) {
  const std::string program = file("forever.pwa", pwtest::kForever);
  const std::string trace = path("term.pwtrace");
  BackgroundProcess p({PWVM_BINARY, "run", program, "--record", trace, "--record-last", "100000", "--max-steps",
                       "100000000000"});
  ASSERT_TRUE(p.started());
  ASSERT_TRUE(wait_for_window(trace));
  // The file has been replaced by rewrites since it was created: it is still locked.
  const CliResult second = pwvm({"run", program, "--record", trace, "--max-steps", "1000"});
  expect_one_error_line(second, "pwvm", "another recorder is writing it", 3);
  ASSERT_EQ(::kill(p.pid(), SIGTERM), 0);
  const CliResult r = p.finish();
  EXPECT_FALSE(p.killed_by_signal());
  EXPECT_EQ(r.code, 143) << r.err;

  TraceReader reader(trace);
  EXPECT_TRUE(reader.complete());
  ASSERT_TRUE(reader.outcome().has_value());
  EXPECT_EQ(reader.outcome()->signal, static_cast<std::uint32_t>(SIGTERM));
  EXPECT_GT(reader.first_step(), 0u);
  const nlohmann::json v = json_of({"verify", trace, "--json"});
  EXPECT_EQ(v["ok"], true);
  EXPECT_EQ(v["complete"], true);
  for (const auto& entry : fs::directory_iterator(dir_.dir()))
    EXPECT_NE(entry.path().filename().string().rfind("term.pwtrace.", 0), 0u) << "left behind: " << entry.path();
}

// ---- bad flags ------------------------------------------------------------------------------

TEST_F(RecordWindowCli, RecordLastTakesAPositiveNumberOfStepsAndATrace) {
  const std::string trace = path("bad.pwtrace");
  for (const std::string bad : {"0", "abc", "-5", "1.5", ""}) {
    SCOPED_TRACE(bad);
    const CliResult r = pwvm({"run", example("hello"), "--record", trace, "--record-last", bad});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("--record-last"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(trace));
  }
  const CliResult alone = pwvm({"run", example("hello"), "--record-last", "1000"});
  EXPECT_EQ(alone.code, 2) << alone.err;
  EXPECT_EQ(count_lines(alone.err), 1u) << alone.err;
  EXPECT_NE(alone.err.find("--record-last"), std::string::npos) << alone.err;
}

}  // namespace
