// Whole-run queries: watch, last-write and calls, each a visitor over re-executed positions.
#include "queries.h"

#include <algorithm>

#include "disassembler.h"
#include "object.h"
#include "place_access.h"

namespace pw::replay {
namespace {

struct Site {
  std::uint64_t position = 0;
  std::uint32_t fn = 0;
  std::uint32_t ip = 0;
};

Site site_of(const VmState& vm, std::uint64_t position) {
  const Frame& f = vm.top();
  return {position, f.fn, vm.ip_index(f)};
}

CodeSite describe_site(const Program& p, const Site& s) {
  CodeSite c;
  c.position = s.position;
  c.fn = s.fn;
  c.ip = s.ip;
  const Function& fn = p.functions[s.fn];
  c.line = s.ip < fn.lines.size() ? fn.lines[s.ip] : fn.line;
  return c;
}

ShownValue shown(const VmState& vm, const Value& v) {
  EvalResult r = EvalResult::of(v);
  return ShownValue::of(vm, r);
}

class WatchVisitor : public StepVisitor {
 public:
  WatchVisitor(const Program& p, const Expression& e, ShownValue& initial,
               const std::function<bool(const ChangeReport&)>& on_change, const std::vector<std::uint64_t>* changed)
      : program_(p), tracker_(e, changed), initial_(initial), on_change_(on_change) {}
  bool visit(const VmState& vm, std::uint64_t position) override {
    bool stop = false;
    if (!started_) {
      started_ = true;
      tracker_.observe(vm, position);
      initial_ = ShownValue::of(vm, tracker_.current());
    } else if (tracker_.observe(vm, position)) {
      stop = !on_change_(ChangeReport{tracker_.last_change(), describe_site(program_, previous_)});
    }
    if (vm.status == RunStatus::Paused) previous_ = site_of(vm, position);
    return stop;
  }

 private:
  const Program& program_;
  ChangeTracker tracker_;
  ShownValue& initial_;
  const std::function<bool(const ChangeReport&)>& on_change_;
  bool started_ = false;
  Site previous_;
};

// Records the latest store into the watched place, or change of its value, before [before].
class LastWriteVisitor : public StepVisitor {
 public:
  LastWriteVisitor(const Expression& e, std::uint64_t before, const std::vector<std::uint64_t>* changed)
      : expression_(e), tracker_(e, changed), before_(before) {}
  bool visit(const VmState& vm, std::uint64_t position) override {
    const bool changed = tracker_.observe(vm, position);
    if (pending_new_) {
      latest->change.new_value = ShownValue::of(vm, tracker_.current());
      pending_new_ = false;
    }
    if (changed && position - 1 < before_ && (!latest || position - 1 >= latest->by.position)) {
      latest = ChangeReport{tracker_.last_change(), {}};
      latest->by.position = position - 1;
      by_ = previous_;
    }
    if (vm.status != RunStatus::Paused) return false;
    previous_ = site_of(vm, position);
    if (position < before_) {
      const Value* target = store_target(vm);
      if (target && target == expression_.locate(vm, &frames_)) {
        latest = ChangeReport{};
        latest->change.position = position + 1;
        latest->change.old_value = ShownValue::of(vm, tracker_.current());
        latest->by.position = position;
        by_ = previous_;
        pending_new_ = true;
      }
    }
    return false;
  }
  std::optional<ChangeReport> latest;
  Site by_;

 private:
  const Expression& expression_;
  ChangeTracker tracker_;
  ActiveFrames frames_;  // for locating FUNCTION::NAME at every store without a stack scan
  std::uint64_t before_;
  Site previous_;
  bool pending_new_ = false;
};

class CallsVisitor : public StepVisitor {
 public:
  CallsVisitor(std::uint32_t fn, std::deque<CallReport>& out) : fn_(fn), out_(out) {}
  bool visit(const VmState& vm, std::uint64_t position) override {
    if (vm.depth + 1 >= open_.size()) open_.resize(vm.depth + 2);
    if (!started_) {
      started_ = true;
      // The entry function's activation has no call instruction: the run starts in it.
      if (position == 0 && vm.depth == 1 && vm.top().fn == fn_) begin(vm, 0);
    } else if (vm.depth > depth_) {
      if (vm.top().fn == fn_) begin(vm, position - 1);
    } else if (vm.depth == depth_ && vm.depth > 0 && vm.top().id != frame_id_ && vm.status == RunStatus::Paused) {
      // A tail call: the frame's running activation ends by handing it over. Only the
      // latest can be running (the earlier ones handed the frame on already): looking at
      // it alone keeps a chain of tail calls linear.
      if (!open_[vm.depth].empty()) {
        ++visits;
        CallReport& r = out_[open_[vm.depth].back()];
        if (r.ending == CallReport::Ending::Unfinished) {
          r.ending = CallReport::Ending::TailCalled;
          r.tail_callee = vm.function_of(vm.top()).name;
          r.end_position = position - 1;
        }
      }
      if (vm.top().fn == fn_) begin(vm, position - 1);
    } else if (vm.depth < depth_ || vm.status == RunStatus::Halted) {
      const bool threw = last_op_ == Op::THROW;
      const Value v = vm.status == RunStatus::Halted ? vm.result : vm.sp[-1];
      const std::uint32_t from = vm.status == RunStatus::Halted ? 1 : vm.depth + 1;
      for (std::uint32_t d = from; d <= depth_; ++d) end(vm, d, v, threw, position - 1);
    }
    if (vm.status == RunStatus::Failed)
      for (std::uint32_t d = 1; d <= vm.depth && d < open_.size(); ++d) open_[d].clear();
    depth_ = vm.depth;
    frame_id_ = vm.depth ? vm.top().id : 0;
    last_op_ = vm.status == RunStatus::Paused ? vm.top().ip->op : Op::HALT;
    return false;
  }
  std::uint64_t visits = 0;  // reports gone back to after they were made

