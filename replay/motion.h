// Moving through a recorded run, forwards and backwards, the way a debugger does: single
// instructions, over calls, out of frames, to breakpoints and watchpoint hits, or to any
// step. Backward moves never replay from step 0: they scan the snapshot intervals before
// the current position, latest first (Timeline::search_backward).
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>

#include "stop_conditions.h"
#include "timeline.h"

namespace pw::replay {

enum class StopReason {
  Step,        // the step asked for is done
  Breakpoint,  // a breakpoint's instruction is next (and its condition held)
  Watchpoint,  // a watched value changed
  Returned,    // finish: the frame returned (or was left by an exception)
  CallSite,    // reverse-finish: at the call that entered the frame
  Start,       // nothing earlier: at step 0
  End,         // nothing later: at the end of the run
};

struct Stop {
  StopReason reason = StopReason::Step;
  std::uint64_t position = 0;
  int breakpoint = 0;                   // its id, for Breakpoint
  std::optional<Change> change;         // for Watchpoint
  std::optional<ShownValue> returned;   // for Returned: the value the frame returned
};

// A move that makes no sense where the timeline is (finish in the outermost frame).
class MotionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Stop step_forward(Timeline& t, std::uint64_t count = 1);
Stop step_backward(Timeline& t, std::uint64_t count = 1);
// One instruction, but a call is run to its return: the next position in this frame (or
// in its caller, when this frame returns).
Stop next(Timeline& t);
// The previous position in this frame, over any call that returned to here (or the call
// site in the caller, at the start of a frame).
Stop reverse_next(Timeline& t);
// Until the current frame returns: the caller's position just after the call.
Stop finish(Timeline& t);
// Back to the call that entered the current frame.
Stop reverse_finish(Timeline& t);
// To the first breakpoint or watchpoint hit after the current position, or the end.
Stop continue_forward(Timeline& t, StopConditions& conditions);
// To the latest hit before the current position, or step 0. A watchpoint stops at the
// instruction that changed the value (the position before the change shows).
Stop reverse_continue(Timeline& t, StopConditions& conditions);
Stop go_to(Timeline& t, std::uint64_t position);

}  // namespace pw::replay
