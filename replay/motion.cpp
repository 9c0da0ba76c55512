// Debugger moves over a cursor.
#include "motion.h"

#include <algorithm>

#include <fmt/format.h>

#include "object.h"
#include "place_access.h"

namespace pw::replay {
namespace {

std::uint32_t flat_index(const VmState& vm, CodeAddress a) {
  return static_cast<std::uint32_t>(vm.fn_runtime[a.fn].code - vm.code.data()) + a.ip;
}

std::uint32_t flat_ip(const VmState& vm) { return static_cast<std::uint32_t>(vm.top().ip - vm.code.data()); }

// Whether the top frame is at the first instruction of a run of instructions on one line.
bool at_line_start(const VmState& vm) {
  if (vm.status != RunStatus::Paused) return true;  // the end of the run is a place of its own
  const Frame& f = vm.top();
  const std::uint32_t ip = vm.ip_index(f);
  const auto& lines = vm.function_of(f).lines;
  // A compiled program's library code has no lines: stepping passes through it.
  if (ip < lines.size() && lines[ip] == 0 && vm.program().compiled) return false;
  return ip == 0 || ip >= lines.size() || lines[ip - 1] != lines[ip];
}

// Which positions a move may stop at, by call depth and line.
struct Target {
  std::uint32_t depth = UINT32_MAX;  // at this depth or shallower
  bool strictly_shallower = false;
  bool line_starts = false;          // only where a line run starts
  bool accepts(const VmState& vm) const {
    if (strictly_shallower ? vm.depth >= depth : vm.depth > depth) return false;
    return !line_starts || at_line_start(vm);
  }
};

// Stops at the first position after [start] that the target accepts, or records the
// latest such position before [start] when scanning backwards. Remembers the instruction
// run just before each position, to tell a return from an unwinding.
class TargetVisitor : public StepVisitor {
 public:
  TargetVisitor(Target target, std::uint64_t start, bool backward) : target_(target), start_(start), backward_(backward) {}
  bool visit(const VmState& vm, std::uint64_t position) override {
    bool stop = false;
    if (backward_) {
      if (position < start_ && target_.accepts(vm)) latest = position;
    } else if (position > start_ && target_.accepts(vm)) {
      stop = true;
      returned = last_op == Op::RETURN;
    }
    last_op = vm.status == RunStatus::Paused ? vm.top().ip->op : Op::HALT;
    return stop;
  }
  std::optional<std::uint64_t> latest;
  bool returned = false;
  Op last_op = Op::NIL;

 private:
  Target target_;
  std::uint64_t start_;
  bool backward_;
};

// Counts one more hit of a breakpoint or watchpoint; whether its hit condition lets that hit
// stop (or print, for a logpoint).
bool counts_as_stop(std::uint64_t& hits, const std::optional<HitCondition>& h) {
  ++hits;
  return !h || h->holds(hits);
}

// Breakpoints, watchpoints, catchpoints and logpoints. Forwards it stops at the first hit
// after [start] that its hit condition lets stop, and hands logpoint lines over as they come;
// backwards it collects every hit and line before [start] in its interval, for
// reverse_continue to weigh latest first.
class ConditionVisitor : public StepVisitor {
 public:
  // A hit seen backwards: [breakpoint] or [watchpoint] (ids, 0 for none) counts it when weighed.
  struct Candidate {
    Stop stop;
    Breakpoint* breakpoint = nullptr;
    Watchpoint* watchpoint = nullptr;
  };

  ConditionVisitor(const VmState& vm, StopConditions& c, std::uint64_t start, bool backward,
                   const std::vector<std::uint64_t>* changed)
      : conditions_(c), start_(start), backward_(backward), at_(vm.code.size() + 1, 0) {
    for (std::size_t i = 0; i < c.breakpoints.size(); ++i)
      if (c.breakpoints[i].enabled)
        for (const CodeAddress& a : c.breakpoints[i].addresses) at_[flat_index(vm, a)] = 1;
    for (Watchpoint& w : c.watchpoints) {
      if (!w.enabled) continue;
      if (w.access == Watchpoint::Access::Change) trackers_.emplace_back(&w, ChangeTracker(w.expression, changed));
      else accesses_.push_back(&w);
    }
    for (const Catchpoint& k : c.catchpoints) {
      if (!k.enabled) continue;
      if (k.on == Catchpoint::On::Throw) catch_throw_ = k.id;
      else if (k.on == Catchpoint::On::Uncaught) catch_uncaught_ = k.id;
      else catch_catch_ = k.id;
    }
    if (catch_throw_ || catch_uncaught_)
      for (std::size_t i = 0; i < vm.code.size(); ++i)
        if (vm.code[i].op == Op::THROW) at_[i] = 1;
  }

