// Observers: how the debugger, the performance monitor and the recorder watch a run.
//
// The interpreter is a template over its observer. Each hook sits behind
// `if constexpr (Observer::kEnabled)`, so a run with NullObserver compiles to the bare loop
// and pays for nothing. A real observer derives from ObserverBase, sets kEnabled, and
// overrides (hides) the hooks it cares about. An event's step is the number of
// instructions completed before the one that caused it: the call, return and tail-call
// hooks are given it (the state is flushed for them only with kStepHook, since the
// recorder calls them millions of times and needs nothing else); the other hooks see it
// as vm.step, with the top frame's ip at that instruction.
#pragma once
#include "vm.h"

namespace pw {

struct ObserverBase {
  static constexpr bool kEnabled = true;
  // Call on_step before every instruction, with the state flushed (ip, sp, step): what a
  // debugger needs to stop anywhere. Costs a few stores per instruction.
  static constexpr bool kStepHook = true;
  // Call count_block(ip) whenever control arrives at the start of a straight-line run:
  // function entry, a jump or branch target, a branch's fall-through, the instruction after
  // a call when it returns, an exception handler, and wherever run() starts. Such a run
  // ends at the next jump, branch, call or function exit, and executes whole unless the
  // run pauses or fails inside it: the cheap way to count executed instructions (the
  // recorder's profile, see block_end()).
  static constexpr bool kCountsBlocks = false;
  // Check each instruction before running it (for programs that skipped the verifier).
  static constexpr bool kChecked = false;

  // Before the instruction at vm.top().ip runs; vm.step instructions have run. Return true
  // to pause here (run() returns Paused without running it).
  bool on_step(VmState&) { return false; }
  // Control arrived at [ip], the start of a straight-line run (only with kCountsBlocks).
  void count_block(const Instr* /*ip*/) {}
  // A frame was pushed for function [fn] (vm.top() is the callee, its arguments are in its
  // locals).
  void on_call(VmState&, std::uint64_t /*step*/, std::uint32_t /*fn*/) {}
  // The top frame now runs another function in place (a tail call); vm.top() is the callee.
  void on_tail_call(VmState&, std::uint64_t /*step*/, std::uint32_t /*fn*/) {}
  // The top frame is about to return [result].
  void on_return(VmState&, std::uint64_t /*step*/, const Value& /*result*/) {}
  // [value] was thrown at the top frame's ip.
  void on_throw(VmState&, const Value& /*value*/) {}
  // A handler caught [value]; vm.top() is the frame that handles it.
  void on_catch(VmState&, const Value& /*value*/) {}
  // An instruction allocated [object].
  void on_alloc(VmState&, const Object* /*object*/) {}
  // A host call returned [result].
  void on_host(VmState&, HostFn, const Value& /*result*/) {}
};

struct NullObserver : ObserverBase {
  static constexpr bool kEnabled = false;
  static constexpr bool kStepHook = false;
};

struct CheckedObserver : ObserverBase {
  static constexpr bool kChecked = true;
};

}  // namespace pw
