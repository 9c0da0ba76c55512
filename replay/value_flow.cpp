// The shadow value stack, replayed over windows of a run.
#include "value_flow.h"

#include <algorithm>

#include "object.h"

namespace pw::replay {
namespace {

constexpr std::uint64_t kFirstWindow = 4096;
constexpr std::uint64_t kWiden = 16;
// Windows up to this long keep every step's record (the steps near one link are where the
// next links usually are); longer ones keep only the step asked about.
constexpr std::uint64_t kRecordAll = 1 << 16;

bool running(const VmState& vm) {
  return (vm.status == RunStatus::Paused || vm.status == RunStatus::Ready) && vm.depth > 0;
}

// Replays positions [from, end], keeping for every value-stack slot the source of the value
// in it, and records what the instructions at the positions it is asked about did.
class FlowRecorder : public StepVisitor {
 public:
  FlowRecorder(const Program& program, ControlDeps& deps, std::uint64_t end, bool record_all, std::uint64_t target,
               const std::vector<std::uint64_t>& changed)
      : program_(program), deps_(deps), end_(end), record_all_(record_all), target_(target), changed_(changed) {}

  bool visit(const VmState& vm, std::uint64_t position) override {
    if (!started_)
      start(vm, position);
    else if (pending_)
      finish(vm, position);
    pending_ = false;
    if (position < end_ && running(vm)) begin(vm, position);
    return false;
  }

  ValueSource source_of(std::uint32_t slot) const { return slot < shadow_.size() ? shadow_[slot] : ValueSource{}; }
  std::vector<StepFlow> steps;  // the records kept, in step order

 private:
  // The frame at [depth] (1-based) and which branches it last took: kept per activation,
  // so a constant can be tied to the branch that led to it.
  struct Memo {
    std::uint64_t frame_id = 0;
    bool entered = false;  // the window saw the activation begin: a branch it did not see never ran
    std::vector<std::pair<std::uint32_t, std::uint64_t>> latest;  // branch ip -> its latest step
  };

  void start(const VmState& vm, std::uint64_t position) {
    started_ = true;
    ensure(vm.stack_size() + 1);
    // At step 0 the entry function's locals hold the nil the run starts with.
    if (position == 0 && vm.depth == 1) {
      const std::uint32_t locals = vm.function_of(vm.top()).local_count();
      for (std::uint32_t k = 0; k < locals && k < shadow_.size(); ++k) shadow_[k] = {ValueSource::kRunStart, 0};
      memo(1, vm.top().id).entered = true;
    }
  }

  void ensure(std::size_t size) {
    if (shadow_.size() < size) shadow_.resize(size + 64);
  }
  Memo& memo(std::uint32_t depth, std::uint64_t frame_id) {
    if (memos_.size() <= depth) memos_.resize(depth + 1);
    Memo& m = memos_[depth];
    if (m.frame_id != frame_id) {
      m.frame_id = frame_id;
      m.entered = false;
      m.latest.clear();
    }
    return m;
  }
  void use(ValueSource s) {
    if (recording_) r_.operands.push_back(s);
  }

