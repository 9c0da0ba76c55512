// The timeline: the state it rebuilds at any position is the live run's, byte for byte;
// moves forwards and backwards land where a brute-force walk of the live run says; and a
// replay that does not match its recording is reported as a divergence.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <set>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <zstd.h>

#include "live_run.h"
#include "motion.h"
#include "queries.h"
#include "replay_test_util.h"
#include "state_image.h"
#include "timeline.h"

namespace {

using pw::replay::Divergence;
using pw::replay::StopReason;
using pw::replay::Timeline;
using pwtest::same_text;

// Snapshot intervals a few per run, chunks not aligned with them.
std::uint64_t interval_for(std::uint64_t steps) { return std::max<std::uint64_t>(3, steps / 9); }
std::uint64_t chunk_for(std::uint64_t steps) { return std::max<std::uint64_t>(2, interval_for(steps) / 3 + 1); }

// ---- the state at every interesting position is the live one ---------------------------

// A state as these tests compare it: its canonical dump, as the tools print it. Under
// AddressSanitizer, its image instead: the same state (every object, value, frame and
// counter) without building the JSON, which took most of the sanitizer pass's longest
// test; dump_state itself is sanitized by the tests of its own.
struct ComparedState {
  std::string dump;
  pw::StateImage image;
  explicit ComparedState(const pw::VmState& vm) {
    if (pwtest::under_address_sanitizer()) image = pw::capture_state(vm);
    else dump = pw::dump_state(vm);
  }
  ComparedState() = default;
  bool matches(const pw::VmState& vm) const {
    return pwtest::under_address_sanitizer() ? pw::capture_state(vm) == image : same_text(pw::dump_state(vm), dump);
  }
};

TEST(TimelineState, EveryExampleAtManyStepsMatchesTheLiveRun) {
  for (const auto& s : pwtest::subjects()) {
    SCOPED_TRACE(s.name);
    pwtest::ScratchDir dir("timeline");
    const std::string path = dir.path(s.name + ".pwtrace");
    const std::uint64_t steps = pwtest::steps_of(s);
    pwtest::record_subject(s, path, interval_for(steps), chunk_for(steps));
    Timeline t(path);
    ASSERT_EQ(t.end(), steps);

    std::set<std::uint64_t> positions = {0, 1, 2, steps / 2, steps > 0 ? steps - 1 : 0, steps};
    for (std::uint64_t p : t.snapshot_positions())
      for (std::uint64_t q : {p - 1, p, p + 1})
        if (q <= steps) positions.insert(q);
    for (const auto& c : t.trace().chunks()) positions.insert(std::min(c.to_step, steps));
    std::mt19937_64 rng(42);
    for (int i = 0; i < 25; ++i) positions.insert(rng() % (steps + 1));
    positions.erase(UINT64_MAX);

    // The live run visits them in order; the timeline in a shuffled order.
    std::map<std::uint64_t, ComparedState> live_states;
    pwtest::LiveRun live(s);
    for (std::uint64_t p : positions) {
      if (p > steps) continue;
      live.run_to(p);
      live_states[p] = ComparedState(live.machine.vm);
    }
    std::vector<std::uint64_t> order(positions.begin(), positions.end());
    std::shuffle(order.begin(), order.end(), rng);
    for (std::uint64_t p : order) {
      if (p > steps) continue;
      SCOPED_TRACE("position " + std::to_string(p));
      t.seek(p);
      ASSERT_EQ(t.position(), p);
      ASSERT_TRUE(live_states[p].matches(t.state()));
    }
  }
}

// Long seeks leave a checkpoint near their target; stepping back from there restores it.
TEST(TimelineState, CheckpointsNearLongSeeksRestoreExactly) {
  if (pwtest::slow_mode()) GTEST_SKIP() << "needs a run of millions of steps";
  pwtest::Subject s{"fibonacci", pw::load_program(std::string(EXAMPLES_DIR) + "/fibonacci.pwa"), pwtest::default_config()};
  pwtest::ScratchDir dir("timeline");
  const std::string path = dir.path("fib.pwtrace");
  pwtest::record_subject(s, path, 1'000'000, 250'000);
  Timeline t(path);
  ASSERT_GT(t.end(), 1'900'000u);
  const std::vector<std::uint64_t> targets = {950'000, 949'999, 949'998, 900'001, 960'000, 1'900'000, 1'899'999,
                                              950'000, 949'000, 700'000};
  std::map<std::uint64_t, ComparedState> live_states;
  pwtest::LiveRun live(s);
  for (std::uint64_t p : std::set<std::uint64_t>(targets.begin(), targets.end())) {
    live.run_to(p);
    live_states[p] = ComparedState(live.machine.vm);
  }
  const auto restores_before = t.stats().restores;
  for (std::uint64_t p : targets) {
    SCOPED_TRACE(p);
    t.seek(p);
    ASSERT_TRUE(live_states[p].matches(t.state()));
  }
  // 949,999 and 949,998 came from the checkpoint the seek to 950,000 left, not from a snapshot.
  EXPECT_LT(t.stats().steps_replayed, 6'000'000u);
  EXPECT_GT(t.stats().restores, restores_before);
}

TEST(TimelineState, SeekingPastTheEndIsRefused) {
  const auto s = pwtest::subjects().front();
  pwtest::ScratchDir dir("timeline");
  const std::string path = dir.path("t.pwtrace");
  pwtest::record_subject(s, path, 1000, 500);
  Timeline t(path);
  EXPECT_THROW(t.seek(t.end() + 1), std::out_of_range);
  t.seek(t.end());  // still usable
  EXPECT_EQ(t.position(), t.end());
}

TEST(TimelineState, AFailedRunEndsAtTheFailure) {
  pwtest::Subject s{"inventory", pw::load_program(std::string(EXAMPLES_DIR) + "/inventory.pwa"), pwtest::default_config()};
  pwtest::ScratchDir dir("timeline");
  const std::string path = dir.path("inventory.pwtrace");
  pwtest::record_subject(s, path, 1000, 300);
  Timeline t(path);
  t.seek(t.end());
  ASSERT_EQ(t.state().status, pw::RunStatus::Failed);
  EXPECT_EQ(t.state().error->kind, pw::ErrorKind::TypeError);
  EXPECT_EQ(t.position(), t.state().step + 1);  // the failing instruction counts
  const pw::replay::Location at = t.where();
  EXPECT_EQ(t.program().functions[at.fn].name, "purchase_cost");
  EXPECT_EQ(at.line, 281u);  // the mul the error report points at
  EXPECT_EQ(at.depth, 6u);
  t.seek(t.end() - 1);
  EXPECT_EQ(t.state().status, pw::RunStatus::Paused);  // just before it
}

// ---- moves land where the live run says ----------------------------------------------

struct MotionCase {
  const char* example;
  std::vector<std::string> watches;    // expressions for watchpoints
  std::string condition;               // a breakpoint condition, or ""
  std::string breakpoint;              // a breakpoint spec
  std::uint64_t max_steps = 0;         // a step limit that ends the run early, or 0
  std::uint64_t interval = 0;          // snapshot interval (0: a few per run)
};

// gtest names a case by its example in messages, not by its bytes.
void PrintTo(const MotionCase& c, std::ostream* os) { *os << c.example; }

// Positions the oracle says a predicate holds at, latest before / first after [p].
template <class Pred>
std::optional<std::uint64_t> first_after(const pwtest::Oracle& o, std::uint64_t p, Pred pred) {
  for (std::uint64_t t = p + 1; t < o.at.size(); ++t)
    if (pred(t)) return t;
  return std::nullopt;
}
template <class Pred>
std::optional<std::uint64_t> last_before(std::uint64_t p, Pred pred) {
  for (std::uint64_t t = p; t-- > 0;)
    if (pred(t)) return t;
  return std::nullopt;
}

// Where line moves may stop: the first instruction of each run of instructions on a line,
// and the end of the run.
bool line_start(const pw::Program& program, const pwtest::Oracle::At& a) {
  if (!a.paused) return true;
  const auto& lines = program.functions[a.fn].lines;
  // A compiled program's library code (line 0) has no lines to stop at.
  if (program.compiled && a.ip < lines.size() && lines[a.ip] == 0) return false;
  return a.ip == 0 || a.ip >= lines.size() || lines[a.ip - 1] != lines[a.ip];
}

enum class BackEnd { Recorded, Live };

// A cursor over the run: the recording's timeline, or a live run started afresh (so that
// forward moves run the real VM past its frontier, and cross from the replay to it).
struct CursorUnderTest {
  CursorUnderTest(BackEnd back_end, const pwtest::Subject& s, const std::string& path, std::uint64_t interval,
                  std::uint64_t end) {
    if (back_end == BackEnd::Recorded) {
      timeline = std::make_unique<Timeline>(path);
      return;
    }
    auto host = std::make_unique<pw::ScriptedHost>();
    pwtest::feed(*host);
    pw::trace::RecordOptions o;  // in memory
    o.snapshot_interval = interval;
    o.steps_per_live_object = 0;
    o.chunk_steps = chunk_for(end);
    o.stop_at = pwtest::step_cap();
    o.args = pwtest::kArgs;
    live = std::make_unique<pw::debugger::LiveRun>(s.program, s.config, std::move(host), o);
  }
  pw::replay::Cursor& operator*() { return timeline ? static_cast<pw::replay::Cursor&>(*timeline) : *live; }
  std::unique_ptr<Timeline> timeline;
  std::unique_ptr<pw::debugger::LiveRun> live;
};

class Motion : public ::testing::TestWithParam<std::tuple<MotionCase, BackEnd>> {};

TEST_P(Motion, MovesLandWhereTheLiveRunSays) {
  const MotionCase& mc = std::get<0>(GetParam());
  const BackEnd back_end = std::get<1>(GetParam());
  pw::VmConfig config = pwtest::default_config();
  config.capabilities = pw::kCapIo | pw::kCapRandom;
  if (mc.max_steps) config.limits.max_steps = mc.max_steps;
  pwtest::Subject s{mc.example, pwtest::load_example(std::string(EXAMPLES_DIR) + "/" + mc.example), config};
  std::vector<std::string> exprs = mc.watches;
  if (!mc.condition.empty()) exprs.push_back(mc.condition);
  const pwtest::Oracle o = pwtest::make_oracle(s, exprs);
  const std::uint64_t end = o.at.size() - 1;
  pwtest::ScratchDir dir("motion");
  const std::string path = dir.path("m.pwtrace");
  const std::uint64_t interval = mc.interval ? mc.interval : interval_for(end);
  pwtest::record_subject(s, path, interval, chunk_for(end));
  const pw::Program& program = *s.program;

  pw::replay::StopConditions bp_only;
  bp_only.breakpoints.push_back(pw::replay::make_breakpoint(program, mc.breakpoint));
  bp_only.breakpoints.back().id = 1;
  if (!mc.condition.empty())
    bp_only.breakpoints.back().condition = pw::replay::Expression::compile(mc.condition, program);
  const auto& addresses = bp_only.breakpoints.back().addresses;
  const std::size_t cond_index = mc.watches.size();
  auto bp_hit = [&](std::uint64_t p) {
    const auto& a = o.at[p];
    if (!a.paused) return false;
    bool at = false;
    for (const auto& addr : addresses) at = at || (addr.fn == a.fn && addr.ip == a.ip);
    return at && (mc.condition.empty() || a.truths[cond_index]);
  };
  auto op_at = [&](std::uint64_t q) { return program.functions[o.at[q].fn].code[o.at[q].ip].op; };
  pw::replay::StopConditions catch_throw, catch_catch;
  catch_throw.catchpoints.push_back({1, true, pw::replay::Catchpoint::On::Throw, 0});
  catch_catch.catchpoints.push_back({2, true, pw::replay::Catchpoint::On::Catch, 0});
  auto thrown_at = [&](std::uint64_t q) { return o.at[q].paused && op_at(q) == pw::Op::THROW; };
  auto caught_at = [&](std::uint64_t q) { return q > 0 && o.at[q].paused && thrown_at(q - 1); };

  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> starts = {0, 1, end / 3, end / 2, end > 0 ? end - 1 : 0, end};
  for (int i = 0; i < 12; ++i) starts.push_back(rng() % (end + 1));
  for (std::uint64_t p : starts) {
    SCOPED_TRACE("from position " + std::to_string(p));
    CursorUnderTest cursor(back_end, s, path, interval, end);
    pw::replay::Cursor& t = *cursor;
    const std::uint32_t d = o.at[p].depth;

    t.seek(p);
    auto s1 = pw::replay::step_forward(t);
    EXPECT_EQ(t.position(), std::min(p + 1, end));
    EXPECT_EQ(s1.reason, p == end ? StopReason::End : StopReason::Step);
    t.seek(p);
    pw::replay::step_backward(t);
    EXPECT_EQ(t.position(), p == 0 ? 0 : p - 1);

    // nexti / reverse-nexti: the next or previous position at this depth or shallower.
    t.seek(p);
    if (p < end) {
      pw::replay::next_instruction(t);
      EXPECT_EQ(t.position(), first_after(o, p, [&](std::uint64_t q) { return o.at[q].depth <= d; }).value_or(end));
    }
    t.seek(p);
    pw::replay::reverse_next_instruction(t);
    EXPECT_EQ(t.position(), last_before(p, [&](std::uint64_t q) { return o.at[q].depth <= d; }).value_or(0));

    // step / next / reverse-step / reverse-next: by line starts, into or over calls.
    auto starts_line = [&](std::uint64_t q) { return line_start(program, o.at[q]); };
    auto starts_line_here = [&](std::uint64_t q) { return o.at[q].depth <= d && starts_line(q); };
    t.seek(p);
    pw::replay::step_line(t);
    EXPECT_EQ(t.position(), first_after(o, p, starts_line).value_or(end));
    t.seek(p);
    pw::replay::next_line(t);
    EXPECT_EQ(t.position(), first_after(o, p, starts_line_here).value_or(end));
    t.seek(p);
    pw::replay::reverse_step_line(t);
    EXPECT_EQ(t.position(), last_before(p, starts_line).value_or(0));
    t.seek(p);
    pw::replay::reverse_next_line(t);
    EXPECT_EQ(t.position(), last_before(p, starts_line_here).value_or(0));

    // finish / reverse-finish: out of this frame, and back to its call.
    t.seek(p);
    if (d > 1) {
      const auto want = first_after(o, p, [&](std::uint64_t q) { return o.at[q].depth < d; });
      const auto f = pw::replay::finish(t);
      EXPECT_EQ(t.position(), want.value_or(end));
      EXPECT_EQ(f.reason, want ? StopReason::Returned : StopReason::End);
      t.seek(p);
      const auto r = pw::replay::reverse_finish(t);
      const auto call = last_before(p, [&](std::uint64_t q) { return o.at[q].depth < d; });
      ASSERT_TRUE(call.has_value());
      EXPECT_EQ(t.position(), *call);
      EXPECT_EQ(r.reason, StopReason::CallSite);
    } else {
      EXPECT_THROW(pw::replay::finish(t), pw::replay::MotionError);
    }

    // Breakpoints, forwards and backwards.
    t.seek(p);
    const auto fwd = pw::replay::continue_forward(t, bp_only);
    const auto want_fwd = first_after(o, p, bp_hit);
    EXPECT_EQ(t.position(), want_fwd.value_or(end));
    EXPECT_EQ(fwd.reason, want_fwd ? StopReason::Breakpoint : StopReason::End);
    t.seek(p);
    const auto back = pw::replay::reverse_continue(t, bp_only);
    const auto want_back = last_before(p, bp_hit);
    EXPECT_EQ(t.position(), want_back.value_or(0));
    EXPECT_EQ(back.reason, want_back ? StopReason::Breakpoint : StopReason::Start);

    // Catchpoints: before a throw runs, and where a handler has caught it.
    const std::pair<pw::replay::StopConditions*, StopReason> catches[] = {{&catch_throw, StopReason::Thrown},
                                                                          {&catch_catch, StopReason::Caught}};
    for (const auto& [conditions, reason] : catches) {
      auto hit = [&, reason = reason](std::uint64_t q) { return reason == StopReason::Thrown ? thrown_at(q) : caught_at(q); };
      t.seek(p);
      const auto cf = pw::replay::continue_forward(t, *conditions);
      EXPECT_EQ(t.position(), first_after(o, p, hit).value_or(end));
      EXPECT_EQ(cf.reason, first_after(o, p, hit) ? reason : StopReason::End);
      t.seek(p);
      const auto cb = pw::replay::reverse_continue(t, *conditions);
      EXPECT_EQ(t.position(), last_before(p, hit).value_or(0));
      EXPECT_EQ(cb.reason, last_before(p, hit) ? reason : StopReason::Start);
    }

    // Watchpoints: forwards they stop where the new value shows, backwards at the
    // instruction that made it.
    for (std::size_t w = 0; w < mc.watches.size(); ++w) {
      SCOPED_TRACE("watch " + mc.watches[w]);
      pw::replay::StopConditions wc;
      wc.watchpoints.push_back({static_cast<int>(w + 1), true, pw::replay::Expression::compile(mc.watches[w], program), std::nullopt, std::nullopt, 0});
      auto changed_at = [&](std::uint64_t q) { return q > 0 && o.at[q].values[w] != o.at[q - 1].values[w]; };
      t.seek(p);
      const auto wf = pw::replay::continue_forward(t, wc);
      const auto want_w = first_after(o, p, changed_at);
      EXPECT_EQ(t.position(), want_w.value_or(end));
      EXPECT_EQ(wf.reason, want_w ? StopReason::Watchpoint : StopReason::End);
      t.seek(p);
      const auto wb = pw::replay::reverse_continue(t, wc);
      const auto want_wb = last_before(p, [&](std::uint64_t q) { return changed_at(q + 1); });
      EXPECT_EQ(t.position(), want_wb.value_or(0));
      EXPECT_EQ(wb.reason, want_wb ? StopReason::Watchpoint : StopReason::Start);
      if (want_wb) {
        ASSERT_TRUE(wb.change.has_value());
        EXPECT_EQ(wb.change->position, *want_wb + 1);
      }
    }
    // Every position the moves went through shows the live run's state.
    t.seek(p);
    pwtest::LiveRun at_p(s);
    at_p.run_to(p);
    EXPECT_TRUE(same_text(pw::dump_state(t.state()), at_p.dump())) << "state at " << p;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Examples, Motion,
    ::testing::Combine(
        ::testing::Values(MotionCase{"factorial.pwa", {"$depth"}, "n == 3", "fact"},
                          MotionCase{"exceptions.pwa", {"$sp"}, "", "exceptions.pwa:40"},
                          MotionCase{"closures.pwa", {"$stack[-1]"}, "", "*make_counter+1"},
                          MotionCase{"inventory.pwa", {"revenue", "stock[6]", "restocks"}, "qty > 5", "restock"},
                          // The same story compiled from the Lisp: source names in the expressions.
                          MotionCase{"inventory.pwl", {"revenue", "stock[6]", "restocks"}, "qty > 3", "restock-if-low"},
                          MotionCase{"tail_loop.pwa", {"acc"}, "i == 3", "sum_to", 20000},
                          // One snapshot: backward moves scan a short window before the
                          // position first, then the rest of the long interval.
                          // (fibonacci: deep recursion and no allocation, so that it
                          // stays quick under GC stress too)
                          MotionCase{"fibonacci.pwa", {"$depth"}, "n == 1", "fib_rec", 40000, 1'000'000}),
        ::testing::Values(BackEnd::Recorded, BackEnd::Live)),
    [](const auto& info) {
      std::string n = std::get<0>(info.param).example;
      return n.substr(0, n.find('.')) + (n.ends_with(".pwl") ? "_pwl" : "") +
             (std::get<0>(info.param).interval ? "_one_snapshot" : "") +
             (std::get<1>(info.param) == BackEnd::Live ? "_live" : "_recorded");
    });

// Reverse-continue scans back one snapshot interval at a time: a hit just before the
// current position costs about one interval of replay, not the run from step 0.
TEST(TimelineMotionCost, ReverseContinueReplaysOnlyTheIntervalsItScans) {
  if (pwtest::slow_mode()) GTEST_SKIP() << "needs a run of millions of steps";
  pwtest::Subject s{"fibonacci", pw::load_program(std::string(EXAMPLES_DIR) + "/fibonacci.pwa"), pwtest::default_config()};
  pwtest::ScratchDir dir("motioncost");
  const std::string path = dir.path("fib.pwtrace");
  pwtest::record_subject(s, path, 100'000, 100'000);
  Timeline t(path);
  ASSERT_GT(t.end(), 1'000'000u);
  t.seek(1'000'000);
  pw::replay::StopConditions c;
  c.breakpoints.push_back(pw::replay::make_breakpoint(t.program(), "fib_rec"));
  c.breakpoints.back().id = 1;
  const std::uint64_t replayed = t.stats().steps_replayed;
  const auto stop = pw::replay::reverse_continue(t, c);
  EXPECT_EQ(stop.reason, StopReason::Breakpoint);
  EXPECT_LT(t.position(), 1'000'000u);
  EXPECT_GT(t.position(), 900'000u);
  // One interval scanned, then the hit reached again from its snapshot.
  EXPECT_LE(t.stats().steps_replayed - replayed, 200'000u);
}

// ---- divergences ---------------------------------------------------------------------

TEST(TimelineDivergence, ATraceOfAnotherProgramIsCaughtAtTheFirstSnapshotItPasses) {
  // Same calls and allocations, another constant: only the states differ.
  const std::string body = "  push %d\n  set_global x\n  push 0\n  set_local i\nloop:\n  inc_local i 1\n"
                           "  get_local i\n  push 100\n  lt\n  jump_if_true loop\n  get_global x\n  halt";
  auto program_with = [&](int k) {
    std::string b = body;
    b.replace(b.find("%d"), 2, std::to_string(k));
    return pwtest::load("global x\n" + pwtest::main_program(b, "i").substr(0));
  };
  pwtest::ScratchDir dir("divergence");
  auto record = [&](int k, const std::string& name) {
    pwtest::Subject s{name, program_with(k), pwtest::default_config()};
    pwtest::record_subject(s, dir.path(name), 50, 20);
    return pwtest::read_text_file(dir.path(name));
  };
  const std::string a = record(1, "a.pwtrace");
  const std::string b = record(2, "b.pwtrace");
  // b's header (its program) with a's events and snapshots.
  pwtest::write_text_file(dir.path("spliced.pwtrace"), pwtest::with_header_of(a, b));
  Timeline t(dir.path("spliced.pwtrace"));
  try {
    t.seek(t.end());  // restores the last snapshot: a's, which b's replay never passed
    t.seek(0);
    t.run_forward(t.end(), nullptr);
    FAIL() << "no divergence";
  } catch (const Divergence& d) {
    EXPECT_EQ(d.step, 50u);
    EXPECT_NE(std::string(d.what()).find("global 'x' is int 2 in the replay but int 1 in the recording"), std::string::npos)
        << d.what();
  }
}

// Replays, to its end, trace [b]'s header (its program) with trace [a]'s events and
// snapshots; the divergence it meets, if any.
std::optional<Divergence> replay_spliced(const pwtest::ScratchDir& dir, const std::string& a, const std::string& b) {
  pwtest::write_text_file(dir.path("spliced.pwtrace"), pwtest::with_header_of(a, b));
  Timeline t(dir.path("spliced.pwtrace"));
  try {
    t.run_forward(t.end(), nullptr);
  } catch (const Divergence& d) {
    return d;
  }
  return std::nullopt;
}

// A trace that records every event (as before format 1.5) names the first one that differs.
TEST(TimelineDivergence, DifferentCallsAreCaughtAtTheirStep) {
  pwtest::ScratchDir dir("divergence");
  auto record = [&](const std::string& callee, const std::string& name) {
    const std::string src = "func f()\n  push 1\n  return\nend\nfunc g()\n  push 2\n  return\nend\nfunc main()\n"
                            "  push 7\n  pop\n  call_fn " + callee + "\n  halt\nend\n";
    pwtest::Subject s{name, pwtest::load(src), pwtest::default_config()};
    pwtest::record_subject(s, dir.path(name), 1000, 1000, pwtest::step_cap(), /*derive_events=*/false);
    return pwtest::read_text_file(dir.path(name));
  };
  const std::string a = record("f", "a.pwtrace");
  const std::string b = record("g", "b.pwtrace");
  pwtest::write_text_file(dir.path("spliced.pwtrace"), pwtest::with_header_of(a, b));
  Timeline t(dir.path("spliced.pwtrace"));
  try {
    t.seek(3);
    FAIL() << "no divergence";
  } catch (const Divergence& d) {
    EXPECT_EQ(d.step, 2u);
    EXPECT_STREQ(d.what(), "divergence at step 2: the replay called g but the recording called f");
  }
}

TEST(TimelineDivergence, DifferentAllocationsAreCaughtAtTheirStep) {
  pwtest::ScratchDir dir("divergence");
  auto record = [&](int length, const std::string& name) {
    const std::string src = "func main()\n  push 7\n  pop\n  push " + std::to_string(length) +
                            "\n  array_new\n  pop\n  push 1\n  push 2\n  cons\n  halt\nend\n";
    pwtest::Subject s{name, pwtest::load(src), pwtest::default_config()};
    pwtest::record_subject(s, dir.path(name), 1000, 1000, pwtest::step_cap(), /*derive_events=*/false);
    return pwtest::read_text_file(dir.path(name));
  };
  const std::optional<Divergence> d = replay_spliced(dir, record(2, "a.pwtrace"), record(3, "b.pwtrace"));
  ASSERT_TRUE(d) << "no divergence";
  EXPECT_EQ(d->step, 3u);
  EXPECT_NE(std::string(d->what()).find("the replay allocated array"), std::string::npos) << d->what();
}

// With derived events the replay's calls, returns and allocations are counted: a chunk
// whose replay made other counts diverges at the chunk's end, naming both counts.
TEST(TimelineDivergence, DerivedEventCountsAreCheckedAtEachChunksEnd) {
  pwtest::ScratchDir dir("divergence");
  auto record = [&](int calls, const std::string& name) {
    std::string src = "func f()\n  push 1\n  return\nend\nfunc main()\n  push 7\n  pop\n";
    for (int i = 0; i < calls; ++i) src += "  call_fn f\n  pop\n";
    src += "  push 0\n  array_new\n  pop\n";
    for (int i = calls; i < 3; ++i) src += "  push 0\n  pop\n";
    src += "  push 0\n  halt\nend\n";
    pw::VmConfig config = pwtest::default_config();
    config.gc.stress = false;  // a collection would be a recorded event that differs first
    pwtest::Subject s{name, pwtest::load(src), config};
    pwtest::record_subject(s, dir.path(name), 1000, 4);
    return pwtest::read_text_file(dir.path(name));
  };
  const std::string a = record(1, "a.pwtrace");
  const std::string b = record(2, "b.pwtrace");
  {
    pw::trace::TraceReader reader(dir.path("a.pwtrace"));
    ASSERT_TRUE(reader.header().derived_events);
    EXPECT_EQ(reader.read_chunk(0).derived, (pw::trace::DerivedCounts{1, 0, 0, 0}));
    EXPECT_EQ(reader.read_chunk(1).derived, (pw::trace::DerivedCounts{0, 0, 1, 1}));
  }
  const std::optional<Divergence> d = replay_spliced(dir, a, b);
  ASSERT_TRUE(d) << "no divergence";
  EXPECT_EQ(d->step, 4u);
  EXPECT_STREQ(d->what(),
               "divergence at step 4: in steps 4..7 the replay made 1 call, 0 tail calls, 1 return and 0 "
               "allocations but the recording counted 0 calls, 0 tail calls, 1 return and 1 allocation");
}

// Rewrites snapshot [k] of the trace in [path] with a changed global, keeping its recorded
// hash and valid frame checksums: damage only the snapshot's own hash can reveal.
void tamper_snapshot(const std::string& path, std::size_t k) {
  const std::string bytes = pwtest::read_text_file(path);
  const auto spans = pwtest::frame_spans(bytes);
  std::size_t seen = 0;
  std::string out = std::string(pw::trace::kFileMagic);
  for (const auto& f : spans) {
    std::string frame = bytes.substr(f.offset, f.end() - f.offset);
    if (f.kind == pw::trace::RecordKind::Snapshot && seen++ == k) {
      const std::string raw = pwtest::frame_payload(bytes, f);
      kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(raw.data()), raw.size() / 8);
      capnp::FlatArrayMessageReader reader(words);
      const auto snap = reader.getRoot<pw::trace::Snapshot>();
      pw::StateImage image = pw::trace::read_snapshot_image(snap);
      const std::uint64_t hash = snap.getHash();
      image.globals.at(0).type = static_cast<std::uint64_t>(pw::ValueType::Int);
      image.globals.at(0).payload = 999;
      capnp::MallocMessageBuilder m;
      pw::trace::write_snapshot(m.initRoot<pw::trace::Snapshot>(), image, hash);
      frame = pwtest::frame_record(pw::trace::RecordKind::Snapshot, m);
    }
    out += frame;
  }
  pwtest::write_text_file(path, out);
}

TEST(TimelineDivergence, ADamagedSnapshotIsReportedWhenRestored) {
  const std::string src = "global x\n" + pwtest::main_program("  push 0\n  set_local i\nloop:\n  inc_local i 1\n"
                                                               "  get_local i\n  set_global x\n  get_local i\n"
                                                               "  push 200\n  lt\n  jump_if_true loop\n  get_global x\n  halt",
                                                               "i");
  pwtest::Subject s{"damaged", pwtest::load(src), pwtest::default_config()};
  pwtest::ScratchDir dir("divergence");
  const std::string path = dir.path("d.pwtrace");
  pwtest::record_subject(s, path, 100, 50);
  tamper_snapshot(path, 2);  // the snapshot at step 200
  Timeline t(path);
  t.seek(150);  // replays from snapshot 1: fine
  try {
    t.seek(250);
    FAIL() << "no divergence";
  } catch (const Divergence& d) {
    EXPECT_EQ(d.step, 200u);
    EXPECT_NE(std::string(d.what()).find("snapshot 2 is damaged"), std::string::npos) << d.what();
  }
}

// Damage that frame checksums cannot see: event bytes and snapshot contents rewritten inside
// valid frames (snapshots with a matching hash, so restore_state's own checks are what
// stands). Every replay must end in a divergence, a read error or success, never a crash.
TEST(TimelineDivergence, RewrittenEventsAndSnapshotsNeverCrashTheReplay) {
  const std::string src = "global g\n" + pwtest::main_program("  push 0\n  set_local i\nloop:\n  inc_local i 1\n"
                                                                "  get_local i\n  get_local l\n  cons\n  set_local l\n"
                                                                "  get_local i\n  set_global g\n  get_local i\n"
                                                                "  push 300\n  lt\n  jump_if_true loop\n  get_global g\n  halt",
                                                                "i, l");
  pwtest::Subject subject{"mutated", pwtest::load(src), pwtest::default_config()};
  pwtest::ScratchDir dir("mutated");
  // Every event recorded: its bytes are rewritten; derived events: their counts are.
  for (const bool derive : {false, true}) {
    SCOPED_TRACE(derive ? "derived events" : "every event recorded");
    const std::string good = dir.path(derive ? "derived.pwtrace" : "all.pwtrace");
    pwtest::record_subject(subject, good, 400, 150, pwtest::step_cap(), derive);
    const std::string bytes = pwtest::read_text_file(good);
    const auto spans = pwtest::frame_spans(bytes);
    std::mt19937_64 rng(11);
    int diverged = 0, unreadable = 0, fine = 0;
    for (int round = 0; round < 60; ++round) {
      std::string out(pw::trace::kFileMagic);
      const bool events = round % 2 == 0;
      for (const auto& f : spans) {
        std::string frame = bytes.substr(f.offset, f.end() - f.offset);
        const std::string raw = pwtest::frame_payload(bytes, f);
        kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(raw.data()), raw.size() / 8);
        capnp::FlatArrayMessageReader reader(words);
        if (derive && events && f.kind == pw::trace::RecordKind::EventChunk && rng() % 2) {
          capnp::MallocMessageBuilder m;
          m.setRoot(reader.getRoot<pw::trace::EventChunk>());
          auto c = m.getRoot<pw::trace::EventChunk>();
          const std::uint64_t by = 1 + rng() % 3;
          switch (rng() % 4) {
            case 0: c.setDerivedCalls(c.getDerivedCalls() + by); break;
            case 1: c.setDerivedTailCalls(c.getDerivedTailCalls() + by); break;
            case 2: c.setDerivedReturns(c.getDerivedReturns() - std::min(by, c.getDerivedReturns())); break;
            case 3: c.setDerivedAllocs(c.getDerivedAllocs() ^ by); break;
          }
          frame = pwtest::frame_record(f.kind, m);
        } else if (events && f.kind == pw::trace::RecordKind::EventChunk && rng() % 2) {
          const auto c = reader.getRoot<pw::trace::EventChunk>();
          std::string ev(reinterpret_cast<const char*>(c.getEvents().begin()), c.getEvents().size());
          for (int k = 0; k < 3 && !ev.empty(); ++k) ev[rng() % ev.size()] = static_cast<char>(rng());
          capnp::MallocMessageBuilder m;
          m.setRoot(c);
          m.getRoot<pw::trace::EventChunk>().setEvents(
              capnp::Data::Reader(reinterpret_cast<const kj::byte*>(ev.data()), ev.size()));
          frame = pwtest::frame_record(f.kind, m);
        } else if (!events && f.kind == pw::trace::RecordKind::Snapshot && rng() % 2) {
          pw::StateImage image = pw::trace::read_snapshot_image(reader.getRoot<pw::trace::Snapshot>());
          const auto any = [&](std::uint64_t n) { return n ? rng() % n : 0; };
          switch (rng() % 6) {
            case 0: if (!image.stack.empty()) image.stack[any(image.stack.size())].payload = static_cast<std::int64_t>(rng() % 1000); break;
            case 1: if (!image.stack.empty()) image.stack[any(image.stack.size())].type = rng() % 12; break;
            case 2: image.frames[any(image.frames.size())].ip = static_cast<std::uint32_t>(rng() % 40); break;
            case 3: image.frames[any(image.frames.size())].base = rng() % 8; break;
            case 4: if (!image.slots.empty()) image.slots[any(image.slots.size())].payload = static_cast<std::int64_t>(rng() % 2000); break;
            case 5: if (!image.objects.empty()) image.objects[any(image.objects.size())].count = static_cast<std::uint32_t>(rng() % 5); break;
          }
          capnp::MallocMessageBuilder m;
          pw::trace::write_snapshot(m.initRoot<pw::trace::Snapshot>(), image, pw::image_hash(image));
          frame = pwtest::frame_record(f.kind, m);
        }
        out += frame;
      }
      const std::string path = dir.path(fmt::format("m{}{}.pwtrace", derive ? "d" : "", round));
      pwtest::write_text_file(path, out);
      try {
        Timeline t(path);
        t.run_forward(t.end(), nullptr);
        for (std::uint64_t p : t.snapshot_positions()) t.seek(p);
        ++fine;
      } catch (const Divergence&) {
        ++diverged;
      } catch (const pw::trace::TraceReadError&) {
        ++unreadable;
      }
    }
    EXPECT_EQ(diverged + unreadable + fine, 60);
    EXPECT_GT(diverged + unreadable, 30);
  }
}

}  // namespace
