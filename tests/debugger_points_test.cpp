// What the DAP adapter added to breakpoints and expressions, checked on the replay level:
// hit conditions, logpoints (forwards and backwards, with hit conditions), the uncaught
// catchpoint, conditions on watchpoints, and expressions naming heap objects and captures.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "motion.h"
#include "recorder.h"
#include "stop_conditions.h"
#include "test_util.h"
#include "timeline.h"
#include "trace_test_util.h"

namespace {

using pw::replay::Breakpoint;
using pw::replay::Catchpoint;
using pw::replay::Expression;
using pw::replay::HitCondition;
using pw::replay::LogLine;
using pw::replay::StopConditions;
using pw::replay::StopReason;
using pw::replay::Timeline;

// Line 8 (get_global total) runs five times, with i = 1..5.
constexpr const char* kProgram = pwtest::kCountToFive;

class BreakpointOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    trace_ = dir_.path("count.pwtrace");
    pwtest::Machine m(kProgram);
    pw::trace::RecordOptions o;
    o.path = trace_;
    pw::trace::record_run(m.vm, o);
    timeline_ = std::make_unique<Timeline>(trace_);
  }
  Breakpoint at_line(int line, std::string hit = {}, std::string log = {}, int id = 1) {
    Breakpoint b = pw::replay::make_breakpoint(timeline_->program(), std::to_string(line));
    b.id = id;
    if (!hit.empty()) b.hit_condition = pw::replay::parse_hit_condition(hit);
    if (!log.empty()) b.log = pw::replay::parse_log_message(log, timeline_->program());
    return b;
  }
  std::vector<std::uint64_t> forward_stops(StopConditions& c) {
    std::vector<std::uint64_t> out;
    timeline_->seek(0);
    for (;;) {
      const auto s = pw::replay::continue_forward(*timeline_, c);
      if (s.reason != StopReason::Breakpoint) return out;
      out.push_back(s.position);
    }
  }
  std::vector<std::uint64_t> backward_stops(StopConditions& c) {
    std::vector<std::uint64_t> out;
    timeline_->seek(timeline_->end());
    for (;;) {
      const auto s = pw::replay::reverse_continue(*timeline_, c);
      if (s.reason != StopReason::Breakpoint) return out;
      out.push_back(s.position);
    }
  }
  pwtest::ScratchDir dir_{"points"};
  std::string trace_;
  std::unique_ptr<Timeline> timeline_;
};

TEST(HitCondition, ParsesEveryFormAndRefusesTheRest) {
  const auto holds = [](const char* text, std::uint64_t hit) { return pw::replay::parse_hit_condition(text).holds(hit); };
  EXPECT_FALSE(holds("3", 2));
  EXPECT_TRUE(holds("3", 3));
  EXPECT_TRUE(holds("3", 4));  // from the Nth on, as gdb's ignore count
  EXPECT_TRUE(holds(">=3", 3));
  EXPECT_TRUE(holds("==3", 3));
  EXPECT_FALSE(holds("==3", 4));
  EXPECT_FALSE(holds(">3", 3));
  EXPECT_TRUE(holds("<3", 2));
  EXPECT_FALSE(holds("<3", 3));
  EXPECT_TRUE(holds("<= 3", 3));
  EXPECT_TRUE(holds("%2", 4));
  EXPECT_FALSE(holds("%2", 3));
  for (const char* bad : {"", "x", "%0", ">=", "3x", "-1", "== 2 3"})
    EXPECT_THROW(pw::replay::parse_hit_condition(bad), pw::replay::LocationError) << bad;
}

TEST_F(BreakpointOptions, HitConditionsChooseWhichHitsStopForwards) {
  StopConditions c;
  c.breakpoints.push_back(at_line(8, "%2"));
  const auto stops = forward_stops(c);
  ASSERT_EQ(stops.size(), 2u);  // the 2nd and 4th of five
  StopConditions all;
  all.breakpoints.push_back(at_line(8));
  const auto every = forward_stops(all);
  ASSERT_EQ(every.size(), 5u);
  EXPECT_EQ(stops[0], every[1]);
  EXPECT_EQ(stops[1], every[3]);
}

TEST_F(BreakpointOptions, BackwardsHitsAreCountedLatestFirst) {
  StopConditions c;
  c.breakpoints.push_back(at_line(8, "==2"));
  StopConditions all;
  all.breakpoints.push_back(at_line(8));
  const auto every = forward_stops(all);
  const auto stops = backward_stops(c);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0], every[3]);  // the second hit going back is the fourth of the run
}

