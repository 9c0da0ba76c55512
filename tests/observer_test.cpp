// The observer hook: what the debugger, monitor and recorder will see of a run.
#include <gtest/gtest.h>

#include "interpreter_impl.h"
#include "test_util.h"

namespace {

// Counts every event and can pause at a chosen step.
struct CountingObserver : pw::ObserverBase {
  std::uint64_t steps = 0, calls = 0, returns = 0, allocs = 0, throws = 0, catches = 0, hosts = 0;
  std::uint64_t pause_at = UINT64_MAX;
  std::uint64_t last_step_seen = 0;
  bool steps_in_order = true;
  std::uint32_t max_depth_at_call = 0;

  bool on_step(pw::VmState& vm) {
    if (vm.step == pause_at) return true;
    if (steps && vm.step != last_step_seen + 1) steps_in_order = false;
    last_step_seen = vm.step;
    ++steps;
    return false;
  }
  void on_call(pw::VmState& vm, std::uint64_t step, std::uint32_t fn) {
    EXPECT_EQ(step, vm.step);        // kStepHook: the state is flushed for the hook
    EXPECT_EQ(fn, vm.top().fn);
    ++calls;
    max_depth_at_call = std::max(max_depth_at_call, vm.depth);
  }
  void on_return(pw::VmState& vm, std::uint64_t step, const pw::Value&) {
    EXPECT_EQ(step, vm.step);
    ++returns;
  }
  void on_alloc(pw::VmState&, const pw::Object*) { ++allocs; }
  void on_throw(pw::VmState&, const pw::Value&) { ++throws; }
  void on_catch(pw::VmState&, const pw::Value&) { ++catches; }
  void on_host(pw::VmState&, pw::HostFn, const pw::Value&) { ++hosts; }
};

const char* kProgram = R"PWA(
func square(x)
  get_local x
  get_local x
  mul
  return
end

func risky(n)
  get_local n
  lt_imm 3
  jump_if_true ok
  get_local n
  throw
ok:
  get_local n
  return
end

func main()
  local i, limit, acc
  push 0
  set_local acc
  push 1
  set_local i
  push 5
  set_local limit
loop:
  get_local i
  call_fn square
  get_local acc
  cons
  set_local acc
  try caught
  get_local i
  call_fn risky
  pop
  end_try
  jump next
caught:
  host print
  pop
next:
  for_next i loop
  get_local acc
  halt
end
)PWA";

TEST(Observer, SeesEveryStepCallAllocationThrowAndHostCall) {
  pwtest::Machine plain(kProgram);
  ASSERT_EQ(plain.run(), pw::RunStatus::Halted);

  pw::ScriptedHost host;
  pw::VmState vm(pwtest::load(kProgram), pwtest::default_config(), &host);
  CountingObserver obs;
  ASSERT_EQ(pw::run_with(vm, obs, pw::kRunForever), pw::RunStatus::Halted);

  EXPECT_EQ(obs.steps, vm.step);
  EXPECT_TRUE(obs.steps_in_order);
  EXPECT_EQ(obs.calls, 10u);    // square and risky, five times each
  EXPECT_EQ(obs.returns, 7u);   // square five times, risky twice (three throws)
  EXPECT_EQ(obs.allocs, 5u);    // one cons per iteration
  EXPECT_EQ(obs.throws, 3u);
  EXPECT_EQ(obs.catches, 3u);
  EXPECT_EQ(obs.hosts, 3u);
  EXPECT_EQ(obs.max_depth_at_call, 2u);
  EXPECT_EQ(host.output, "3\n4\n5\n");
}

TEST(Observer, ObservingNeverChangesTheRun) {
  pwtest::Machine plain(kProgram);
  ASSERT_EQ(plain.run(), pw::RunStatus::Halted);

  pw::ScriptedHost host;
  pw::VmState vm(pwtest::load(kProgram), pwtest::default_config(), &host);
  CountingObserver obs;
  pw::run_with(vm, obs, pw::kRunForever);
  EXPECT_EQ(pw::dump_state(vm), pw::dump_state(plain.vm));
}

TEST(Observer, OnStepCanPauseBeforeAnInstructionAndTheRunResumesExactly) {
  pwtest::Machine plain(kProgram);
  ASSERT_EQ(plain.run(), pw::RunStatus::Halted);

  pw::ScriptedHost host;
  pw::VmState vm(pwtest::load(kProgram), pwtest::default_config(), &host);
  CountingObserver obs;
  obs.pause_at = 40;
  ASSERT_EQ(pw::run_with(vm, obs, pw::kRunForever), pw::RunStatus::Paused);
  EXPECT_EQ(vm.step, 40u);

  // The paused state is the state after exactly 40 steps of an unobserved run.
  pwtest::Machine at40(kProgram);
  ASSERT_EQ(at40.run(40), pw::RunStatus::Paused);
  EXPECT_EQ(pw::dump_state(vm), pw::dump_state(at40.vm));

  obs.pause_at = UINT64_MAX;
  ASSERT_EQ(pw::run_with(vm, obs, pw::kRunForever), pw::RunStatus::Halted);
  EXPECT_EQ(pw::dump_state(vm), pw::dump_state(plain.vm));
}

TEST(Observer, CheckedObserverRunsVerifiedProgramsUnchanged) {
  pwtest::Machine plain(kProgram);
  ASSERT_EQ(plain.run(), pw::RunStatus::Halted);
  pw::ScriptedHost host;
  pw::VmState vm(pwtest::load(kProgram), pwtest::default_config(), &host);
  ASSERT_EQ(pw::run_unverified(vm), pw::RunStatus::Halted);
  EXPECT_EQ(pw::dump_state(vm), pw::dump_state(plain.vm));
}

}  // namespace
