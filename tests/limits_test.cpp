// Limits: runaway loops, endless recursion and allocation bombs each end quickly with their
// own error, and programs within the limits are unaffected by them.
#include <chrono>
#include <string>

#include "test_util.h"

namespace {

using pwtest::Machine;

class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

constexpr double kQuickly = 10.0;  // seconds, generous for sanitizer builds

pw::ErrorKind failure_of(Machine& m) {
  EXPECT_EQ(m.run(), pw::RunStatus::Failed) << m.outcome();
  return m.vm.error ? m.vm.error->kind : pw::ErrorKind::HostError;
}

const char* kSpin = R"PWA(
func main()
  local n
  push 0
  set_local n
spin:
  inc_local n, 1
  jump spin
end
)PWA";

TEST(Limits, RunawayLoopStopsAtTheStepLimit) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_steps = 100'000;
  Stopwatch t;
  Machine m(kSpin, cfg);
  EXPECT_EQ(failure_of(m), pw::ErrorKind::StepLimitExceeded);
  EXPECT_EQ(m.vm.step, 100'000u);
  EXPECT_EQ(m.vm.error->context.state.step, 100'000u);
  EXPECT_LT(t.seconds(), kQuickly);
}

TEST(Limits, StepLimitCountsAcrossPausedRuns) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_steps = 1000;
  Machine m(kSpin, cfg);
  EXPECT_EQ(m.run(600), pw::RunStatus::Paused);
  EXPECT_EQ(m.vm.step, 600u);
  EXPECT_EQ(m.run(600), pw::RunStatus::Failed);
  ASSERT_TRUE(m.vm.error);
  EXPECT_EQ(m.vm.error->kind, pw::ErrorKind::StepLimitExceeded);
  EXPECT_EQ(m.vm.step, 1000u);
}

TEST(Limits, AProgramMayUseExactlyItsStepBudget) {
  const std::string src = pwtest::main_program("  push 1\n  push 2\n  add\n  push 3\n  mul\n  halt");
  Machine unlimited(src);
  ASSERT_EQ(unlimited.run(), pw::RunStatus::Halted);
  const std::uint64_t steps = unlimited.vm.step;
  EXPECT_EQ(steps, 6u);
  pw::VmConfig exact = pwtest::default_config();
  exact.limits.max_steps = steps;
  Machine fits(src, exact);
  EXPECT_EQ(fits.run(), pw::RunStatus::Halted) << fits.outcome();
  EXPECT_EQ(fits.result(), "9");
  pw::VmConfig short_by_one = pwtest::default_config();
  short_by_one.limits.max_steps = steps - 1;
  Machine over(src, short_by_one);
  EXPECT_EQ(failure_of(over), pw::ErrorKind::StepLimitExceeded);
}

const char* kRecurse = R"PWA(
func down(n)
  get_local n
  add_imm 1
  call_fn down
  return
end
func main()
  push 0
  call_fn down
  halt
end
)PWA";

TEST(Limits, InfiniteRecursionHitsTheDepthLimit) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_depth = 100;
  Stopwatch t;
  Machine m(kRecurse, cfg);
  EXPECT_EQ(failure_of(m), pw::ErrorKind::RecursionLimitExceeded);
  EXPECT_LE(m.vm.depth, 100u);
  EXPECT_LT(t.seconds(), kQuickly);
}

TEST(Limits, InfiniteRecursionWithTheDefaultLimitsEnds) {
  Stopwatch t;
  Machine m(kRecurse);
  const pw::ErrorKind k = failure_of(m);
  EXPECT_TRUE(k == pw::ErrorKind::RecursionLimitExceeded || k == pw::ErrorKind::StackOverflow)
      << pw::error_kind_name(k);
  EXPECT_LT(t.seconds(), kQuickly);
}

TEST(Limits, InfiniteRecursionHitsTheStackLimit) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_stack = 1000;
  Machine m(kRecurse, cfg);
  EXPECT_EQ(failure_of(m), pw::ErrorKind::StackOverflow);
  EXPECT_LE(m.vm.stack_size(), 1000u);
}

TEST(Limits, BoundedRecursionWithinTheLimitsSucceeds) {
  const char* src = R"PWA(
func depth(n)
  get_local n
  eq_imm 0
  jump_if_false more
  push 0
  return
more:
  get_local n
  sub_imm 1
  call_fn depth
  add_imm 1
  return
end
func main()
  push 40
  call_fn depth
  halt
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_depth = 50;
  cfg.limits.max_stack = 200;
  EXPECT_EQ(pwtest::eval(src, cfg), "40");
}