TEST_F(BreakpointOptions, LogpointsPrintEveryHitInRunOrderEitherWayWithoutStopping) {
  std::vector<LogLine> lines;
  StopConditions c;
  c.breakpoints.push_back(at_line(8, {}, "i={i} total={total} {{x}}"));
  c.on_log = [&](const LogLine& l) { lines.push_back(l); };
  timeline_->seek(0);
  EXPECT_EQ(pw::replay::continue_forward(*timeline_, c).reason, StopReason::End);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].text, "i=1 total=0 {x}");
  EXPECT_EQ(lines[4].text, "i=5 total=10 {x}");
  const std::vector<LogLine> forwards = lines;
  lines.clear();
  EXPECT_EQ(pw::replay::reverse_continue(*timeline_, c).reason, StopReason::Start);
  ASSERT_EQ(lines.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(lines[i].text, forwards[i].text);
    EXPECT_EQ(lines[i].position, forwards[i].position);
  }
}

TEST_F(BreakpointOptions, ALogpointsHitConditionChoosesTheLinesBothWays) {
  std::vector<std::string> lines;
  StopConditions c;
  c.breakpoints.push_back(at_line(8, "%2", "i={i}"));
  c.on_log = [&](const LogLine& l) { lines.push_back(l.text); };
  timeline_->seek(0);
  pw::replay::continue_forward(*timeline_, c);
  EXPECT_EQ(lines, (std::vector<std::string>{"i=2", "i=4"}));
  lines.clear();
  c.breakpoints[0].hits = 0;
  pw::replay::reverse_continue(*timeline_, c);
  EXPECT_EQ(lines, (std::vector<std::string>{"i=2", "i=4"}));  // counted 5, 4, 3..: the 2nd and 4th are i=4, i=2
}

TEST_F(BreakpointOptions, ABreakpointStopsWhereALogpointOnTheSameLinePrints) {
  std::vector<std::string> lines;
  StopConditions c;
  c.breakpoints.push_back(at_line(8, {}, "i={i}", 1));
  c.breakpoints.push_back(at_line(8, "==3", {}, 2));
  c.on_log = [&](const LogLine& l) { lines.push_back(l.text); };
  timeline_->seek(0);
  const auto s = pw::replay::continue_forward(*timeline_, c);
  EXPECT_EQ(s.reason, StopReason::Breakpoint);
  EXPECT_EQ(s.breakpoint, 2);
  EXPECT_EQ(lines, (std::vector<std::string>{"i=1", "i=2", "i=3"}));
}

TEST(LogMessage, BadMessagesAreRefused) {
  pwtest::Machine m(kProgram);
  EXPECT_THROW(pw::replay::parse_log_message("i={i", m.vm.program()), pw::replay::LocationError);
  EXPECT_THROW(pw::replay::parse_log_message("i=}", m.vm.program()), pw::replay::LocationError);
  EXPECT_THROW(pw::replay::parse_log_message("{nosuch}", m.vm.program()), pw::replay::ExpressionError);
  EXPECT_EQ(pw::replay::parse_log_message("plain", m.vm.program()).format(m.vm, nullptr), "plain");
}

// A throw caught once, then one nobody catches.
constexpr const char* kThrows = R"PWA(
func risky(x)
  get_local x
  throw
end
func main()
  try handler
  push 1
  call_fn risky
  end_try
handler:
  pop
  push 2
  call_fn risky
  halt
end
)PWA";

TEST(UncaughtCatchpoint, StopsOnlyAtTheThrowNoHandlerWillCatch) {
  pwtest::ScratchDir dir{"points"};
  const std::string trace = dir.path("throws.pwtrace");
  pwtest::Machine m(kThrows);
  pw::trace::RecordOptions o;
  o.path = trace;
  pw::trace::record_run(m.vm, o);
  Timeline t(trace);
  StopConditions thrown, uncaught;
  thrown.catchpoints.push_back({1, true, Catchpoint::On::Throw, 0});
  uncaught.catchpoints.push_back({2, true, Catchpoint::On::Uncaught, 0});
  const auto first = pw::replay::continue_forward(t, thrown);
  ASSERT_EQ(first.reason, StopReason::Thrown);
  const auto second = pw::replay::continue_forward(t, thrown);
  ASSERT_EQ(second.reason, StopReason::Thrown);
  t.seek(0);
  const auto s = pw::replay::continue_forward(t, uncaught);
  EXPECT_EQ(s.reason, StopReason::Thrown);
  EXPECT_EQ(s.position, second.position);
  EXPECT_EQ(s.breakpoint, 2);
  EXPECT_EQ(pw::replay::continue_forward(t, uncaught).reason, StopReason::End);
}