  void begin(const VmState& vm, std::uint64_t position) {
    const Frame& f = vm.top();
    const Instr& in = *f.ip;
    const auto s = static_cast<std::uint32_t>(vm.stack_size());
    const auto b = static_cast<std::uint32_t>(f.base - vm.stack);
    ensure(s + 2);
    recording_ = record_all_ || position == target_;
    r_.operands.clear();
    r_.step = position;
    r_.fn = f.fn;
    r_.ip = vm.ip_index(f);
    r_.depth = vm.depth;
    r_.sp = s;
    r_.base = b;
    r_.op = in.op;
    r_.read = {};
    r_.has_control = false;
    r_.control = {};
    r_.taken = false;
    r_.callee = 0;
    r_.frame_id = f.id;
    next_id_ = vm.heap.next_id();
    const ValueSource here{position, 0};
    const auto args = [&](std::uint32_t n) {
      for (std::uint32_t k = n; k > 0; --k) use(shadow_[s - k]);
    };
    switch (in.op) {
      case Op::DUP:
        shadow_[s] = shadow_[s - 1];
        break;
      case Op::SWAP:
        std::swap(shadow_[s - 1], shadow_[s - 2]);
        break;
      case Op::GET_LOCAL:
        use(shadow_[b + in.a]);
        shadow_[s] = here;
        break;
      case Op::SET_LOCAL:
        use(shadow_[s - 1]);
        shadow_[b + in.a] = here;
        break;
      case Op::INC_LOCAL:
        use(shadow_[b + in.a]);
        shadow_[b + in.a] = here;
        break;
      case Op::FOR_NEXT:
        use(shadow_[b + in.a]);
        use(shadow_[b + in.a + 1]);
        shadow_[b + in.a] = here;
        break;
      case Op::CALL:
      case Op::TAIL_CALL:
        args(in.a);
        break;
      case Op::CALL_FN:
      case Op::TAIL_CALL_FN:
        args(program_.functions[in.b].arity);
        break;
      case Op::HOST:
        args(static_cast<std::uint32_t>(host_fn_info(static_cast<HostFn>(in.a)).arity));
        break;
      case Op::MAKE_CLOSURE: {
        const auto n = static_cast<std::uint32_t>(program_.functions[in.b].captures.size());
        args(n);
        shadow_[s - n] = here;
        break;
      }
      case Op::RETURN:
      case Op::THROW:
        use(shadow_[s - 1]);
        break;
      default: {
        // Everything else pops a fixed number of values and pushes at most one.
        const OpInfo& info = op_info(in.op);
        const auto pops = static_cast<std::uint32_t>(info.pops);
        args(pops);
        if (info.pushes == 1) shadow_[s - pops] = here;
        if (recording_ && is_constant(in.op)) note_control(vm);
        break;
      }
    }
    if (recording_) r_.read = read_slot(vm);
    // A live session may change values at the next position: keep them to see which.
    watching_change_ = !changed_.empty() && std::binary_search(changed_.begin(), changed_.end(), position + 1);
    if (watching_change_) {
      saved_.assign(vm.stack, vm.sp);
      // A local the instruction stores into will hold what it stores.
      if (in.op == Op::SET_LOCAL || in.op == Op::INC_LOCAL || in.op == Op::FOR_NEXT) {
        const SlotKey local{SlotKey::Kind::Local, ValueType::Nil, f.id, in.a};
        if (const std::optional<Value> v = stored_value(vm, local)) saved_[b + in.a] = *v;
        stored_local_ = b + in.a;
      } else {
        stored_local_ = UINT32_MAX;
      }
    }
    pending_ = true;
  }

  // A constant: which branch of its activation brought the run to it.
  void note_control(const VmState& vm) {
    const std::vector<std::uint32_t>& branches = deps_.of(r_.fn, r_.ip);
    if (branches.empty()) return;
    const Memo& m = memo(vm.depth, r_.frame_id);
    std::optional<std::uint64_t> latest;
    for (const auto& [ip, step] : m.latest)
      if (std::find(branches.begin(), branches.end(), ip) != branches.end() && (!latest || step > *latest))
        latest = step;
    if (latest) {
      r_.has_control = true;
      r_.control = {*latest, 0};
    } else if (!m.entered) {
      r_.has_control = true;
      r_.control = {};
    }
  }

