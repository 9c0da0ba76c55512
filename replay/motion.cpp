// Debugger moves over the timeline.
#include "motion.h"

#include <fmt/format.h>

#include "object.h"

namespace pw::replay {
namespace {

std::uint32_t flat_index(const VmState& vm, CodeAddress a) {
  return static_cast<std::uint32_t>(vm.fn_runtime[a.fn].code - vm.code.data()) + a.ip;
}

std::uint32_t flat_ip(const VmState& vm) { return static_cast<std::uint32_t>(vm.top().ip - vm.code.data()); }

// Stops at the first position after [start] whose call depth passes [accept], or records
// the latest such position before [before] when scanning backwards. Remembers the
// instruction run just before each position, to tell a return from an unwinding.
class DepthVisitor : public StepVisitor {
 public:
  DepthVisitor(std::uint32_t depth, bool strictly_shallower, std::uint64_t start, bool backward)
      : depth_(depth), strict_(strictly_shallower), start_(start), backward_(backward) {}
  bool visit(const VmState& vm, std::uint64_t position) override {
    const bool ok = strict_ ? vm.depth < depth_ : vm.depth <= depth_;
    bool stop = false;
    if (backward_) {
      if (ok && position < start_) latest = position;
    } else if (ok && position > start_) {
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
  std::uint32_t depth_;
  bool strict_;
  std::uint64_t start_;
  bool backward_;
};

// Breakpoints and watchpoints. Forwards it stops at the first hit after [start];
// backwards it records the latest stop position before [start].
class ConditionVisitor : public StepVisitor {
 public:
  ConditionVisitor(const VmState& vm, StopConditions& c, std::uint64_t start, bool backward)
      : conditions_(c), start_(start), backward_(backward), at_(vm.code.size() + 1, 0) {
    for (std::size_t i = 0; i < c.breakpoints.size(); ++i)
      if (c.breakpoints[i].enabled)
        for (const CodeAddress& a : c.breakpoints[i].addresses) at_[flat_index(vm, a)] = 1;
    for (const Watchpoint& w : c.watchpoints)
      if (w.enabled) trackers_.emplace_back(w.id, ChangeTracker(w.expression));
  }

  bool visit(const VmState& vm, std::uint64_t position) override {
    bool hit = false;
    for (auto& [id, tracker] : trackers_) {
      if (!tracker.observe(vm, position)) continue;
      if (backward_) {
        if (position - 1 < start_ && (!latest || position - 1 >= *latest)) {
          latest = position - 1;
          stop = Stop{StopReason::Watchpoint, position - 1, 0, tracker.last_change(), std::nullopt};
          stop.change->watchpoint = id;
        }
      } else if (position > start_ && !hit) {
        hit = true;
        stop = Stop{StopReason::Watchpoint, position, 0, tracker.last_change(), std::nullopt};
        stop.change->watchpoint = id;
      }
    }
    if (hit) return true;
    if (vm.status != RunStatus::Paused) return false;
    const bool in_range = backward_ ? position < start_ : position > start_;
    if (!in_range || !at_[flat_ip(vm)]) return false;
    for (Breakpoint& b : conditions_.breakpoints) {
      if (!b.enabled || !breaks_here(vm, b)) continue;
      if (b.condition && !condition_holds(vm, *b.condition)) continue;
      if (backward_) {
        if (!latest || position >= *latest) {
          latest = position;
          stop = Stop{StopReason::Breakpoint, position, b.id, std::nullopt, std::nullopt};
        }
        return false;
      }
      ++b.hits;
      stop = Stop{StopReason::Breakpoint, position, b.id, std::nullopt, std::nullopt};
      return true;
    }
    return false;
  }

  std::optional<std::uint64_t> latest;
  Stop stop;

 private:
  static bool breaks_here(const VmState& vm, const Breakpoint& b) {
    const Frame& f = vm.top();
    const std::uint32_t ip = vm.ip_index(f);
    for (const CodeAddress& a : b.addresses)
      if (a.fn == f.fn && a.ip == ip) return true;
    return false;
  }
  static bool condition_holds(const VmState& vm, const Expression& e) {
    const EvalResult r = e.evaluate(vm);
    return r.available && r.value.truthy();
  }

  StopConditions& conditions_;
  std::uint64_t start_;
  bool backward_;
  std::vector<std::uint8_t> at_;  // by flat instruction index: some breakpoint is there
  std::vector<std::pair<int, ChangeTracker>> trackers_;
};

Stop stop_at(Timeline& t, StopReason reason) { return Stop{reason, t.position(), 0, std::nullopt, std::nullopt}; }

// Back to the latest earlier position at the current call depth or shallower ([strictly]:
// shallower), stopping there for [reason]; at step 0 when there is none.
Stop back_to_depth(Timeline& t, bool strictly, StopReason reason) {
  const std::uint32_t depth = t.state().depth;
  const std::uint64_t start = t.position();
  const auto hit = t.search_backward(
      start, [&] { return DepthVisitor(depth, strictly, start, true); }, [](const DepthVisitor& v) { return v.latest; });
  if (hit) return stop_at(t, reason);
  t.seek(0);
  return stop_at(t, StopReason::Start);
}

}  // namespace

Stop step_forward(Timeline& t, std::uint64_t count) {
  if (t.position() >= t.end()) return stop_at(t, StopReason::End);
  t.seek(t.end() - t.position() < count ? t.end() : t.position() + count);
  return stop_at(t, StopReason::Step);
}

Stop step_backward(Timeline& t, std::uint64_t count) {
  if (t.position() == 0) return stop_at(t, StopReason::Start);
  t.seek(t.position() < count ? 0 : t.position() - count);
  return stop_at(t, StopReason::Step);
}

Stop next(Timeline& t) {
  if (t.position() >= t.end()) return stop_at(t, StopReason::End);
  DepthVisitor v(t.state().depth, false, t.position(), false);
  return stop_at(t, t.run_forward(t.end(), &v) ? StopReason::Step : StopReason::End);
}

Stop reverse_next(Timeline& t) {
  if (t.position() == 0) return stop_at(t, StopReason::Start);
  return back_to_depth(t, false, StopReason::Step);
}

Stop finish(Timeline& t) {
  if (t.state().depth <= 1) throw MotionError("\"finish\" is not meaningful in the outermost frame");
  if (t.position() >= t.end()) return stop_at(t, StopReason::End);
  DepthVisitor v(t.state().depth, true, t.position(), false);
  const bool stopped = t.run_forward(t.end(), &v);
  Stop s = stop_at(t, stopped ? StopReason::Returned : StopReason::End);
  if (stopped && v.returned && t.state().sp > t.state().stack) {
    s.returned = ShownValue::of(t.state(), EvalResult::of(t.state().sp[-1]));
  }
  return s;
}

Stop reverse_finish(Timeline& t) {
  if (t.state().depth <= 1) throw MotionError("\"reverse-finish\" is not meaningful in the outermost frame");
  return back_to_depth(t, true, StopReason::CallSite);
}

Stop continue_forward(Timeline& t, StopConditions& c) {
  if (t.position() >= t.end()) return stop_at(t, StopReason::End);
  ConditionVisitor v(t.state(), c, t.position(), false);
  if (t.run_forward(t.end(), &v)) return v.stop;
  return stop_at(t, StopReason::End);
}

Stop reverse_continue(Timeline& t, StopConditions& c) {
  if (t.position() == 0) return stop_at(t, StopReason::Start);
  const std::uint64_t start = t.position();
  Stop found;
  const auto hit = t.search_backward(
      start, [&] { return ConditionVisitor(t.state(), c, start, true); },
      [&](const ConditionVisitor& v) {
        if (v.latest) found = v.stop;
        return v.latest;
      });
  if (!hit) {
    t.seek(0);
    return stop_at(t, StopReason::Start);
  }
  for (Breakpoint& b : c.breakpoints)
    if (b.id == found.breakpoint && found.reason == StopReason::Breakpoint) ++b.hits;
  return found;
}

Stop go_to(Timeline& t, std::uint64_t position) {
  t.seek(position);
  return stop_at(t, StopReason::Step);
}

}  // namespace pw::replay