 private:
  void begin(const VmState& vm, std::uint64_t at) {
    CallReport r;
    r.position = at;
    r.depth = vm.depth;
    r.frame_id = vm.top().id;
    const std::uint32_t arity = vm.program().functions[fn_].arity;
    r.arguments.reserve(arity);
    for (std::uint32_t i = 0; i < arity; ++i) r.arguments.push_back(shown(vm, vm.top().base[i]));
    open_[vm.depth].push_back(out_.size());
    out_.push_back(std::move(r));
  }
  void end(const VmState& vm, std::uint32_t depth, const Value& v, bool threw, std::uint64_t at) {
    if (depth >= open_.size() || open_[depth].empty()) return;
    // Every activation the frame held (a chain of tail calls) gets the one result: shown once.
    const ShownValue result = shown(vm, v);
    for (std::size_t i : open_[depth]) {
      ++visits;
      CallReport& r = out_[i];
      // The frame that returned a value is the innermost one; outer unwound frames threw.
      const bool returned = !threw && depth == depth_;
      if (r.ending == CallReport::Ending::Unfinished) {
        r.ending = returned ? CallReport::Ending::Returned : CallReport::Ending::Threw;
        r.end_position = at;
      }
      r.result = result;
    }
    open_[depth].clear();
  }

  std::uint32_t fn_;
  std::deque<CallReport>& out_;
  bool started_ = false;
  std::uint32_t depth_ = 0;
  std::uint64_t frame_id_ = 0;
  Op last_op_ = Op::NIL;
  std::vector<std::vector<std::size_t>> open_;  // by depth: activations whose frame is live
};

}  // namespace

std::string instruction_text(const Program& p, const CodeSite& site) {
  const Function& fn = p.functions.at(site.fn);
  return site.ip < fn.code.size() ? disassemble_instruction(p, fn, site.ip) : "";
}

void watch(Cursor& t, const Expression& e, std::uint64_t from, std::uint64_t to, ShownValue& initial,
           const std::function<bool(const ChangeReport&)>& on_change) {
  const std::vector<std::uint64_t> changed = t.changed_positions();
  const std::function<bool(const ChangeReport&)> tell = [&](const ChangeReport& r) {
    if (!std::binary_search(changed.begin(), changed.end(), r.change.position)) return on_change(r);
    ChangeReport outside = r;
    outside.by_debugger = true;
    return on_change(outside);
  };
  t.seek(from);
  WatchVisitor v(t.program(), e, initial, changed.empty() ? on_change : tell, &changed);
  t.run_forward(to, &v);
}

std::optional<ChangeReport> last_write(Cursor& t, const Expression& e, std::uint64_t before) {
  std::optional<ChangeReport> found;
  Site by;
  const std::vector<std::uint64_t> changed = t.changed_positions();
  const auto hit = search_backward(
      t, before, [&] { return LastWriteVisitor(e, before, &changed); },
      [&](const LastWriteVisitor& v) -> std::optional<std::uint64_t> {
        if (!v.latest) return std::nullopt;
        found = v.latest;
        by = v.by_;
        return v.latest->by.position;
      });
  if (!hit) return std::nullopt;
  found->by = describe_site(t.program(), by);
  found->by_debugger = std::binary_search(changed.begin(), changed.end(), found->change.position);
  // No instruction made that change: the place to see it is the step it was made at.
  if (found->by_debugger) t.seek(found->change.position);
  return found;
}

std::deque<CallReport> calls(Cursor& t, std::uint32_t fn, std::uint64_t from, std::uint64_t to,
                             std::uint64_t* reports_visited) {
  std::deque<CallReport> out;
  t.seek(from);
  CallsVisitor v(fn, out);
  t.run_forward(to, &v);
  if (reports_visited) *reports_visited = v.visits;
  return out;
}

}  // namespace pw::replay