  void finish(const VmState& vm, std::uint64_t position) {
    const std::uint64_t step = position - 1;
    if (vm.status == RunStatus::Failed) {
      if (recording_) steps.push_back(r_);
      return;
    }
    r_.first_alloc = next_id_;
    r_.allocs = vm.heap.next_id() - next_id_;
    const auto top_index = [&] { return static_cast<std::uint32_t>(vm.stack_size()) - 1; };
    switch (r_.op) {
      case Op::CALL:
      case Op::CALL_FN:
      case Op::TAIL_CALL:
      case Op::TAIL_CALL_FN: {
        const bool tail = r_.op == Op::TAIL_CALL || r_.op == Op::TAIL_CALL_FN;
        if (!running(vm) || vm.depth != r_.depth + (tail ? 0 : 1)) break;
        // The callee's first locals are the arguments, where the caller pushed them (a tail
        // call moves them down over its frame); the rest start nil.
        const Frame& f = vm.top();
        const auto base = static_cast<std::uint32_t>(f.base - vm.stack);
        const std::uint32_t locals = vm.function_of(f).local_count();
        ensure(base + locals + 1);
        for (std::uint32_t k = 0; k < locals; ++k) shadow_[base + k] = {step, k + 1};
        r_.callee = f.fn;
        Memo& m = memo(vm.depth, f.id);
        m.entered = true;
        m.latest.clear();
        break;
      }
      case Op::RETURN:
      case Op::THROW:
      case Op::HOST:
        // The value returned lands in the caller's result slot; a value thrown and caught
        // on the handler's stack; a host call's result where its arguments were.
        if (running(vm) && vm.sp > vm.stack) {
          ensure(top_index() + 1);
          shadow_[top_index()] = {step, 0};
        }
        break;
      case Op::JUMP_IF_TRUE:
      case Op::JUMP_IF_FALSE:
      case Op::FOR_NEXT: {
        if (!running(vm)) break;
        r_.taken = vm.depth == r_.depth && vm.ip_index(vm.top()) != r_.ip + 1;
        Memo& m = memo(r_.depth, r_.frame_id);
        auto it = std::find_if(m.latest.begin(), m.latest.end(), [&](const auto& e) { return e.first == r_.ip; });
        if (it == m.latest.end())
          m.latest.emplace_back(r_.ip, step);
        else
          it->second = step;
        break;
      }
      default:
        break;
    }
    if (watching_change_) {
      // A value the instruction did not put there, different from before: the debugger's.
      const std::size_t n = std::min(saved_.size(), vm.stack_size());
      for (std::size_t i = 0; i < n; ++i) {
        const Value& now = vm.stack[i];
        if ((now.tag_word != saved_[i].tag_word || now.i != saved_[i].i) &&
            (shadow_[i].step != step || i == stored_local_))
          shadow_[i] = {position, ValueSource::kByDebugger};
      }
    }
    if (recording_) steps.push_back(r_);
  }

  const Program& program_;
  ControlDeps& deps_;
  std::uint64_t end_;
  bool record_all_;
  std::uint64_t target_;
  const std::vector<std::uint64_t>& changed_;
  bool started_ = false;
  bool pending_ = false;
  bool recording_ = false;
  StepFlow r_;  // the instruction being run
  std::uint64_t next_id_ = 0;
  std::vector<ValueSource> shadow_;
  std::vector<Memo> memos_;
  bool watching_change_ = false;
  std::vector<Value> saved_;  // the stack as it will be after the instruction, where known
  std::uint32_t stored_local_ = UINT32_MAX;
};

// Finds the latest step before [before] where activation [frame_id] ran one of [ips].
class BranchVisitor : public StepVisitor {
 public:
  BranchVisitor(std::uint64_t frame_id, const std::vector<std::uint32_t>& ips, std::uint64_t before)
      : frame_id_(frame_id), ips_(ips), before_(before) {}
  bool visit(const VmState& vm, std::uint64_t position) override {
    if (position >= before_ || !running(vm) || vm.top().id != frame_id_) return false;
    if (std::find(ips_.begin(), ips_.end(), vm.ip_index(vm.top())) != ips_.end()) found = position;
    return false;
  }
  std::optional<std::uint64_t> found;

