// Moving through a run, forwards and backwards, the way a debugger does: by source line,
// by instruction, over calls, out of frames, to breakpoints, watchpoints and catchpoints,
// or to any step. Backward moves never replay from step 0: they scan the intervals between
// restart positions (snapshots) before the current position, latest first
// (search_backward in cursor.h). Every move works on any Cursor: a recorded run or a live
// one, which runs on when a forward move goes past what it has reached.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "stop_conditions.h"
#include "cursor.h"

namespace pw::replay {

enum class StopReason {
  Step,         // the step asked for is done
  Breakpoint,   // a breakpoint's instruction is next (and its condition held)
  Watchpoint,   // a watched value changed
  Access,       // rwatch, awatch: the next instruction reads (or writes) the watched place
  Thrown,       // catch throw: a throw instruction is next
  Caught,       // catch catch: a handler has just caught an exception
  Returned,     // finish: the frame returned (or was left by an exception)
  CallSite,     // reverse-finish: at the call that entered the frame
  Start,        // nothing earlier: at the first position (step 0, or a window's start)
  End,          // nothing later: at the end of the run
  Interrupted,  // interrupt_flag() was set (Ctrl-C) during the move
};
struct Stop {
  StopReason reason = StopReason::Step;
  std::uint64_t position = 0;
  int breakpoint = 0;                   // its id, for Breakpoint; the catchpoint's for Thrown, Caught
  std::optional<Change> change;         // for Watchpoint
  std::optional<ShownValue> returned;   // for Returned: the value the frame returned
  std::uint32_t frame_fn = 0;           // for Returned and CallSite: the function of that frame
  bool writes = false;                  // for Access: the next instruction writes the place (else reads it)
};

// What a debugger says on stopping for StopReason::Start, where the history begins: step 0,
// or [first] when a windowed recording kept only the end of the run.
std::string start_stop_text(std::uint64_t first);

// A move that makes no sense where the timeline is (finish in the outermost frame).
class MotionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// By instruction (stepi, reverse-stepi).
Stop step_forward(Cursor& t, std::uint64_t count = 1);
Stop step_backward(Cursor& t, std::uint64_t count = 1);
// One instruction, but a call is run to its return: the next position in this frame (or
// in its caller, when this frame returns) (nexti).
Stop next_instruction(Cursor& t);
// The previous position in this frame, over any call that returned to here (or the call
// site in the caller, at the start of a frame) (reverse-nexti).
Stop reverse_next_instruction(Cursor& t);
// By source line: to the start of the next line run, into calls (step) or over them
// (next). A return into the middle of the caller's line goes on to its next line, as in
// gdb. A line "starts" at the first instruction of each run of instructions on it.
Stop step_line(Cursor& t);
Stop next_line(Cursor& t);
// Back to the start of the latest line run before the current position, into calls that
// returned to here (reverse-step) or over them (reverse-next).
Stop reverse_step_line(Cursor& t);
Stop reverse_next_line(Cursor& t);
// Until a frame returns or is left by an exception: the caller's position just after the
// call, or the handler's. [level] picks the frame: 0 the innermost, 1 its caller (gdb's
// finish after `up`), and so on; the frames above it end on the way.
Stop finish(Cursor& t, std::uint32_t level = 0);
// Back to the call that entered the current frame.
Stop reverse_finish(Cursor& t);
// A breakpoint whose instruction is next where the cursor is, and whose condition (and hit
// condition, which counts this hit) holds: how `run` stops at once when it starts on one,
// as gdb's does. Logpoints are not stops.
std::optional<Stop> breakpoint_here(Cursor& t, StopConditions& conditions);
// To the first breakpoint, watchpoint or catchpoint hit after the current position, or
// the end.
Stop continue_forward(Cursor& t, StopConditions& conditions);
// To the latest hit before the current position, or the first position. A watchpoint stops at the
// instruction that changed the value (the position before the change shows).
Stop reverse_continue(Cursor& t, StopConditions& conditions);
Stop go_to(Cursor& t, std::uint64_t position);
// gdb's until: like next_line, but a jump back to an earlier line of this frame (a loop)
// does not stop it: it stops at a line after the current one in this frame, or when the
// frame returns.
Stop until_next_line(Cursor& t);
// gdb's until LOCATION and advance LOCATION: forwards to one of [at], or until the
// current frame returns. [any_frame]: stop at [at] in calls made from here too (advance);
// otherwise only in this frame or an outer one (until).
Stop advance_to(Cursor& t, const std::vector<CodeAddress>& at, bool any_frame);
// Makes the next backward move from here fast: replays up to here once, from the snapshot
// before, so that the cursor keeps a checkpoint close behind. Worth it where a session
// arrives without replaying and people then step back: the end of a run (a failure).
void prepare_to_step_back(Cursor& t);

}  // namespace pw::replay