TEST_F(BreakpointOptions, AWatchpointConditionChoosesTheChangesThatStop) {
  StopConditions c;
  pw::replay::Watchpoint w{1, true, Expression::compile("total", timeline_->program()),
                           Expression::compile("total > 5", timeline_->program()), std::nullopt, 0};
  c.watchpoints.push_back(std::move(w));
  timeline_->seek(0);
  const auto s = pw::replay::continue_forward(*timeline_, c);
  ASSERT_EQ(s.reason, StopReason::Watchpoint);
  EXPECT_EQ(s.change->new_value.text(), "6");
}

// Objects by id and captures by name.
constexpr const char* kClosures = R"PWA(
global keep
func make(start)
  get_local start
  push 10
  make_closure bump
  return
end
func bump() captures(count, step)
  get_capture count
  get_capture step
  add
  dup
  set_capture count
  return
end
func main()
  push 3
  array_new
  dup
  push 1
  push 2
  array_set
  set_global keep
  push 5
  call_fn make
  dup
  call 0
  pop
  call 0
  halt
end
)PWA";

TEST(ExpressionPlaces, ObjectIdsAndCapturesNameSlots) {
  pwtest::Machine m(kClosures);
  // Stop inside the second call of bump, after its set_capture.
  pw::run(m.vm, 1000);
  ASSERT_EQ(m.vm.status, pw::RunStatus::Halted);
  const auto& p = m.vm.program();
  const auto eval = [&](const char* text) {
    return pw::replay::result_text(m.vm, Expression::compile(text, p).evaluate(m.vm));
  };
  const std::string keep = eval("keep");  // "[nil, 2, nil] #N"
  const std::string id = keep.substr(keep.find('#'));
  EXPECT_EQ(eval((id + "[1]").c_str()), "2");
  EXPECT_EQ(eval((id + ".length").c_str()), "3");
  EXPECT_NE(Expression::compile(id + "[0]", p).locate(m.vm), nullptr);
  EXPECT_EQ(eval("#999999"), "<unavailable: object #999999 is not allocated yet>");
  EXPECT_THROW(Expression::compile("#", p), pw::replay::ExpressionError);
  // bump's captures by name (no frame of bump is active at the end: unavailable) and a
  // closure's captures by index through its id.
  EXPECT_NO_THROW(Expression::compile("count", p));
  EXPECT_NO_THROW(Expression::compile("bump::step", p));
  EXPECT_EQ(eval("bump::step"), "<unavailable: no active frame of bump>");
}

TEST(ExpressionPlaces, ACaptureReadsInsideTheClosure) {
  pwtest::Machine m(kClosures);
  // Run until bump's second call has stored its count: stop at its return.
  const auto& p = m.vm.program();
  const Expression count = Expression::compile("count", p);
  const Expression step = Expression::compile("bump::step", p);
  const Expression by_id_missing = Expression::compile("count + step", p);
  bool seen = false;
  for (int i = 0; i < 200 && m.vm.status != pw::RunStatus::Halted && m.vm.status != pw::RunStatus::Failed; ++i) {
    pw::run(m.vm, 1);
    if (m.vm.depth > 1 && m.vm.top().fn == static_cast<std::uint32_t>(p.find_function("bump")) &&
        m.vm.top().ip->op == pw::Op::RETURN) {
      const auto c = count.evaluate(m.vm);
      ASSERT_TRUE(c.available) << c.reason;
      EXPECT_TRUE(c.value.i == 15 || c.value.i == 25);
      EXPECT_EQ(pw::replay::result_text(m.vm, step.evaluate(m.vm)), "10");
      EXPECT_TRUE(by_id_missing.evaluate(m.vm).available);
      const std::string closure = pw::replay::result_text(m.vm, pw::replay::EvalResult::of(pw::Value::object(
                                                                     pw::ValueType::Closure, m.vm.top().closure)));
      const std::string id = closure.substr(closure.find('#'));
      EXPECT_EQ(pw::replay::result_text(m.vm, Expression::compile(id + "[1]", p).evaluate(m.vm)), "10");
      EXPECT_EQ(Expression::compile(id + "[0]", p).locate(m.vm), count.locate(m.vm));
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

}  // namespace