 private:
  std::uint64_t frame_id_;
  const std::vector<std::uint32_t>& ips_;
  std::uint64_t before_;
};

}  // namespace

bool satisfies(const StepFlow& f, FlowNeeds needs) {
  for (std::size_t k = 0; k < f.operands.size(); ++k)
    if ((needs & need_operand(k)) && f.operands[k].before_window()) return false;
  return !((needs & kNeedControl) && f.has_control && f.control.before_window());
}

std::pair<const StepFlow*, std::uint64_t> ValueFlow::cached(std::uint64_t step, FlowNeeds needs) const {
  std::pair<const StepFlow*, std::uint64_t> found{nullptr, 0};
  for (const Window& w : windows_) {
    if (step < w.from || step >= w.to) continue;
    const auto it = std::lower_bound(w.steps.begin(), w.steps.end(), step,
                                     [](const StepFlow& f, std::uint64_t s) { return f.step < s; });
    if (it == w.steps.end() || it->step != step) continue;
    if (satisfies(*it, needs)) return {&*it, w.from};
    if (!found.first || w.from < found.second) found = {&*it, w.from};
  }
  return found;
}

StepFlow ValueFlow::at(std::uint64_t step, FlowNeeds needs) {
  const std::uint64_t start = cursor_.start();
  std::uint64_t first = kFirstWindow;
  if (const auto [c, from] = cached(step, needs); c) {
    if (satisfies(*c, needs) || from == start) return *c;
    first = std::max(kFirstWindow, (step - from) * kWiden);  // that window was not enough: go further back at once
  }
  const std::vector<std::uint64_t> changed = cursor_.changed_positions();
  for (std::uint64_t back = first;; back *= kWiden) {
    const std::uint64_t from = step - std::min(step - start, back);
    const bool record_all = step + 1 - from <= kRecordAll;
    FlowRecorder recorder(cursor_.program(), deps_, step + 1, record_all, step, changed);
    cursor_.seek(from);
    cursor_.run_forward(step + 1, &recorder);
    if (interrupted()) throw FlowInterrupted();
    const auto it = std::lower_bound(recorder.steps.begin(), recorder.steps.end(), step,
                                     [](const StepFlow& f, std::uint64_t s) { return f.step < s; });
    if (it == recorder.steps.end() || it->step != step)
      throw std::out_of_range("no instruction runs at step " + std::to_string(step));
    if (!satisfies(*it, needs) && from > start) continue;
    const StepFlow out = *it;
    // Keep the window, dropping the oldest when many steps are kept already.
    std::size_t kept = 0;
    for (const Window& w : windows_) kept += w.steps.size();
    while (!windows_.empty() && kept + recorder.steps.size() > 8 * kRecordAll) {
      kept -= windows_.front().steps.size();
      windows_.pop_front();
    }
    windows_.push_back(Window{from, step + 1, std::move(recorder.steps)});
    return out;
  }
}

ValueSource ValueFlow::slot_source(std::uint64_t position, std::uint32_t slot) {
  const std::uint64_t start = cursor_.start();
  const std::vector<std::uint64_t> changed = cursor_.changed_positions();
  for (std::uint64_t back = kFirstWindow;; back *= kWiden) {
    const std::uint64_t from = position - std::min(position - start, back);
    FlowRecorder recorder(cursor_.program(), deps_, position, false, UINT64_MAX, changed);
    cursor_.seek(from);
    cursor_.run_forward(position, &recorder);
    if (interrupted()) throw FlowInterrupted();
    const ValueSource s = recorder.source_of(slot);
    if (!s.before_window() || from == start) return s;
  }
}

}  // namespace pw::replay

namespace pw::replay {

ValueSource ValueFlow::local_source(const StepFlow& f, std::size_t k, std::uint32_t local) {
  const ValueSource s = k < f.operands.size() ? f.operands[k] : ValueSource{};
  if (!s.before_window()) return s;
  return local_write({SlotKey::Kind::Local, ValueType::Nil, f.frame_id, local}, f.step);
}

ValueSource ValueFlow::local_write(const SlotKey& slot, std::uint64_t before) {
  const std::optional<SlotWrite> w = last_slot_write(cursor_, slot, before);
  if (interrupted()) throw FlowInterrupted();
  if (!w) return cursor_.start() == 0 ? ValueSource{ValueSource::kRunStart, 0} : ValueSource{};
  switch (w->by) {
    case SlotWrite::By::Store:
      return {w->position, 0};
    case SlotWrite::By::Made:
      return {w->position, slot.index + 1};
    case SlotWrite::By::Debugger:
      return {w->position, ValueSource::kByDebugger};
  }
  return {};
}

std::optional<ValueSource> ValueFlow::control_of(const StepFlow& f) {
  if (!f.has_control) return std::nullopt;
  if (!f.control.before_window()) return f.control;
  const std::vector<std::uint32_t>& branches = deps_.of(f.fn, f.ip);
  std::optional<std::uint64_t> found;
  search_backward(
      cursor_, f.step, [&] { return BranchVisitor(f.frame_id, branches, f.step); },
      [&](const BranchVisitor& v) {
        found = v.found;
        return v.found;
      });
  if (interrupted()) throw FlowInterrupted();
  if (found) return ValueSource{*found, 0};
  // No branch of the activation ran: when the trace holds its start, none decided.
  if (cursor_.start() == 0) return std::nullopt;
  return ValueSource{};
}

}  // namespace pw::replay