  bool visit(const VmState& vm, std::uint64_t position) override {
    if (first_position == UINT64_MAX) first_position = position;
    const Op previous = last_op_;
    last_op_ = vm.status == RunStatus::Paused ? vm.top().ip->op : Op::HALT;
    for (auto& [w, tracker] : trackers_) {
      if (!tracker.observe(vm, position)) continue;
      // The change shows at [position]; the instruction before made it.
      const std::uint64_t at = backward_ ? position - 1 : position;
      if (backward_ ? at >= start_ : at <= start_) continue;
      if (w->condition && !condition_holds(vm, *w->condition)) continue;
      Stop s{StopReason::Watchpoint, at, 0, tracker.last_change(), std::nullopt};
      s.change->watchpoint = w->id;
      if (backward_) {
        candidates.push_back({std::move(s), nullptr, w});
      } else if (counts_as_stop(w->hits, w->hit_condition)) {
        stop = std::move(s);
        return true;
      }
    }
    if (vm.status != RunStatus::Paused) return false;
    const bool in_range = backward_ ? position < start_ : position > start_;
    if (!in_range) return false;
    // A handler has just caught what the throw before threw.
    if (catch_catch_ && previous == Op::THROW && position > 0)
      if (found({Stop{StopReason::Caught, position, catch_catch_, std::nullopt, std::nullopt}})) return true;
    if (!accesses_.empty() && accessed(vm, position)) return true;
    if (!at_[flat_ip(vm)]) return false;
    if (vm.top().ip->op == Op::THROW) {
      if (catch_throw_ && found({Stop{StopReason::Thrown, position, catch_throw_, std::nullopt, std::nullopt}}))
        return true;
      if (catch_uncaught_ && vm.handlers.empty() &&
          found({Stop{StopReason::Thrown, position, catch_uncaught_, std::nullopt, std::nullopt}}))
        return true;
    }
    bool stopped = false;
    for (Breakpoint& b : conditions_.breakpoints) {
      if (!b.enabled || !breaks_here(vm, b)) continue;
      if (b.condition && !condition_holds(vm, *b.condition)) continue;
      if (b.log) {
        // Backwards, hits are counted latest first once the interval is weighed.
        if (backward_) logs.push_back({LogLine{position, b.id, b.log->format(vm, &frames_)}, &b});
        else if (counts_as_stop(b.hits, b.hit_condition) && conditions_.on_log)
          conditions_.on_log(LogLine{position, b.id, b.log->format(vm, &frames_)});
        continue;
      }
      if (!stopped && found({Stop{StopReason::Breakpoint, position, b.id, std::nullopt, std::nullopt}, &b, nullptr}))
        stopped = true;
    }
    return stopped;
  }

  struct Logged {
    LogLine line;
    Breakpoint* logpoint;
  };
  std::uint64_t first_position = UINT64_MAX;  // the first position visited
  std::vector<Candidate> candidates;           // backwards: the hits, in the order seen
  std::vector<Logged> logs;                    // backwards: the logpoint lines, in order
  Stop stop;                                   // forwards: where it stopped

 private:
  // A hit: forwards it is the stop when its hit condition allows; backwards a candidate.
  bool found(Candidate c) {
    if (backward_) {
      candidates.push_back(std::move(c));
      return false;
    }
    if (c.breakpoint && !counts_as_stop(c.breakpoint->hits, c.breakpoint->hit_condition)) return false;
    if (c.watchpoint && !counts_as_stop(c.watchpoint->hits, c.watchpoint->hit_condition)) return false;
    stop = std::move(c.stop);
    return true;
  }
  // Read and access watchpoints: the next instruction reads (or writes) the watched place.
  bool accessed(const VmState& vm, std::uint64_t position) {
    for (Watchpoint* w : accesses_) {
      const Value* place = w->expression.locate(vm, &frames_);
      if (!place) continue;
      const bool writes = w->access == Watchpoint::Access::Any && store_target(vm) == place;
      if (!writes && !reads_place(vm, place)) continue;
      if (w->condition && !condition_holds(vm, *w->condition)) continue;
      const ShownValue value = ShownValue::of(vm, EvalResult::of(*place));  // before and after alike
      Stop s{StopReason::Access, position, 0, Change{w->id, position, value, value}, std::nullopt};
      s.writes = writes;
      if (found({std::move(s), nullptr, w})) return true;
    }
    return false;
  }
  static bool breaks_here(const VmState& vm, const Breakpoint& b) {
    const Frame& f = vm.top();
    const std::uint32_t ip = vm.ip_index(f);
    for (const CodeAddress& a : b.addresses)
      if (a.fn == f.fn && a.ip == ip) return true;
    return false;
  }
  bool condition_holds(const VmState& vm, const Expression& e) {
    const EvalResult r = e.evaluate(vm, &frames_);
    return r.available && r.value.truthy();
  }

