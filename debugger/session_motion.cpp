// The session's moves, forwards and backwards, and how a stop is reported.
#include <optional>

#include <fmt/format.h>

#include "command_args.h"
#include "expression.h"
#include "queries.h"
#include "replay_progress.h"
#include "session.h"

namespace pw::debugger {
namespace {

using replay::StopReason;

// The breakpoint, watchpoint or catchpoint a stop is at (0: none).
int point_of(const replay::Stop& stop) {
  switch (stop.reason) {
    case StopReason::Breakpoint:
    case StopReason::Thrown:
    case StopReason::Caught: return stop.breakpoint;
    case StopReason::Watchpoint:
    case StopReason::Access: return stop.change ? stop.change->watchpoint : 0;
    default: return 0;
  }
}

std::uint64_t count_of(std::string_view args) {
  if (args.empty()) return 1;
  const auto n = parse_number(args);
  if (!n || *n == 0) throw CommandError(fmt::format("\"{}\" is not a count (a number from 1 up)", args));
  return *n;
}

}  // namespace

template <class Move>
void Session::move(std::string_view args, bool backward, Move move_once, bool through_hits, std::string_view done) {
  const std::uint64_t count = count_of(args);
  replay::interrupt_flag().store(false);
  const replay::Location before = cursor_.where();
  const VmState& vm = cursor_.state();
  const std::uint64_t before_frame = vm.depth ? vm.top().id : 0;
  replay::Stop stop;
  // A long move shows a progress line on the terminal, erased before the stop is told.
  std::optional<term::ProgressLine> progress(std::in_place, backward ? "searching back" : "running",
                                             term::move_progress(cursor_, backward));
  for (std::uint64_t i = 0; i < count; ++i) {
    stop = move_once();
    // ignore N COUNT: a hit of N passes while its count lasts.
    if (const int id = point_of(stop); id != 0)
      if (const auto ignore = ignore_counts_.find(id); ignore != ignore_counts_.end()) {
        if (--ignore->second == 0) ignore_counts_.erase(ignore);
        --i;
        continue;
      }
    const bool go_on = stop.reason == StopReason::Step ||
                       (through_hits && stop.reason != StopReason::End && stop.reason != StopReason::Start &&
                        stop.reason != StopReason::Interrupted);
    if (!go_on) break;
  }
  progress.reset();
  selected_frame_ = 0;
  list_next_ = list_first_ = 0;
  ++moves_;
  // A stop at a point with a command list: the list runs after this command (silent first:
  // nothing is said of the stop).
  const int point = point_of(stop);
  const auto list = point ? stop_commands_.find(point) : stop_commands_.end();
  const bool silent = list != stop_commands_.end() && !list->second.empty() && trim(list->second.front()) == "silent";
  if (list != stop_commands_.end()) pending_stop_ = point;
  muted_ = silent;
  report(stop, before, before_frame, backward, done);
  show_displays();
  muted_ = false;
  std::fflush(out_);
  // At the end of the run (a failure, often) the next move tends to be backwards.
  if (!backward && stop.reason == StopReason::End) replay::prepare_to_step_back(cursor_);
}

void Session::cmd_run(std::string_view args) {
  if (!args.empty())
    throw CommandError("\"run\" takes no arguments here: give the program's arguments after -- on the command line");
  if (cursor_.position() != cursor_.start()) {
    replay::go_to(cursor_, cursor_.start());
    say("Running again from step {}{}.\n", cursor_.start(),
        live_ ? " (the steps already run are replayed from the recording)"
        : cursor_.start() ? " (the start of the recorded window)" : "");
  }
  // A breakpoint on the first instruction stops the run where it starts, as in gdb.
  bool first = true;
  move({}, false, [&] {
    if (std::exchange(first, false))
      if (auto here = replay::breakpoint_here(cursor_, conditions_)) return *here;
    return replay::continue_forward(cursor_, conditions_);
  });
}

void Session::cmd_continue(std::string_view args) {
  move(args, false, [&] { return replay::continue_forward(cursor_, conditions_); }, true);
}
void Session::cmd_reverse_continue(std::string_view args) {
  move(args, true, [&] { return replay::reverse_continue(cursor_, conditions_); }, true);
}
void Session::cmd_step(std::string_view args) {
  move(args, false, [&] { return replay::step_line(cursor_); });
}
void Session::cmd_next(std::string_view args) {
  move(args, false, [&] { return replay::next_line(cursor_); });
}
void Session::cmd_stepi(std::string_view args) {
  move(args, false, [&] { return replay::step_forward(cursor_, 1); });
}
void Session::cmd_nexti(std::string_view args) {
  move(args, false, [&] { return replay::next_instruction(cursor_); });
}
void Session::cmd_reverse_step(std::string_view args) {
  move(args, true, [&] { return replay::reverse_step_line(cursor_); });
}
void Session::cmd_reverse_next(std::string_view args) {
  move(args, true, [&] { return replay::reverse_next_line(cursor_); });
}
void Session::cmd_reverse_stepi(std::string_view args) {
  move(args, true, [&] { return replay::step_backward(cursor_, 1); });
}
void Session::cmd_reverse_nexti(std::string_view args) {
  move(args, true, [&] { return replay::reverse_next_instruction(cursor_); });
}

void Session::cmd_finish(std::string_view args) {
  if (!args.empty()) throw CommandError("\"finish\" takes no arguments");
  // Out of the selected frame, as gdb does (the frames below it end on the way).
  const std::uint32_t level = selected_frame_;
  move({}, false, [&] { return replay::finish(cursor_, level); });
}

void Session::cmd_reverse_finish(std::string_view args) {
  if (!args.empty()) throw CommandError("\"reverse-finish\" takes no arguments");
  move({}, true, [&] { return replay::reverse_finish(cursor_); });
}

void Session::cmd_until(std::string_view args) {
  if (args.empty()) return move({}, false, [&] { return replay::until_next_line(cursor_); });
  const replay::Breakpoint at = replay::make_breakpoint(cursor_.program(), args);
  move({}, false, [&] { return replay::advance_to(cursor_, at.addresses, false); }, false, "Run until " + at.description);
}

void Session::cmd_advance(std::string_view args) {
  if (args.empty()) throw CommandError("\"advance\" needs a location: FUNCTION, FILE:LINE or LINE");
  const replay::Breakpoint at = replay::make_breakpoint(cursor_.program(), args);
  move({}, false, [&] { return replay::advance_to(cursor_, at.addresses, true); }, false, "Advanced to " + at.description);
}

void Session::cmd_restart(std::string_view args) {
  const auto n = parse_number(args);
  if (!n) throw CommandError("\"restart\" needs a checkpoint number (info checkpoints lists them)");
  const auto it = checkpoints_.find(static_cast<int>(std::min<std::uint64_t>(*n, INT32_MAX)));
  if (it == checkpoints_.end()) throw CommandError(fmt::format("no checkpoint number {}", *n));
  const std::uint64_t target = it->second;
  move({}, target < cursor_.position(), [&] { return replay::go_to(cursor_, target); }, false, "Jumped");
}

void Session::cmd_goto(std::string_view args) {
  std::uint64_t target = 0;
  if (args == "end" && !cursor_.finished()) {
    // A live run's end is not known until it gets there: run to it, ignoring breakpoints.
    replay::StopConditions none;
    move({}, false, [&] { return replay::continue_forward(cursor_, none); });
    return;
  }
  if (args == "end") {
    target = cursor_.end();
  } else if (args == "start") {
    target = cursor_.start();
  } else if (const auto n = parse_number(args)) {
    target = *n;
  } else {
    throw CommandError(args.empty() ? "\"goto\" needs a step: a number, start or end"
                                    : fmt::format("\"{}\" is not a step (a number, start or end)", args));
  }
  if (target < cursor_.start()) throw CommandError(replay::before_window_message(target, cursor_.start()));
  move({}, target < cursor_.position(), [&] { return replay::go_to(cursor_, target); }, false, "Jumped");
}

void Session::cmd_last(std::string_view args) {
  if (args.empty()) throw CommandError("\"last\" needs an expression: the place whose last write to find");
  const replay::Expression e = replay::Expression::compile(args, cursor_.program());
  replay::interrupt_flag().store(false);
  const std::uint64_t from = cursor_.position();
  const auto found = replay::last_write(cursor_, e, from);
  selected_frame_ = 0;
  list_next_ = list_first_ = 0;
  if (!found) {
    if (replay::interrupted()) say("Interrupted\n");
    else if (cursor_.start() > 0)
      say("Nothing wrote {} between step {}, where the recorded window starts, and step {}\n", e.text(), cursor_.start(), from);
    else say("Nothing wrote {} before step {}\n", e.text(), from);
    print_where();
    return;
  }
  const std::string change = fmt::format("{} -> {}", found->change.old_value.text(), found->change.new_value.text());
  say("Last write to {} before step {}: {} (the next instruction writes it)\n", e.text(), from, change);
  log_.add(DebugEventKind::StepCompleted, cursor_.position(), fmt::format("last write to {}: {}", e.text(), change));
  print_where();
  show_displays();
}

void Session::report(const replay::Stop& stop, const replay::Location& before, std::uint64_t before_frame,
                     bool backward, std::string_view done) {
  const VmState& vm = cursor_.state();
  const std::uint64_t at = cursor_.position();
  const Program& program = cursor_.program();
  last_stop_ = stop;
  const auto fn_name = [&](std::uint32_t fn) { return fn < program.functions.size() ? program.functions[fn].name : "?"; };
  const auto top_value = [&] { return vm.sp > vm.stack ? value_text(vm.sp[-1]) : std::string("?"); };
  switch (stop.reason) {
    case StopReason::Breakpoint: {
      std::string what;
      for (const replay::Breakpoint& b : conditions_.breakpoints)
        if (b.id == stop.breakpoint) what = b.description;
      const bool temporary = temporary_.count(stop.breakpoint) > 0;
      say("{} {}, {}\n", temporary ? "Temporary breakpoint" : "Breakpoint", stop.breakpoint, what);
      log_.add(DebugEventKind::BreakpointHit, at, fmt::format("breakpoint {} at {}", stop.breakpoint, what));
      if (temporary) {
        std::erase_if(conditions_.breakpoints, [&](const replay::Breakpoint& b) { return b.id == stop.breakpoint; });
        temporary_.erase(stop.breakpoint);
      }
      break;
    }
    case StopReason::Watchpoint: {
      std::string what;
      for (const replay::Watchpoint& w : conditions_.watchpoints)
        if (w.id == stop.change->watchpoint) what = w.expression.text();
      const std::string change = fmt::format("{}: {} -> {}", what, stop.change->old_value.text(), stop.change->new_value.text());
      say("Watchpoint {}, {}{}\n", stop.change->watchpoint, change,
          backward ? " (the next instruction makes the change)" : "");
      log_.add(DebugEventKind::WatchpointTriggered, at, fmt::format("watchpoint {}, {}", stop.change->watchpoint, change));
      break;
    }
    case StopReason::Access: {
      std::string what;
      const char* kind = "read";
      for (const replay::Watchpoint& w : conditions_.watchpoints)
        if (w.id == stop.change->watchpoint) {
          what = w.expression.text();
          if (w.access == replay::Watchpoint::Access::Any) kind = "access";
        }
      const std::string seen = fmt::format("{} = {}", what, stop.change->new_value.text());
      say("Watchpoint {} ({}), {} (the next instruction {} it)\n", stop.change->watchpoint, kind, seen,
          stop.writes ? "writes" : "reads");
      log_.add(DebugEventKind::WatchpointTriggered, at,
               fmt::format("watchpoint {}, {} {}", stop.change->watchpoint, stop.writes ? "write of" : "read of", seen));
      break;
    }
    case StopReason::Thrown:
      say("Catchpoint {}, exception thrown: {}\n", stop.breakpoint, top_value());
      log_.add(DebugEventKind::ExceptionThrown, at, fmt::format("{} thrown in {}", top_value(), fn_name(vm.top().fn)));
      break;
    case StopReason::Caught:
      say("Catchpoint {}, exception caught: {}\n", stop.breakpoint, top_value());
      log_.add(DebugEventKind::ExceptionCaught, at, fmt::format("{} caught in {}", top_value(), fn_name(vm.top().fn)));
      break;
    case StopReason::Returned: {
      const std::string value = stop.returned ? fmt::format("returned {}", stop.returned->text())
                                              : std::string("left by an exception");
      say("Left {}, {}\n", fn_name(stop.frame_fn), value);
      log_.add(DebugEventKind::FunctionExit, at, fmt::format("{} {}", fn_name(stop.frame_fn), value));
      break;
    }
    case StopReason::CallSite:
      say("Back at the call of {}\n", fn_name(stop.frame_fn));
      log_.add(DebugEventKind::StepCompleted, at, fmt::format("reverse-finish out of {}", fn_name(stop.frame_fn)));
      break;
    case StopReason::Step: {
      // Forwards, a step may have entered a function or left one.
      bool still_active = false;
      for (std::uint32_t d = 0; d < vm.depth; ++d) still_active |= vm.frames[d].id == before_frame;
      const bool jumped = done == "Jumped";
      const bool entered = !backward && !jumped && vm.depth > 0 && vm.top().id > before_frame && vm.ip_index(vm.top()) == 0;
      const bool left = !backward && !jumped && before_frame != 0 && !still_active;
      if (left) {
        say("Left {}\n", fn_name(before.fn));
        log_.add(DebugEventKind::FunctionExit, at, fmt::format("{} returned to {}", fn_name(before.fn),
                                                                vm.depth ? fn_name(vm.top().fn) : "the VM"));
      }
      if (entered) {
        say("Entered {}\n", fn_name(vm.top().fn));
        log_.add(DebugEventKind::FunctionEntry, at, fmt::format("{} called", fn_name(vm.top().fn)));
      }
      if (jumped) say("Jumped to step {}\n", at);
      else if (!entered && !left) say("{}\n", done);
      log_.add(DebugEventKind::StepCompleted, at, fmt::format("{} from step {}", jumped ? "goto" : "step", before.position));
      break;
    }
    case StopReason::Start: say("{}\n", replay::start_stop_text(cursor_.start())); break;
    case StopReason::End:
      if (vm.status == RunStatus::Halted) {
        say("The run halted with {}\n", value_text(vm.result));
      } else if (vm.status == RunStatus::Failed && vm.error) {
        say("The run failed: {}\n", vm.error->headline());
        if (vm.error->kind == ErrorKind::UncaughtException)
          log_.add(DebugEventKind::ExceptionThrown, at, fmt::format("uncaught: {}", vm.error->message));
      } else {
        say("The recording ends here: the run was stopped at step {}\n", vm.step);
      }
      break;
    case StopReason::Interrupted: say("Interrupted\n"); break;
  }
  print_where();
}

}  // namespace pw::debugger
