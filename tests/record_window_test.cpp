// Traces that keep only the end of a run (pwvm run --record-last): a trace that starts at a
// snapshot after step 0 replays that window exactly as the live run went, refuses positions
// before it, and backward moves and queries stop at its start. The windows here are cut
// from whole recordings (windowed_copy); recording_window_cli_test records them for real.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "motion.h"
#include "queries.h"
#include "replay_test_util.h"
#include "timeline.h"

namespace {

using pw::replay::StopReason;
using pw::replay::Timeline;

// [s] recorded with about [snapshots] snapshots, and its copy that keeps the run from
// snapshot [first] on, as a recording with a window of [limit] steps would.
struct WindowedRecording {
  WindowedRecording(const pwtest::Subject& s, std::uint64_t interval, std::size_t first, std::uint64_t limit)
      : dir("window") {
    pwtest::record_subject(s, whole, interval, std::max<std::uint64_t>(2, interval / 3));
    pwtest::write_text_file(windowed, pwtest::windowed_copy(pwtest::read_text_file(whole), limit, first));
  }
  pwtest::ScratchDir dir;
  std::string whole = dir.path("whole.pwtrace");
  std::string windowed = dir.path("windowed.pwtrace");
};

pwtest::Subject subject(const std::string& name, const char* source) {
  return {name, pwtest::load(source), pwtest::default_config()};
}

TEST(WindowedTrace, EveryExampleReplaysItsWindowAsTheLiveRunWent) {
  for (const auto& s : pwtest::subjects()) {
    SCOPED_TRACE(s.name);
    const std::uint64_t steps = pwtest::steps_of(s);
    if (steps < 20) continue;  // too short for a window after step 0
    const WindowedRecording rec(s, steps / 5, 2, steps / 3);
    Timeline whole(rec.whole);
    Timeline t(rec.windowed);
    ASSERT_EQ(t.start(), whole.snapshot_positions().at(2));
    EXPECT_GT(t.start(), 0u);
    EXPECT_TRUE(t.windowed());
    EXPECT_EQ(t.end(), steps);
    EXPECT_EQ(t.position(), t.start());

    std::set<std::uint64_t> positions = {t.start(), t.start() + 1, steps - 1, steps};
    for (std::uint64_t p : t.snapshot_positions())
      for (std::uint64_t q : {p - 1, p, p + 1})
        if (q >= t.start() && q <= steps) positions.insert(q);
    std::mt19937_64 rng(7);
    for (int i = 0; i < 10; ++i) positions.insert(t.start() + rng() % (steps - t.start() + 1));

    std::map<std::uint64_t, std::string> live_dumps;
    pwtest::LiveRun live(s);
    for (std::uint64_t p : positions) {
      live.run_to(p);
      live_dumps[p] = live.dump();
    }
    // Backwards, so every seek restores a snapshot of the window.
    for (auto it = positions.rbegin(); it != positions.rend(); ++it) {
      SCOPED_TRACE(*it);
      t.seek(*it);
      EXPECT_TRUE(pwtest::same_text(pw::dump_state(t.state()), live_dumps[*it]));
    }
  }
}

TEST(WindowedTrace, APositionBeforeTheWindowIsRefusedInOneLine) {
  const auto s = subject("fib", pwtest::kRecursiveFib15);
  const WindowedRecording rec(s, 2000, 3, 5000);
  Timeline t(rec.windowed);
  ASSERT_EQ(t.start(), 6000u);
  t.seek(t.end());
  try {
    t.seek(5);
    FAIL() << "a position before the window was accepted";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "step 5 is before the recorded window, which starts at step 6000");
  }
  EXPECT_THROW(t.seek(5999), std::out_of_range);
  t.seek(6000);
  EXPECT_EQ(t.position(), 6000u);
}

TEST(WindowedTrace, ATraceStartingAfterStepZeroIsDamageWhenItsHeaderSetsNoWindow) {
  const auto s = subject("fib", pwtest::kRecursiveFib15);
  const WindowedRecording rec(s, 2000, 3, 0);  // snapshots 0..2 cut away, no window said
  try {
    Timeline t(rec.windowed);
    FAIL() << "a trace without its first snapshots was replayed";
  } catch (const pw::trace::TraceReadError& e) {
    EXPECT_NE(std::string(e.what()).find("the trace has no snapshot at step 0 to replay from"), std::string::npos)
        << e.what();
  }
}

TEST(WindowedTrace, BackwardMovesStopAtTheWindowStart) {
  const auto s = subject("fib", pwtest::kRecursiveFib15);
  const WindowedRecording rec(s, 2000, 3, 5000);
  Timeline t(rec.windowed);
  const std::uint64_t start = t.start();

  t.seek(t.end());
  pw::replay::StopConditions none;
  pw::replay::Stop stop = pw::replay::reverse_continue(t, none);
  EXPECT_EQ(stop.reason, StopReason::Start);
  EXPECT_EQ(t.position(), start);
  EXPECT_EQ(pw::replay::reverse_continue(t, none).reason, StopReason::Start);
  EXPECT_EQ(pw::replay::step_backward(t, 1).reason, StopReason::Start);
  EXPECT_EQ(t.position(), start);

  t.seek(start + 10);
  stop = pw::replay::step_backward(t, 1000);
  EXPECT_EQ(stop.reason, StopReason::Step);
  EXPECT_EQ(t.position(), start);

  // The frame at the window's start was called before it: its call site is not there.
  t.seek(start + 1);
  ASSERT_GT(t.state().depth, 1u);
  const std::uint32_t depth = t.state().depth;
  stop = pw::replay::reverse_finish(t);
  if (stop.reason == StopReason::Start) {
    EXPECT_EQ(t.position(), start);
  } else {
    EXPECT_EQ(stop.reason, StopReason::CallSite);
    EXPECT_LT(t.state().depth, depth);
    EXPECT_GE(t.position(), start);
  }
  t.seek(start);
  EXPECT_EQ(pw::replay::reverse_step_line(t).reason, StopReason::Start);
  EXPECT_EQ(pw::replay::start_stop_text(start),
            "At step 6000: the start of the recorded window; the trace keeps nothing earlier");
  EXPECT_EQ(pw::replay::start_stop_text(0), "At step 0: no history before the start of the run");
}

TEST(WindowedTrace, QueriesSeeTheWindowOnly) {
  // total is written at steps 5, 14, 23, 32 and 41 (kCountToFive); the window starts at 20.
  const auto s = subject("count", pwtest::kCountToFive);
  const WindowedRecording rec(s, 10, 2, 20);
  Timeline t(rec.windowed);
  ASSERT_EQ(t.start(), 20u);
  const auto total = pw::replay::Expression::compile("total", t.program());
  EXPECT_FALSE(pw::replay::last_write(t, total, 22).has_value()) << "the write at step 14 is before the window";
  const auto found = pw::replay::last_write(t, total, 30);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->by.position, 23u);

  pw::replay::ShownValue initial;
  std::vector<std::uint64_t> changes;
  pw::replay::watch(t, total, t.start(), t.end(), initial, [&](const pw::replay::ChangeReport& r) {
    changes.push_back(r.change.position);
    return true;
  });
  EXPECT_EQ(initial.text(), "3");
  EXPECT_EQ(changes, (std::vector<std::uint64_t>{24, 33, 42}));
}

}  // namespace