  StopConditions& conditions_;
  std::uint64_t start_;
  bool backward_;
  std::vector<std::uint8_t> at_;  // by flat instruction index: a breakpoint or a throw is there
  std::vector<std::pair<Watchpoint*, ChangeTracker>> trackers_;
  std::vector<Watchpoint*> accesses_;  // read and access watchpoints
  ActiveFrames frames_;  // for conditions that read FUNCTION::NAME, checked at every hit
  int catch_throw_ = 0;  // the catchpoints' ids (0: none)
  int catch_catch_ = 0;
  int catch_uncaught_ = 0;
  Op last_op_ = Op::NIL;
};

Stop stop_at(Cursor& t, StopReason reason) { return Stop{reason, t.position(), 0, std::nullopt, std::nullopt}; }

// The reason a forward run that [stopped] (or not) ends with.
StopReason forward_end(bool stopped, StopReason reason) {
  if (interrupted()) return StopReason::Interrupted;
  return stopped ? reason : StopReason::End;
}

Stop forward_to(Cursor& t, Target target, StopReason reason) {
  if (t.at_end()) return stop_at(t, StopReason::End);
  TargetVisitor v(target, t.position(), false);
  const bool stopped = t.run_forward(UINT64_MAX, &v);
  Stop s = stop_at(t, forward_end(stopped, reason));
  if (s.reason == StopReason::Returned && v.returned && t.state().sp > t.state().stack)
    s.returned = ShownValue::of(t.state(), EvalResult::of(t.state().sp[-1]));
  return s;
}

// Back to the latest earlier position the target accepts, stopping there for [reason];
// at the first position when there is none.
Stop back_to(Cursor& t, Target target, StopReason reason) {
  if (t.position() <= t.start()) return stop_at(t, StopReason::Start);
  const std::uint64_t start = t.position();
  const auto hit = search_backward(
      t, start, [&] { return TargetVisitor(target, start, true); }, [](const TargetVisitor& v) { return v.latest; });
  if (hit) return stop_at(t, reason);
  if (interrupted()) return stop_at(t, StopReason::Interrupted);
  t.seek(t.start());
  return stop_at(t, StopReason::Start);
}

Target this_frame_or_out(const Cursor& t, bool line_starts) { return Target{t.state().depth, false, line_starts}; }

}  // namespace

std::string start_stop_text(std::uint64_t first) {
  if (first == 0) return "At step 0: no history before the start of the run";
  return fmt::format("At step {}: the start of the recorded window; the trace keeps nothing earlier", first);
}

Stop step_forward(Cursor& t, std::uint64_t count) {
  if (t.at_end()) return stop_at(t, StopReason::End);
  const std::uint64_t target = t.end() - t.position() < count && t.finished() ? t.end() : t.position() + count;
  t.seek(target);
  if (interrupted()) return stop_at(t, StopReason::Interrupted);
  return stop_at(t, t.position() < target ? StopReason::End : StopReason::Step);
}

Stop step_backward(Cursor& t, std::uint64_t count) {
  if (t.position() <= t.start()) return stop_at(t, StopReason::Start);
  t.seek(t.position() - t.start() < count ? t.start() : t.position() - count);
  return stop_at(t, StopReason::Step);
}

Stop next_instruction(Cursor& t) { return forward_to(t, this_frame_or_out(t, false), StopReason::Step); }
Stop reverse_next_instruction(Cursor& t) { return back_to(t, this_frame_or_out(t, false), StopReason::Step); }
Stop step_line(Cursor& t) { return forward_to(t, Target{UINT32_MAX, false, true}, StopReason::Step); }
Stop next_line(Cursor& t) { return forward_to(t, this_frame_or_out(t, true), StopReason::Step); }
Stop reverse_step_line(Cursor& t) { return back_to(t, Target{UINT32_MAX, false, true}, StopReason::Step); }
Stop reverse_next_line(Cursor& t) { return back_to(t, this_frame_or_out(t, true), StopReason::Step); }

Stop finish(Cursor& t, std::uint32_t level) {
  const VmState& vm = t.state();
  if (level >= vm.depth || vm.depth - level <= 1)
    throw MotionError("\"finish\" is not meaningful in the outermost frame");
  const std::uint32_t depth = vm.depth - level;
  const std::uint32_t fn = vm.frames[depth - 1].fn;
  // One run to where the frame is gone: a return from it, or an exception that unwound it
  // (however many frames above it went with it).
  Stop s = forward_to(t, Target{depth, true, false}, StopReason::Returned);
  s.frame_fn = fn;
  return s;
}

Stop reverse_finish(Cursor& t) {
  if (t.state().depth <= 1) throw MotionError("\"reverse-finish\" is not meaningful in the outermost frame");
  const std::uint32_t fn = t.state().top().fn;
  Stop s = back_to(t, Target{t.state().depth, true, false}, StopReason::CallSite);
  s.frame_fn = fn;
  return s;
}

std::optional<Stop> breakpoint_here(Cursor& t, StopConditions& c) {
  const VmState& vm = t.state();
  if ((vm.status != RunStatus::Paused && vm.status != RunStatus::Ready) || vm.depth == 0) return std::nullopt;
  const Frame& f = vm.top();
  const std::uint32_t ip = vm.ip_index(f);
  ActiveFrames frames;
  for (Breakpoint& b : c.breakpoints) {
    if (!b.enabled || b.log) continue;
    bool here = false;
    for (const CodeAddress& a : b.addresses) here |= a.fn == f.fn && a.ip == ip;
    if (!here) continue;
    if (b.condition) {
      const EvalResult r = b.condition->evaluate(vm, &frames);
      if (!r.available || !r.value.truthy()) continue;
    }
    if (!counts_as_stop(b.hits, b.hit_condition)) continue;
    return Stop{StopReason::Breakpoint, t.position(), b.id, std::nullopt, std::nullopt};
  }
  return std::nullopt;
}

Stop continue_forward(Cursor& t, StopConditions& c) {
  if (t.at_end()) return stop_at(t, StopReason::End);
  const std::vector<std::uint64_t> changed = c.watchpoints.empty() ? std::vector<std::uint64_t>() : t.changed_positions();
  ConditionVisitor v(t.state(), c, t.position(), false, &changed);
  const bool stopped = t.run_forward(UINT64_MAX, &v);
  if (interrupted()) return stop_at(t, StopReason::Interrupted);
  if (!stopped) return stop_at(t, StopReason::End);
  for (Catchpoint& k : c.catchpoints)
    if ((v.stop.reason == StopReason::Thrown || v.stop.reason == StopReason::Caught) && k.id == v.stop.breakpoint) ++k.hits;
  return v.stop;
}

Stop reverse_continue(Cursor& t, StopConditions& c) {
  if (t.position() <= t.start()) return stop_at(t, StopReason::Start);
  const std::uint64_t start = t.position();
  // Intervals come latest first; each one's hits are weighed latest first, so hit counts
  // run in reverse order of the run. [upper]: where the interval after this one began (the
  // two share that position, which only the later one weighs).
  std::uint64_t upper = start;
  const std::vector<std::uint64_t> changed = c.watchpoints.empty() ? std::vector<std::uint64_t>() : t.changed_positions();
  std::optional<Stop> found;
  std::vector<std::vector<LogLine>> logs;  // by interval, latest first
  const auto weigh = [&](ConditionVisitor& v) -> std::optional<std::uint64_t> {
    auto& cs = v.candidates;
    std::stable_sort(cs.begin(), cs.end(), [](const auto& a, const auto& b) { return a.stop.position < b.stop.position; });
    for (auto it = cs.rbegin(); it != cs.rend() && !found; ++it) {
      if (it->stop.position >= upper) continue;
      if (it->breakpoint && !counts_as_stop(it->breakpoint->hits, it->breakpoint->hit_condition)) continue;
      if (it->watchpoint && !counts_as_stop(it->watchpoint->hits, it->watchpoint->hit_condition)) continue;
      found = it->stop;
    }
    // The lines of the steps passed, counted latest first, kept in the order of the run.
    std::vector<LogLine> lines;
    for (auto it = v.logs.rbegin(); it != v.logs.rend(); ++it) {
      const std::uint64_t p = it->line.position;
      if (p >= upper || (found && p < found->position)) continue;
      if (!counts_as_stop(it->logpoint->hits, it->logpoint->hit_condition)) continue;
      lines.push_back(std::move(it->line));
    }
    std::reverse(lines.begin(), lines.end());
    logs.push_back(std::move(lines));
    upper = std::min(upper, v.first_position);
    return found ? std::optional<std::uint64_t>(found->position) : std::nullopt;
  };
  const auto hit = search_backward(
      t, start, [&] { return ConditionVisitor(t.state(), c, start, true, &changed); }, weigh);
  // The lines of the steps passed, in the order of the run.
  if (c.on_log)
    for (auto interval = logs.rbegin(); interval != logs.rend(); ++interval)
      for (const LogLine& l : *interval) c.on_log(l);
  if (!hit) {
    if (interrupted()) return stop_at(t, StopReason::Interrupted);
    t.seek(t.start());
    return stop_at(t, StopReason::Start);
  }
  for (Catchpoint& k : c.catchpoints)
    if ((found->reason == StopReason::Thrown || found->reason == StopReason::Caught) && k.id == found->breakpoint) ++k.hits;
  return *found;
}

namespace {

// Forwards from [start] to a position [accepts] takes, or the end of the current frame.
template <class Accepts>
class UntilVisitor : public StepVisitor {
 public:
  UntilVisitor(std::uint64_t start, std::uint32_t depth, Accepts accepts) : start_(start), depth_(depth), accepts_(accepts) {}
  bool visit(const VmState& vm, std::uint64_t position) override {
    if (position <= start_) return false;
    if (vm.status != RunStatus::Paused || vm.depth < depth_) return true;  // the frame is gone
    return accepts_(vm);
  }

