// A live session changing a value at its newest step (DAP's setVariable): the recording
// keeps the changed state (an edited snapshot, format 1.2), every replay passes through it,
// and the queries say the debugger made the change.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "expression.h"
#include "live_run.h"
#include "motion.h"
#include "queries.h"
#include "test_util.h"
#include "timeline.h"
#include "trace_reader.h"
#include "trace_test_util.h"

namespace {

using pw::replay::Expression;

constexpr const char* kProgram = pwtest::kCountToFive;

struct Session {
  explicit Session(const std::string& record = {}) {
    program = pwtest::load(kProgram);
    pw::trace::RecordOptions o;
    o.path = record;
    o.snapshot_interval = 1000;
    o.steps_per_live_object = 0;
    run = std::make_unique<pw::debugger::LiveRun>(program, pwtest::default_config(), std::make_unique<pw::ScriptedHost>(), o);
  }
  std::string value(const char* text) {
    const Expression e = Expression::compile(text, *program);
    return pw::replay::result_text(run->state(), e.evaluate(run->state()));
  }
  void set_total(std::int64_t v) {
    run->change_state([&](pw::VmState& vm) { vm.globals[0] = pw::Value::integer(v); });
  }
  std::shared_ptr<const pw::Program> program;
  std::unique_ptr<pw::debugger::LiveRun> run;
};

TEST(StateChange, ReplaysPassThroughTheChangedStateAndQueriesNameTheDebugger) {
  pwtest::ScratchDir dir("change");
  const std::string trace = dir.path("changed.pwtrace");
  std::uint64_t end = 0;
  {
    Session s(trace);
    s.run->seek(10);
    ASSERT_EQ(s.value("total"), "1");
    s.set_total(100);
    EXPECT_EQ(s.value("total"), "100");
    s.run->run_forward(UINT64_MAX, nullptr);  // on to the end
    ASSERT_TRUE(s.run->finished());
    end = s.run->end();
    EXPECT_EQ(pw::display(s.run->state(), s.run->state().result), "114");  // 100 + 2 + 3 + 4 + 5
    // Backwards: before the change the old value, after it the new one.
    s.run->seek(9);
    EXPECT_EQ(s.value("total"), "1");
    s.run->seek(10);
    EXPECT_EQ(s.value("total"), "100");
    s.run->seek(5);
    // The set_global of the second pass runs at step 14: before it, the debugger wrote last.
    const auto found = pw::replay::last_write(*s.run, Expression::compile("total", *s.program), 14);
    ASSERT_TRUE(found);
    EXPECT_TRUE(found->by_debugger);
    EXPECT_EQ(found->change.position, 10u);
    EXPECT_EQ(found->change.new_value.text(), "100");
    s.run->finish_recording();
  }
  // The file replays the changed run, checked event for event.
  pw::replay::Timeline t(trace);
  EXPECT_EQ(t.end(), end);
  EXPECT_GE(t.trace().header().format_minor, 2u);  // edited snapshots came with 1.2
  t.run_forward(t.end(), nullptr);
  EXPECT_EQ(pw::display(t.state(), t.state().result), "114");
  pw::replay::ShownValue initial;
  std::vector<std::pair<std::uint64_t, bool>> changes;
  pw::replay::watch(t, Expression::compile("total", t.program()), 0, t.end(), initial,
                    [&](const pw::replay::ChangeReport& r) {
                      changes.emplace_back(r.change.position, r.by_debugger);
                      return true;
                    });
  ASSERT_GE(changes.size(), 2u);
  EXPECT_EQ(changes[1], std::make_pair(std::uint64_t{10}, true));
  EXPECT_FALSE(changes[0].second);
  EXPECT_FALSE(changes[2].second);
}

TEST(StateChange, AChangeAtStepZeroWinsOverTheFirstSnapshot) {
  Session s;
  s.set_total(1000);
  s.run->run_forward(UINT64_MAX, nullptr);
  ASSERT_TRUE(s.run->finished());
  EXPECT_EQ(pw::display(s.run->state(), s.run->state().result), "1015");
  s.run->seek(0);
  EXPECT_EQ(s.value("total"), "1000");
  s.run->seek(s.run->end());
  EXPECT_EQ(pw::display(s.run->state(), s.run->state().result), "1015");
}

TEST(StateChange, TwoChangesAtOneStepAndOneAfterAStepReplayAsTheLiveRunWent) {
  Session s;
  // Step 2 is before the first pass reads total, step 11 before the second does.
  s.run->seek(2);
  s.set_total(7);
  s.set_total(8);  // the latest change at a step is its state
  s.run->seek(11);
  EXPECT_EQ(s.value("total"), "9");
  s.set_total(20);
  s.run->run_forward(UINT64_MAX, nullptr);
  const std::string result = pw::display(s.run->state(), s.run->state().result);
  EXPECT_EQ(result, "34");  // 20 + 2 + 3 + 4 + 5
  s.run->seek(2);
  EXPECT_EQ(s.value("total"), "8");
  s.run->seek(1);
  EXPECT_EQ(s.value("total"), "0");
  s.run->seek(10);
  EXPECT_EQ(s.value("total"), "9");
  s.run->seek(11);
  EXPECT_EQ(s.value("total"), "20");
  s.run->seek(s.run->end());
  EXPECT_EQ(pw::display(s.run->state(), s.run->state().result), result);
}

TEST(StateChange, ThePastAndTheEndRefuseAChange) {
  Session s;
  s.run->seek(10);
  s.run->seek(3);
  EXPECT_THROW(s.set_total(1), std::logic_error);
  s.run->run_forward(UINT64_MAX, nullptr);
  EXPECT_THROW(s.set_total(1), std::logic_error);
}

}  // namespace