TEST(Limits, PairBombHitsTheHeapLimit) {
  const char* src = R"PWA(
func main()
  local list
grow:
  get_local list
  get_local list
  cons
  set_local list
  jump grow
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_heap = 64 * 1024;
  Stopwatch t;
  Machine m(src, cfg);
  EXPECT_EQ(failure_of(m), pw::ErrorKind::HeapExhausted);
  EXPECT_LE(m.vm.heap.stats().live_bytes, 64u * 1024);
  EXPECT_LT(t.seconds(), kQuickly);
}

TEST(Limits, ArrayBombHitsTheHeapLimit) {
  const char* src = R"PWA(
func main()
  local list
grow:
  push 100
  array_new
  get_local list
  cons
  set_local list
  jump grow
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_heap = 256 * 1024;
  Stopwatch t;
  Machine m(src, cfg);
  EXPECT_EQ(failure_of(m), pw::ErrorKind::HeapExhausted);
  EXPECT_LE(m.vm.heap.stats().live_bytes, 256u * 1024);
  EXPECT_LT(t.seconds(), kQuickly);
}

TEST(Limits, StringDoublingEndsWithAHeapError) {
  const char* src = R"PWA(
func main()
  local s
  push "0123456789abcdef"
  set_local s
grow:
  get_local s
  get_local s
  str_concat
  set_local s
  jump grow
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_heap = 1024 * 1024;
  Machine m(src, cfg);
  const pw::ErrorKind k = failure_of(m);
  EXPECT_TRUE(k == pw::ErrorKind::HeapExhausted || k == pw::ErrorKind::MemoryError) << pw::error_kind_name(k);
}

TEST(Limits, OneHugeArrayIsAMemoryError) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_heap = 1024 * 1024;
  Machine m(pwtest::main_program("  push 2000000000\n  array_new\n  halt"), cfg);
  EXPECT_EQ(failure_of(m), pw::ErrorKind::MemoryError);
  EXPECT_EQ(m.vm.heap.stats().live_objects, 0u);
}

TEST(Limits, GarbageBeyondTheHeapLimitIsFineWhenCollected) {
  const char* src = R"PWA(
func main()
  local i, limit, junk
  push 1
  set_local i
  push 5000
  set_local limit
loop:
  push 10
  array_new
  set_local junk
  for_next i, loop
  get_local junk
  array_len
  halt
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_heap = 8 * 1024;
  EXPECT_EQ(pwtest::eval(src, cfg), "10");
  cfg.gc.enabled = false;
  EXPECT_EQ(pwtest::error_kind_of(src, cfg), pw::ErrorKind::GcDisabled);
}

TEST(Limits, UnverifiedHandlersInALoopHitTheStackLimit) {
  // The verifier refuses a try that a loop re-enters without end_try (see
  // VerifierErrors.TryInALoopWithoutEndTry); unverified code meets a runtime bound instead.
  pw::Program p = pwtest::mutable_program(R"PWA(
func main()
loop:
  try h
  end_try
  jump loop
h:
  pop
  push 0
  halt
end
)PWA");
  p.functions[0].code[1].op = pw::Op::NIL;  // the end_try becomes a push, so trys pile up...
  p.functions[0].code[2].op = pw::Op::POP;  // ...and the jump a pop that keeps the depth at 0
  p.functions[0].code.insert(p.functions[0].code.begin() + 3, pw::Instr{pw::Op::JUMP, 0, 0, 0});
  p.functions[0].lines.insert(p.functions[0].lines.begin() + 3, 4);
  for (auto& in : p.functions[0].code)
    if (in.op == pw::Op::TRY) in.b = 5;
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_stack = 1000;
  cfg.limits.max_steps = 2'000'000;
  pw::ScriptedHost host;
  pw::VmState vm(std::make_shared<const pw::Program>(p), cfg, &host);
  ASSERT_EQ(pw::run_unverified(vm), pw::RunStatus::Failed);
  EXPECT_EQ(vm.error->kind, pw::ErrorKind::StackOverflow) << vm.error->headline();
  EXPECT_LE(vm.handlers.size(), 1000u);
}

TEST(Limits, RunawayPrintingStopsAtTheOutputLimit) {
  const char* src = R"PWA(
func main()
loop:
  push "spam"
  host print
  pop
  jump loop
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_output = 1000;
  Machine m(src, cfg);
  ASSERT_EQ(m.run(), pw::RunStatus::Failed) << m.outcome();
  EXPECT_EQ(m.vm.error->kind, pw::ErrorKind::OutputLimitExceeded);
  EXPECT_LE(m.vm.output.size(), 1000u);
  EXPECT_EQ(m.vm.output.size(), 200u * 5u);  // every complete "spam\n" that fit
}

TEST(Limits, DefaultsAreGenerous) {
  const pw::Limits l;
  EXPECT_GE(l.max_steps, 1'000'000'000u);
  EXPECT_GE(l.max_stack, 100'000u);
  EXPECT_GE(l.max_depth, 10'000u);
  EXPECT_GE(l.max_heap, 64u * 1024 * 1024);
}

}  // namespace