 private:
  std::uint64_t start_;
  std::uint32_t depth_;
  Accepts accepts_;
};

template <class Accepts>
Stop run_until(Cursor& t, Accepts accepts) {
  if (t.at_end()) return stop_at(t, StopReason::End);
  UntilVisitor<Accepts> v(t.position(), t.state().depth, accepts);
  const bool stopped = t.run_forward(UINT64_MAX, &v);
  return stop_at(t, forward_end(stopped, StopReason::Step));
}

}  // namespace

Stop until_next_line(Cursor& t) {
  const VmState& vm = t.state();
  if (vm.depth == 0 || vm.status != RunStatus::Paused) return next_line(t);
  const std::uint64_t frame = vm.top().id;
  const Function& fn = vm.function_of(vm.top());
  const std::uint32_t ip = vm.ip_index(vm.top());
  const std::uint32_t line = ip < fn.lines.size() ? fn.lines[ip] : fn.line;
  return run_until(t, [frame, line](const VmState& s) {
    if (s.top().id != frame || !at_line_start(s)) return false;
    const Function& f = s.function_of(s.top());
    const std::uint32_t i = s.ip_index(s.top());
    return (i < f.lines.size() ? f.lines[i] : f.line) > line;
  });
}

Stop advance_to(Cursor& t, const std::vector<CodeAddress>& at, bool any_frame) {
  const std::uint32_t depth = t.state().depth;
  return run_until(t, [&at, any_frame, depth](const VmState& s) {
    if (!any_frame && s.depth > depth) return false;
    const std::uint32_t ip = s.ip_index(s.top());
    for (const CodeAddress& a : at)
      if (a.fn == s.top().fn && a.ip == ip) return true;
    return false;
  });
}

void prepare_to_step_back(Cursor& t) {
  const std::uint64_t here = t.position();
  if (here <= t.start()) return;
  t.seek(here - 1);
  t.seek(here);
}

Stop go_to(Cursor& t, std::uint64_t position) {
  t.seek(position);
  if (interrupted()) return stop_at(t, StopReason::Interrupted);
  return stop_at(t, t.at_end() ? StopReason::End : StopReason::Step);
}

}  // namespace pw::replay
