// Where the values an instruction works on came from. A replay over a window of steps keeps
// a shadow of the value stack: for every slot (a frame's locals and its operands) the step
// whose instruction put the value there. From it, each executed instruction gets the steps
// that produced its operands; an origin query (origin.h) walks those links backward.
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <vector>

#include "control_deps.h"
#include "cursor.h"
#include "slot_writes.h"

namespace pw::replay {

// The instruction that produced a value, and which of its results it is.
struct ValueSource {
  static constexpr std::uint64_t kBeforeWindow = UINT64_MAX;  // produced before the replayed window began
  static constexpr std::uint64_t kRunStart = UINT64_MAX - 1;  // an entry-function local at step 0: nil
  static constexpr std::uint32_t kByDebugger = UINT32_MAX;    // [step] is where a live session changed it
  std::uint64_t step = kBeforeWindow;
  // 0: the value the instruction pushed or stored. k + 1: the callee's local k, which the
  // call (or tail call) at [step] set up: argument k, or the nil of a local past them.
  std::uint32_t part = 0;
  bool before_window() const { return step == kBeforeWindow; }
};

// Whether [op] pushes a value written in the program: nil, true, false, push_int,
// push_const, push_func.
inline bool is_constant(Op op) {
  return op == Op::NIL || op == Op::TRUE || op == Op::FALSE || op == Op::PUSH_INT || op == Op::PUSH_CONST ||
         op == Op::PUSH_FUNC;
}

// What one executed instruction did with values.
struct StepFlow {
  std::uint64_t step = 0;  // its position: the state before it runs
  std::uint32_t fn = 0;
  std::uint32_t ip = 0;
  std::uint32_t depth = 0;
  std::uint32_t sp = 0;    // values on the stack before it runs
  std::uint32_t base = 0;  // its frame's first local, as a stack index
  Op op = Op::NIL;
  // Where its operands came from, deepest first: for most instructions the values it pops;
  // for a call, its arguments; get_local and inc_local: the local's value; for_next: the
  // counter and the limit.
  std::vector<ValueSource> operands;
  SlotKey read;  // get_global, get_capture, car, cdr, array_get: the slot it read
  // A constant: the conditional branch (in the same activation) whose direction brought the
  // run to it, when has_control.
  ValueSource control;
  bool has_control = false;
  bool taken = false;             // a conditional branch: it jumped
  std::uint32_t callee = 0;       // a call that entered a function: which
  std::uint64_t first_alloc = 0;  // ids of the objects it allocated: [first_alloc, first_alloc + allocs)
  std::uint64_t allocs = 0;
  std::uint64_t frame_id = 0;  // the activation it ran in
};

// Which sources of a record must be known (not before its window): bits for operands (all
// from the 31st on share bit 30) and for the branch of a constant.
using FlowNeeds = std::uint32_t;
inline constexpr FlowNeeds kNeedNothing = 0;
inline constexpr FlowNeeds kNeedControl = 1u << 31;
inline constexpr FlowNeeds kNeedOperands = ~kNeedControl;
inline FlowNeeds need_operand(std::size_t k) { return 1u << (k < 30 ? k : 30); }
bool satisfies(const StepFlow& f, FlowNeeds needs);

// Thrown when interrupt_flag() stopped a replay of a window (Ctrl-C in the debugger).
class FlowInterrupted : public std::runtime_error {
 public:
  FlowInterrupted() : std::runtime_error("interrupted") {}
};

// The flow of a run, replayed in windows on demand and kept: a window starts a few thousand
// steps before the step asked about, and when what that step used came from before it,
// from further back (x16 each time), down to the cursor's start.
class ValueFlow {
 public:
  explicit ValueFlow(Cursor& cursor) : cursor_(cursor), deps_(cursor.program()) {}
  // What the instruction at position [step] did (step < the cursor's end), with the sources
  // [needs] names known, unless they are older than the cursor's start. A copy: the windows
  // kept may be dropped by the next call.
  StepFlow at(std::uint64_t step, FlowNeeds needs = kNeedNothing);
  // Which instruction put the value into the value stack's slot [slot] as it is at
  // [position]: the state before the instruction there.
  ValueSource slot_source(std::uint64_t position, std::uint32_t slot);
  // What last wrote local [local] of the activation [f] ran in, before [f]: operand [k] of
  // [f] when its window saw it, else found by a backward search for the write (a store, an
  // increment, the call that made the frame). kRunStart for an entry-function local nothing
  // wrote; before the window when the trace does not go back far enough.
  ValueSource local_source(const StepFlow& f, std::size_t k, std::uint32_t local);
  // What last wrote the local [slot] (a SlotKey::Kind::Local) before [before], by search.
  ValueSource local_write(const SlotKey& slot, std::uint64_t before);
  // The branch that led to constant [f] (f.has_control), searched back through its
  // activation when its window began after the branch ran; nullopt when none ran.
  std::optional<ValueSource> control_of(const StepFlow& f);

 private:
  struct Window {
    std::uint64_t from = 0;
    std::uint64_t to = 0;  // records cover [from, to)
    std::vector<StepFlow> steps;
  };
  // The record of [step] from the windows kept (a complete one if any), and where its window began.
  std::pair<const StepFlow*, std::uint64_t> cached(std::uint64_t step, FlowNeeds needs) const;

  Cursor& cursor_;
  ControlDeps deps_;
  std::deque<Window> windows_;
};

}  // namespace pw::replay
