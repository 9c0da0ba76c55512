// The committed traces of earlier formats (traces/, see traces/README.md): the current reader
// reads every one of them, and re-executing each recorded program against its recorded host
// answers reproduces the recorded final state.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>

#include "event_listing.h"
#include "interpreter.h"
#include "state_image.h"
#include "test_util.h"
#include "trace_codec.h"
#include "trace_reader.h"
#include "trace_test_util.h"

namespace {

namespace fs = std::filesystem;
using pw::trace::Event;
using pw::trace::EventKind;
using pw::trace::TraceOutcome;
using pw::trace::TraceReader;

// One row of the README's table.
struct Expected {
  std::uint64_t steps = 0;
  std::string outcome;  // "halted", "halted (5 snapshots)", "failed: TypeError in purchase_cost",
                       // "interrupted by signal 15"
};

std::map<std::string, Expected> readme_table() {
  std::map<std::string, Expected> rows;
  std::ifstream in(std::string(TRACES_DIR) + "/README.md");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("|", 0) != 0 || line.find(".pwtrace") == std::string::npos) continue;
    std::vector<std::string> cells;
    std::size_t at = 1;
    while (at < line.size()) {
      const std::size_t bar = line.find('|', at);
      if (bar == std::string::npos) break;
      cells.push_back(pwtest::trim(line.substr(at, bar - at)));
      at = bar + 1;
    }
    if (cells.size() < 4) continue;
    rows[cells[0]] = {std::stoull(cells[2]), cells[3]};
  }
  return rows;
}

std::vector<fs::path> trace_files() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(TRACES_DIR, ec))
    if (e.is_regular_file() && e.path().extension() == ".pwtrace") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(TraceFixtures, TheReadmeListsEveryCommittedTrace) {
  const auto table = readme_table();
  const auto files = trace_files();
  ASSERT_GE(files.size(), 5u);
  ASSERT_EQ(table.size(), files.size());
  for (const auto& f : files) EXPECT_TRUE(table.count(f.filename().string())) << f.filename();
}

// Runs the recorded program from [vm]'s state to its end with [host] answering, and checks
// the state it ends in is the recorded one.
void expect_replays_to_outcome(pw::VmState& vm, const pwtest::ReplayHost& host, const TraceReader& reader) {
  const TraceOutcome& out = *reader.outcome();
  // A stopped run ends where the recording did; the others run to their end.
  const bool stopped = out.status == TraceOutcome::Status::Stopped;
  const pw::RunStatus st = stopped ? pw::run(vm, out.steps - vm.step) : pw::run(vm);
  EXPECT_EQ(pw::executed_steps(vm), out.steps);
  EXPECT_EQ(st, stopped                                         ? pw::RunStatus::Paused
                : out.status == TraceOutcome::Status::Halted ? pw::RunStatus::Halted
                                                              : pw::RunStatus::Failed);
  EXPECT_EQ(pw::state_hash(vm), out.final_hash) << "re-execution did not reproduce the recorded final state";
  EXPECT_EQ(vm.output.size(), out.output_bytes);
  EXPECT_EQ(host.remaining(), 0u) << "recorded host answers left over";
  EXPECT_EQ(host.mismatches, 0u);
  if (out.status == TraceOutcome::Status::Halted) {
    EXPECT_EQ(pw::display(vm, vm.result), out.result);
  }
  if (out.status == TraceOutcome::Status::Failed) {
    ASSERT_TRUE(vm.error.has_value());
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(vm.error->format(), out.error->format());
  }
}

TEST(TraceFixtures, EveryCommittedTraceReadsAndReplays) {
  const auto table = readme_table();
  for (const auto& file : trace_files()) {
    SCOPED_TRACE(file.filename().string());
    const auto row = table.find(file.filename().string());
    ASSERT_NE(row, table.end());
    TraceReader reader(file.string());

    // The header.
    const pw::trace::TraceHeader& h = reader.header();
    EXPECT_TRUE(reader.complete());
    EXPECT_EQ(reader.damage(), "");
    EXPECT_EQ(h.format_major, 1u);
    EXPECT_LE(h.format_minor, pw::trace::kFormatMinor);
    EXPECT_TRUE(h.recorder == "pwvm 0.1.0" || h.recorder == "pwvm dap 0.1.0") << h.recorder;
    ASSERT_NE(h.program, nullptr);
    EXPECT_EQ(h.program_hash, pw::trace::program_hash(*h.program)) << "the program hash identifies the program";
    EXPECT_GT(h.first_dynamic_id, 0u);
    EXPECT_GT(h.snapshot_interval, 0u);

    // Steps and outcome as the README says.
    const Expected& want = row->second;
    ASSERT_TRUE(reader.outcome().has_value());
    const TraceOutcome& out = *reader.outcome();
    EXPECT_EQ(reader.steps(), want.steps);
    EXPECT_EQ(out.steps, want.steps);
    std::smatch m;
    if (std::regex_match(want.outcome, m, std::regex(R"(halted(?: \((\d+) snapshots\))?)"))) {
      EXPECT_EQ(out.status, TraceOutcome::Status::Halted);
      if (m[1].matched) {
        EXPECT_EQ(reader.snapshots().size(), std::stoul(m[1].str()));
      }
    } else if (std::regex_match(want.outcome, m, std::regex(R"(failed: (\w+) in (\w+))"))) {
      EXPECT_EQ(out.status, TraceOutcome::Status::Failed);
      ASSERT_TRUE(out.error.has_value());
      EXPECT_EQ(pw::error_kind_name(out.error->kind), m[1].str());
      EXPECT_EQ(out.error->context.function, m[2].str());
      EXPECT_EQ(out.error->context.state.step, want.steps);
    } else if (std::regex_match(want.outcome, m, std::regex(R"(interrupted by signal (\d+))"))) {
      EXPECT_EQ(out.status, TraceOutcome::Status::Stopped);
      EXPECT_EQ(out.signal, std::stoul(m[1].str()));
      EXPECT_EQ(h.format_minor, 1u) << "Outcome.signal came with format 1.1";
    } else if (std::regex_match(want.outcome, m, std::regex(R"(halted, changed at step (\d+))"))) {
      EXPECT_EQ(out.status, TraceOutcome::Status::Halted);
      EXPECT_EQ(h.format_minor, 2u) << "Snapshot.edited came with format 1.2";
      std::vector<std::uint64_t> changed;
      for (const auto& s : reader.snapshots())
        if (s.edited) changed.push_back(s.step);
      EXPECT_EQ(changed, std::vector<std::uint64_t>{std::stoull(m[1].str())});
    } else {
      ADD_FAILURE() << "unknown outcome in the README: " << want.outcome;
    }

    // Calls, returns and allocations are derived from format 1.5 on, and counted per chunk.
    if (h.derived_events) {
      EXPECT_GE(h.format_minor, 5u) << "Header.derivedEvents came with format 1.5";
    }

    // Every chunk decodes, and together they cover the run (a windowed one from its first
    // snapshot on, format 1.4).
    ASSERT_FALSE(reader.chunks().empty());
    const std::uint64_t first = reader.first_step();
    if (first > 0) {
      EXPECT_EQ(h.format_minor, 4u) << "Header.historyLimit came with format 1.4";
    }
    std::uint64_t from = first;
    std::string output = reader.read_snapshot(0).image.output;  // printed before the first chunk
    std::uint64_t profile = 0;
    for (std::size_t i = 0; i < reader.chunks().size(); ++i) {
      const pw::trace::ChunkData c = reader.read_chunk(i);
      EXPECT_EQ(c.info.from_step, from) << "chunk " << i;
      from = c.info.to_step;
      EXPECT_EQ(c.output_bytes, output.size());
      for (const Event& e : c.events)
        if (e.kind == EventKind::Output) output += e.result_strings.at(0);
      for (const auto& p : c.profile) profile += p.second;
    }
    // The outcome's steps count a failing instruction, as the chunks do.
    EXPECT_EQ(from, out.steps);
    // Recorders of format 1.3 and later record no profile (replay recomputes it).
    EXPECT_EQ(profile, h.format_minor < 3 ? out.steps - first : 0u);
    EXPECT_EQ(output.size(), out.output_bytes);

    // Every snapshot decodes and restores; the last one is the final state.
    ASSERT_GE(reader.snapshots().size(), 2u);
    std::vector<pw::trace::SnapshotData> snapshots;
    for (std::size_t i = 0; i < reader.snapshots().size(); ++i) {
      snapshots.push_back(reader.read_snapshot(i));
      const auto& s = snapshots.back();
      EXPECT_EQ(s.info.hash, pw::image_hash(s.image)) << "snapshot " << i;
      pw::ScriptedHost idle;
      pw::VmState vm(h.program, h.config, &idle);
      ASSERT_NO_THROW(pw::restore_state(vm, s.image)) << "snapshot " << i;
      EXPECT_EQ(pw::state_hash(vm), s.info.hash) << "snapshot " << i;
    }
    EXPECT_EQ(snapshots.front().info.step, first);
    // A snapshot holds the VM's instruction counter, which leaves out a failing instruction.
    const std::uint64_t failing = out.status == TraceOutcome::Status::Failed ? 1 : 0;
    EXPECT_EQ(snapshots.back().info.step + failing, out.steps);
    EXPECT_EQ(snapshots.back().info.hash, out.final_hash);

    // Re-execute from the start (of the window): the recorded program, config and host
    // answers reproduce the recorded final state, passing through every snapshot on the way.
    const std::vector<Event> answers = pwtest::host_events(reader);
    {
      pwtest::ReplayHost host(answers);
      pw::VmState vm(h.program, h.config, &host);
      if (first > 0) pw::restore_state(vm, snapshots.front().image);
      host.output = vm.output;
      for (std::size_t i = 0; i + 1 < snapshots.size(); ++i) {
        const std::uint64_t step = snapshots[i].info.step;
        if (step > vm.step) pw::run(vm, step - vm.step);
        ASSERT_EQ(vm.step, step);
        // A state a debugger changed (format 1.2) is where the run went on from.
        if (snapshots[i].info.edited) pw::restore_state(vm, snapshots[i].image);
        EXPECT_EQ(pw::state_hash(vm), snapshots[i].info.hash) << "at snapshot " << i;
      }
      expect_replays_to_outcome(vm, host, reader);
      EXPECT_EQ(host.output, output);
    }
    // Seeking: from each snapshot, with the host answers recorded after it.
    for (std::size_t i = 1; i + 1 < snapshots.size(); ++i) {
      SCOPED_TRACE("from snapshot " + std::to_string(i));
      std::vector<Event> later;
      for (const Event& e : answers)
        if (e.step >= snapshots[i].info.step) later.push_back(e);
      pwtest::ReplayHost host(later);
      pw::VmState vm(h.program, h.config, &host);
      pw::restore_state(vm, snapshots[i].image);
      for (std::size_t k = i + 1; k + 1 < snapshots.size(); ++k) {
        if (!snapshots[k].info.edited) continue;
        pw::run(vm, snapshots[k].info.step - vm.step);
        pw::restore_state(vm, snapshots[k].image);
      }
      expect_replays_to_outcome(vm, host, reader);
    }
  }
}

// The same run recorded by format 1.0 with every event and by 1.5 with calls, returns and
// allocations derived lists the same events (a collection's pause aside: it is measured).
TEST(TraceFixtures, DerivedEventsListAsTheRecordedOnesOfTheSameRun) {
  const std::string all = std::string(TRACES_DIR) + "/exceptions.pwtrace";
  const std::string derived = std::string(TRACES_DIR) + "/exceptions-derived.pwtrace";
  ASSERT_FALSE(TraceReader(all).header().derived_events);
  ASSERT_TRUE(TraceReader(derived).header().derived_events);
  std::vector<Event> recorded = pw::replay::all_events(all);
  std::vector<Event> made = pw::replay::all_events(derived);
  for (auto* list : {&recorded, &made})
    for (Event& e : *list) e.pause_ns = 0;
  ASSERT_EQ(made.size(), recorded.size());
  for (std::size_t i = 0; i < made.size(); ++i) EXPECT_EQ(made[i], recorded[i]) << "event " << i;
}

// Format 1.6 carries a compiled program's debug information, and its failure's column.
TEST(TraceFixtures, TheCompiledFixtureKeepsItsDebugInformation) {
  TraceReader reader(std::string(TRACES_DIR) + "/compiled-failure.pwtrace");
  EXPECT_EQ(reader.header().format_minor, 6u);
  const pw::Program& p = *reader.header().program;
  EXPECT_TRUE(p.compiled);
  EXPECT_EQ(p.source_name, "total.lisp");
  EXPECT_EQ(p.source_line(7), "      (+ (car items) (total (cdr items)))))");
  const pw::Function& total = p.functions[static_cast<std::size_t>(p.find_function("total_2"))];
  EXPECT_EQ(total.display_name(), "total");
  EXPECT_EQ(total.line, 5u);
  EXPECT_EQ(total.vars, (std::vector<pw::SourceVar>{{pw::SourceVar::Slot::Local, 0, "items", 0, 12, false}}));
  const pw::Function& lambda = p.functions[static_cast<std::size_t>(p.find_function("lambda_1"))];
  EXPECT_EQ(lambda.vars, (std::vector<pw::SourceVar>{{pw::SourceVar::Slot::Capture, 0, "count", 0, 8, true}}));
  EXPECT_EQ(lambda.columns.front(), 16u);
  const pw::ErrorContext& c = reader.outcome()->error->context;
  EXPECT_EQ(c.line, 7u);
  EXPECT_EQ(c.column, 7u);
  EXPECT_EQ(c.call_stack.back().function, "main");
  EXPECT_EQ(c.call_stack.back().column, 5u);
}

// The random walk is the one fixture whose run depends on its host: replaying it with any
// other answers than the recorded ones ends elsewhere.
TEST(TraceFixtures, RandomWalkNeedsItsRecordedAnswers) {
  TraceReader reader(std::string(TRACES_DIR) + "/random_walk-seed7.pwtrace");
  const auto answers = pwtest::host_events(reader);
  std::size_t randoms = 0;
  for (const Event& e : answers) randoms += e.type == static_cast<std::uint8_t>(pw::HostFn::Random);
  EXPECT_GT(randoms, 10'000u);
  pw::ScriptedHost other;  // a different random stream
  other.seed = 8;
  pw::VmState vm(reader.header().program, reader.header().config, &other);
  pw::run(vm);
  EXPECT_NE(pw::state_hash(vm), reader.outcome()->final_hash);
}

}  // namespace
