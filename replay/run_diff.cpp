#include "run_diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <string_view>

#include "disassembler.h"
#include "expression.h"
#include "object.h"
#include "printable.h"
#include "source_vars.h"
#include "trace_reader.h"

namespace pw::replay {

std::string_view event_kind_name(RunEvent::Kind kind) {
  switch (kind) {
    case RunEvent::Kind::Call:
      return "call";
    case RunEvent::Kind::TailCall:
      return "tail call";
    case RunEvent::Kind::Return:
      return "return";
    case RunEvent::Kind::Branch:
      return "branch";
    case RunEvent::Kind::Store:
      return "store";
    case RunEvent::Kind::Host:
      return "host call";
    case RunEvent::Kind::Throw:
      return "throw";
    case RunEvent::Kind::End:
      return "end";
  }
  return "?";
}

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  // splitmix64's finaliser over the running hash: order matters, collisions are rare.
  std::uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
std::uint64_t text_hash(std::string_view s) { return std::hash<std::string_view>{}(s); }

// Hashes of what a run's events name, by name rather than by index, so that two versions
// of a program (whose functions, globals and symbols may be numbered apart) compare.
class Names {
 public:
  explicit Names(const Program& p) : program_(p) {
    for (std::uint32_t f = 0; f < p.functions.size(); ++f) functions_.push_back(text_hash(p.function_label(f)));
    for (const std::string& g : p.globals) globals_.push_back(text_hash(g));
    for (const std::string& s : p.symbols) symbols_.push_back(text_hash(s));
  }
  std::uint64_t function(std::uint32_t f) const { return f < functions_.size() ? functions_[f] : f; }
  std::uint64_t global(std::uint32_t g) const { return g < globals_.size() ? globals_[g] : g; }
  std::uint64_t symbol(std::uint32_t s) const { return s < symbols_.size() ? symbols_[s] : s; }
  std::uint64_t local(std::uint32_t fn, std::uint32_t l) const {
    const Function& f = program_.functions[fn];
    return mix(1, l < f.locals.size() ? text_hash(f.locals[l]) : l);
  }
  std::uint64_t capture(std::uint32_t fn, std::uint32_t c) const {
    const Function& f = program_.functions[fn];
    return mix(2, c < f.captures.size() ? text_hash(f.captures[c]) : c);
  }

  // A value's hash: scalars by value, strings by their bytes, functions and symbols by
  // name, and structures by their contents as far as [budget] objects reach (the rest by
  // kind and length): the same for the same value in either run whatever its object ids.
  std::uint64_t value(const Value& v, int& budget) const {
    std::uint64_t h = mix(0x51, static_cast<std::uint64_t>(v.type));
    switch (v.type) {
      case ValueType::Nil:
        return h;
      case ValueType::Bool:
        return mix(h, v.b);
      case ValueType::Int:
        return mix(h, static_cast<std::uint64_t>(v.i));
      case ValueType::Float:
        return mix(h, static_cast<std::uint64_t>(v.i));  // the bits
      case ValueType::Symbol:
        return mix(h, symbol(v.sym));
      case ValueType::Function:
        return mix(h, function(v.fn));
      default:
        break;
    }
    const Object* o = v.obj;
    h = mix(h, o->length);
    if (v.type == ValueType::String) return mix(h, text_hash(static_cast<const StringObj*>(o)->view()));
    if (budget-- <= 0) return h;
    if (v.type == ValueType::Closure) h = mix(h, function(static_cast<const ClosureObj*>(o)->fn));
    each_slot(o, [&](const Value& slot) { h = mix(h, value(slot, budget)); });
    return h;
  }
  std::uint64_t value(const Value& v) const {
    int budget = 16;
    return value(v, budget);
  }

 private:
  const Program& program_;
  std::vector<std::uint64_t> functions_, globals_, symbols_;
};

// Reduces a re-executed run to its events, in order. Used in slices: the timeline runs a
// stretch at a time and the events found so far wait in [events] to be compared. After the
// departure it only counts calls per function.
class EventExtractor final : public StepVisitor {
 public:
  EventExtractor(Timeline& t) : t_(t), names_(t.program()) {}

  std::deque<RunEvent> events;
  bool counting = false;                         // after the departure: count calls only
  std::map<std::uint32_t, std::uint64_t> calls;  // per callee, while counting

  // Runs the timeline [steps] further (or to its end). False once the run's end was seen.
  bool advance(std::uint64_t steps) {
    if (done_) return false;
    const std::uint64_t limit = t_.end() - t_.position() > steps ? t_.position() + steps : t_.end();
    t_.run_forward(limit, this);
    if (t_.position() >= t_.end()) {
      if (!ended_) end(t_.state(), t_.position());
      done_ = true;
    }
    return true;
  }
  bool done() const { return done_; }
  // Events whose values are all known (the last may wait for its result).
  std::size_t ready() const { return events.size() - (pending_ ? 1 : 0); }

  bool visit(const VmState& vm, std::uint64_t position) override {
    if (visited_any_ && position <= last_) return false;  // slices meet at their ends
    visited_any_ = true;
    last_ = position;
    if (pending_) finish_pending(vm);
    if (ended_) return false;
    if (vm.status == RunStatus::Halted || vm.status == RunStatus::Failed || vm.depth == 0) {
      end(vm, position);
      return false;
    }
    const Frame& f = vm.top();
    const Instr& in = *f.ip;
    const Value* sp = vm.sp;
    switch (in.op) {
      case Op::CALL:
      case Op::TAIL_CALL: {
        const Value& callee = sp[-static_cast<int>(in.a) - 1];
        const std::uint32_t fn = callee.type == ValueType::Function  ? callee.fn
                                 : callee.type == ValueType::Closure ? as_closure(callee)->fn
                                                                     : UINT32_MAX;
        call(vm, position, in.op == Op::CALL ? RunEvent::Kind::Call : RunEvent::Kind::TailCall, fn,
             fn == UINT32_MAX ? names_.value(callee) : names_.function(fn), sp - in.a, in.a);
        break;
      }
      case Op::CALL_FN:
      case Op::TAIL_CALL_FN: {
        const std::uint32_t fn = static_cast<std::uint32_t>(in.b);
        const std::uint32_t n = vm.fn_runtime[fn].arity;
        call(vm, position, in.op == Op::CALL_FN ? RunEvent::Kind::Call : RunEvent::Kind::TailCall, fn,
             names_.function(fn), sp - n, n);
        break;
      }
      case Op::RETURN:
        emit(vm, position, RunEvent::Kind::Return, 0, names_.value(sp[-1]));
        break;
      case Op::THROW:
        emit(vm, position, RunEvent::Kind::Throw, 0, names_.value(sp[-1]));
        break;
      case Op::JUMP_IF_TRUE:
      case Op::JUMP_IF_FALSE: {
        const bool taken = sp[-1].truthy() == (in.op == Op::JUMP_IF_TRUE);
        emit(vm, position, RunEvent::Kind::Branch, 0, taken);
        break;
      }
      case Op::FOR_NEXT:  // the counter's new value and the branch, known after it
        emit(vm, position, RunEvent::Kind::Branch, names_.local(f.fn, in.a), 0);
        pending_ = true;
        break;
      case Op::SET_LOCAL:
        emit(vm, position, RunEvent::Kind::Store, names_.local(f.fn, in.a), names_.value(sp[-1]));
        break;
      case Op::INC_LOCAL:
        emit(vm, position, RunEvent::Kind::Store, names_.local(f.fn, in.a), 0);
        pending_ = true;
        break;
      case Op::SET_GLOBAL:
        emit(vm, position, RunEvent::Kind::Store, mix(3, names_.global(static_cast<std::uint32_t>(in.b))),
             names_.value(sp[-1]));
        break;
      case Op::SET_CAPTURE:
        emit(vm, position, RunEvent::Kind::Store, names_.capture(f.fn, in.a), names_.value(sp[-1]));
        break;
      case Op::SET_CAR:
      case Op::SET_CDR:
        emit(vm, position, RunEvent::Kind::Store, mix(in.op == Op::SET_CAR ? 4 : 5, names_.value(sp[-2])),
             names_.value(sp[-1]));
        break;
      case Op::ARRAY_SET:
        emit(vm, position, RunEvent::Kind::Store, mix(mix(6, names_.value(sp[-3])), names_.value(sp[-2])),
             names_.value(sp[-1]));
        break;
      case Op::HOST: {
        const int arity = host_fn_info(static_cast<HostFn>(in.a)).arity;
        std::uint64_t args = 7;
        for (int k = arity; k > 0; --k) args = mix(args, names_.value(sp[-k]));
        emit(vm, position, RunEvent::Kind::Host, in.a, args);
        pending_ = true;  // its result comes after
        break;
      }
      default:
        break;
    }
    return false;
  }

 private:
  void emit(const VmState& vm, std::uint64_t position, RunEvent::Kind kind, std::uint64_t what, std::uint64_t value) {
    if (counting) return;
    const Frame& f = vm.top();
    events.push_back(RunEvent{kind, position, f.fn, vm.ip_index(f), what, value});
  }
  void call(const VmState& vm, std::uint64_t position, RunEvent::Kind kind, std::uint32_t fn, std::uint64_t what,
            const Value* args, std::uint32_t n) {
    if (counting) {
      ++calls[fn];
      return;
    }
    std::uint64_t h = 8;
    for (std::uint32_t k = 0; k < n; ++k) h = mix(h, names_.value(args[k]));
    emit(vm, position, kind, what, h);
  }
  // The value an instruction left: the host call's result, the counter's new value.
  void finish_pending(const VmState& vm) {
    pending_ = false;
    if (counting || events.empty()) return;
    RunEvent& e = events.back();
    if (vm.status == RunStatus::Failed || vm.depth == 0) return;  // it failed: the end says how
    const Frame& f = vm.frames[vm.depth - 1];
    if (e.kind == RunEvent::Kind::Host) {
      e.value = mix(e.value, names_.value(vm.sp[-1]));
    } else {  // INC_LOCAL, FOR_NEXT: the counter, and for the loop where it went
      const Instr& in = vm.function_of(f).code[e.ip];
      e.value = mix(names_.value(f.base[in.a]), vm.ip_index(f));
    }
  }
  void end(const VmState& vm, std::uint64_t position) {
    ended_ = true;
    if (counting) return;
    std::uint64_t h = mix(9, static_cast<std::uint64_t>(vm.status));
    if (vm.status == RunStatus::Halted) h = mix(h, names_.value(vm.result));
    if (vm.status == RunStatus::Failed && vm.error)
      h = mix(mix(h, static_cast<std::uint64_t>(vm.error->kind)), text_hash(vm.error->message));
    const std::uint32_t fn = vm.depth ? vm.top().fn : 0;
    const std::uint32_t ip = vm.depth ? vm.ip_index(vm.top()) : 0;
    events.push_back(RunEvent{RunEvent::Kind::End, position, fn, ip, 0, h});
  }

  Timeline& t_;
  Names names_;
  bool pending_ = false;
  bool ended_ = false;
  bool done_ = false;
  bool visited_any_ = false;
  std::uint64_t last_ = 0;
};

std::uint32_t line_of(const Program& p, std::uint32_t fn, std::uint32_t ip) { return p.functions[fn].line_at(ip); }

// Whether event [x] of run a and [y] of run b did the same.
bool same_event(const Program& pa, const Program& pb, const ProgramMatch& m, const RunEvent& x, const RunEvent& y) {
  if (x.kind != y.kind || x.what != y.what || x.value != y.value) return false;
  if (m.relation == ProgramMatch::Relation::Same) return x.fn == y.fn && x.ip == y.ip;
  if (x.kind == RunEvent::Kind::End) return true;
  if (m.function_in_b[x.fn] != static_cast<int>(y.fn)) return false;
  return m.map_line(line_of(pa, x.fn, x.ip)) == line_of(pb, y.fn, y.ip);
}

std::string value_text(const VmState& vm, const Value& v) { return result_text(vm, EvalResult::of(v), 120); }

std::string outcome_of(const VmState& vm, std::uint64_t position) {
  if (vm.status == RunStatus::Halted) return "halted with " + value_text(vm, vm.result);
  if (vm.status == RunStatus::Failed && vm.error) return "failed: " + vm.error->headline();
  return fmt::format("stopped at step {}", position);
}

std::vector<DiffFrame> backtrace_of(const VmState& vm) {
  std::vector<DiffFrame> frames;
  const Program& p = vm.program();
  for (std::uint32_t i = 0; i < vm.depth; ++i) {
    const Frame& f = vm.frames[vm.depth - 1 - i];
    const Function& fn = vm.function_of(f);
    const std::uint32_t ip = frame_ip(vm, vm.depth - i);
    frames.push_back(DiffFrame{p.function_label(f.fn), fn.line_at(ip), fn.column_at(ip), frame_arguments_text(vm, f, 40)});
  }
  return frames;
}

// The source name of local [l] of the top frame where it runs, else its assembly name.
std::string local_name(const VmState& vm, std::uint32_t l) {
  const Frame& f = vm.top();
  const Function& fn = vm.function_of(f);
  const std::uint32_t ip = vm.ip_index(f);
  for (const SourceVar& v : fn.vars)
    if (v.slot == SourceVar::Slot::Local && v.index == l && ip >= v.begin && ip < v.end) return v.name;
  return l < fn.locals.size() ? fn.locals[l] : fmt::format("local {}", l);
}

std::string callee_name(const VmState& vm, const Value& callee) {
  if (callee.type == ValueType::Function) return vm.program().function_label(callee.fn);
  if (callee.type == ValueType::Closure) return vm.program().function_label(as_closure(callee)->fn);
  return value_text(vm, callee);
}

// What the event at [e] did in run [t], read off the states before and after it.
DepartureSide describe(Timeline& t, const RunEvent& e) {
  DepartureSide d;
  d.present = true;
  d.step = e.position;
  d.kind = e.kind;
  t.seek(e.position);
  const VmState& vm = t.state();
  const Program& p = t.program();
  d.backtrace = backtrace_of(vm);
  if (e.kind == RunEvent::Kind::End) {
    d.summary = outcome_of(vm, e.position);
    if (vm.depth) {
      d.function = p.function_label(vm.top().fn);
      d.line = line_of(p, vm.top().fn, vm.ip_index(vm.top()));
      d.column = p.functions[vm.top().fn].column_at(vm.ip_index(vm.top()));
    }
    if (d.line) d.source = p.source_line(d.line);
    return d;
  }
  const Function& fn = p.functions[e.fn];
  d.function = p.function_label(e.fn);
  d.line = fn.line_at(e.ip);
  d.column = fn.column_at(e.ip);
  if (d.line) d.source = p.source_line(d.line);
  d.instruction = disassemble_instruction(p, fn, e.ip);
  const Instr& in = fn.code[e.ip];
  const Value* sp = vm.sp;
  const auto after = [&](const std::function<void(const VmState&)>& read) {
    if (e.position + 1 > t.end()) return;
    t.seek(e.position + 1);
    read(t.state());
  };
  switch (e.kind) {
    case RunEvent::Kind::Call:
    case RunEvent::Kind::TailCall: {
      std::uint32_t n = in.a;
      std::string callee;
      if (in.op == Op::CALL_FN || in.op == Op::TAIL_CALL_FN) {
        n = vm.fn_runtime[static_cast<std::uint32_t>(in.b)].arity;
        callee = p.function_label(static_cast<std::uint32_t>(in.b));
      } else {
        callee = callee_name(vm, sp[-static_cast<int>(n) - 1]);
      }
      std::string args;
      for (std::uint32_t k = 0; k < n; ++k) {
        const std::string v = value_text(vm, sp[static_cast<int>(k) - static_cast<int>(n)]);
        args += (k ? ", " : "") + v;
        d.values.emplace_back(fmt::format("argument {}", k + 1), v);
      }
      d.values.emplace(d.values.begin(), "callee", callee);
      d.summary = fmt::format("{} {}({})", e.kind == RunEvent::Kind::Call ? "called" : "tail-called", callee, args);
      break;
    }
    case RunEvent::Kind::Return:
    case RunEvent::Kind::Throw: {
      const std::string v = value_text(vm, sp[-1]);
      d.values.emplace_back(e.kind == RunEvent::Kind::Return ? "returned" : "thrown", v);
      d.summary = fmt::format("{} {} from {}", e.kind == RunEvent::Kind::Return ? "returned" : "threw", v, d.function);
      break;
    }
    case RunEvent::Kind::Branch: {
      if (in.op == Op::FOR_NEXT) {
        const std::string name = local_name(vm, in.a);
        std::string counter, taken;
        after([&](const VmState& s) {
          if (s.depth == 0) return;
          counter = value_text(s, s.top().base[in.a]);
          taken = s.ip_index(s.top()) == static_cast<std::uint32_t>(in.b) ? "looped again" : "left the loop";
        });
        d.values.emplace_back(name, counter);
        d.summary = fmt::format("{} ({} = {})", taken, name, counter);
      } else {
        const std::string cond = value_text(vm, sp[-1]);
        const bool taken = sp[-1].truthy() == (in.op == Op::JUMP_IF_TRUE);
        d.values.emplace_back("condition", cond);
        d.summary =
            fmt::format("{} (the condition was {})", taken ? "took the branch" : "did not take the branch", cond);
      }
      break;
    }
    case RunEvent::Kind::Store: {
      std::string place, value;
      switch (in.op) {
        case Op::SET_LOCAL:
          place = local_name(vm, in.a);
          value = value_text(vm, sp[-1]);
          break;
        case Op::SET_GLOBAL:
          place = p.globals[static_cast<std::uint32_t>(in.b)];
          value = value_text(vm, sp[-1]);
          break;
        case Op::SET_CAPTURE:
          place = in.a < fn.captures.size() ? fn.captures[in.a] : fmt::format("capture {}", in.a);
          value = value_text(vm, sp[-1]);
          break;
        case Op::SET_CAR:
        case Op::SET_CDR:
          place = fmt::format("the {} of {}", in.op == Op::SET_CAR ? "car" : "cdr", value_text(vm, sp[-2]));
          value = value_text(vm, sp[-1]);
          break;
        case Op::ARRAY_SET:
          place = fmt::format("{}[{}]", value_text(vm, sp[-3]), value_text(vm, sp[-2]));
          value = value_text(vm, sp[-1]);
          break;
        case Op::INC_LOCAL:
          place = local_name(vm, in.a);
          after([&](const VmState& s) {
            if (s.depth) value = value_text(s, s.top().base[in.a]);
          });
          break;
        default:
          break;
      }
      d.values.emplace_back(place, value);
      d.summary = fmt::format("stored {} in {}", value, place);
      break;
    }
    case RunEvent::Kind::Host: {
      const HostFnInfo& info = host_fn_info(static_cast<HostFn>(in.a));
      std::string args;
      for (int k = info.arity; k > 0; --k) {
        const std::string v = value_text(vm, sp[-k]);
        args += (k < info.arity ? ", " : "") + v;
        d.values.emplace_back(fmt::format("argument {}", info.arity - k + 1), v);
      }
      std::string result = "(it failed)";
      after([&](const VmState& s) {
        if (s.status != RunStatus::Failed && s.depth) result = value_text(s, s.sp[-1]);
      });
      d.values.emplace_back("result", result);
      d.summary = fmt::format("{}({}) returned {}", info.name, args, result);
      break;
    }
    case RunEvent::Kind::End:
      break;
  }
  return d;
}

// One sentence for the departure.
std::string describe_departure(const DepartureSide& a, const DepartureSide& b) {
  const auto where = [](const DepartureSide& s) {
    return s.line ? fmt::format("{} (line {})", s.function, s.line) : s.function;
  };
  if (a.kind != b.kind || a.function != b.function)
    return fmt::format("run A {} in {}; run B {} in {}", a.summary, where(a), b.summary, where(b));
  switch (a.kind) {
    case RunEvent::Kind::Host:
      return fmt::format("a host call returned a different result in {}: A {}, B {}", where(a), a.summary, b.summary);
    case RunEvent::Kind::Branch:
      return fmt::format("the runs went different ways in {}: A {}, B {}", where(a), a.summary, b.summary);
    case RunEvent::Kind::Store:
      return fmt::format("a different value was stored in {}: A {}, B {}", where(a), a.summary, b.summary);
    case RunEvent::Kind::Call:
    case RunEvent::Kind::TailCall:
      return fmt::format("a different call was made in {}: A {}, B {}", where(a), a.summary, b.summary);
    case RunEvent::Kind::Return:
      return fmt::format("a different value was returned: A {}, B {}", a.summary, b.summary);
    case RunEvent::Kind::Throw:
      return fmt::format("a different value was thrown in {}: A {}, B {}", where(a), a.summary, b.summary);
    case RunEvent::Kind::End:
      return fmt::format("the runs ended differently: A {}, B {}", a.summary, b.summary);
  }
  return {};
}

RunSide side_at_end(Timeline& t, const std::string& path) {
  RunSide s;
  s.trace = path;
  s.program = t.program().source_name;
  t.seek(t.end());
  const VmState& vm = t.state();
  s.steps = t.end();
  s.outcome = outcome_of(vm, t.end());
  s.objects_allocated = vm.heap.stats().objects_allocated;
  s.bytes_allocated = vm.heap.stats().bytes_allocated;
  s.output = vm.output;
  return s;
}

std::uint64_t first_different_line(const std::string& a, const std::string& b) {
  if (a == b) return 0;
  std::uint64_t line = 1;
  for (std::size_t i = 0; i < a.size() && i < b.size() && a[i] == b[i]; ++i)
    if (a[i] == '\n') ++line;
  return line;
}

// The host results a run received, in order: with the program and its configuration, all
// that decides what it does.
std::vector<trace::Event> host_results(const Timeline& t) {
  std::vector<trace::Event> out;
  const trace::TraceReader& r = t.trace();
  for (std::size_t i = 0; i < r.chunks().size(); ++i)
    for (trace::Event& e : r.read_chunk(i).events)
      if (e.kind == trace::EventKind::Host) out.push_back(std::move(e));
  return out;
}

bool same_config(const VmConfig& a, const VmConfig& b) {
  const Limits &x = a.limits, &y = b.limits;
  return x.max_steps == y.max_steps && x.max_stack == y.max_stack && x.max_depth == y.max_depth &&
         x.max_heap == y.max_heap && x.max_output == y.max_output && a.capabilities == b.capabilities;
}

// Where the side-by-side comparison may start: a run is decided by its program, its
// configuration and its inputs, so two runs of one program with one configuration do the
// same up to the first host result that differs. The latest snapshot either trace has
// before that is where they can first differ; 0 when that cannot be shown.
std::uint64_t same_until(Timeline& ta, Timeline& tb) {
  const trace::TraceHeader& ha = ta.trace().header();
  const trace::TraceHeader& hb = tb.trace().header();
  if (!same_config(ha.config, hb.config) || ha.args != hb.args) return 0;
  if (!ta.changed_positions().empty() || !tb.changed_positions().empty()) return 0;  // edited by a debugger
  const std::vector<trace::Event> xa = host_results(ta), xb = host_results(tb);
  std::uint64_t limit = std::min(ta.end(), tb.end());
  std::size_t k = 0;
  // What the host said, where: the depth a chunk's decoder tracks is not part of it.
  const auto same_result = [](const trace::Event& x, const trace::Event& y) {
    return x.step == y.step && x.type == y.type && x.result_tag == y.result_tag && x.result_int == y.result_int &&
           x.result_strings == y.result_strings;
  };
  while (k < xa.size() && k < xb.size() && same_result(xa[k], xb[k])) ++k;
  if (k < xa.size()) limit = std::min(limit, xa[k].step);
  if (k < xb.size()) limit = std::min(limit, xb[k].step);
  // The runs are the same up to [limit], so either one's snapshot before it is a state of
  // both: the other seeks there from its own snapshot, at most one interval of replay.
  std::uint64_t best = 0;
  for (const std::vector<std::uint64_t>* positions : {&ta.snapshot_positions(), &tb.snapshot_positions()})
    for (std::uint64_t p : *positions)
      if (p < limit) best = std::max(best, p);
  return best;
}

}  // namespace

RunDiff diff_runs(Timeline& ta, Timeline& tb, const std::string& path_a, const std::string& path_b) {
  const Program& pa = ta.program();
  const Program& pb = tb.program();
  const ProgramMatch m = match_programs(pa, pb);
  if (!m.related())
    throw DiffError(fmt::format("{} and {} are runs of unrelated programs ({} and {}): {}", path_a, path_b,
                                pa.source_name, pb.source_name, m.why));
  if (ta.windowed() || tb.windowed())
    throw DiffError(
        fmt::format("{} keeps only the end of its run (recorded with --record-last): diff compares whole runs",
                    ta.windowed() ? path_a : path_b));
  RunDiff d;
  d.relation = m.relation;
  d.skipped_to = m.relation == ProgramMatch::Relation::Same ? same_until(ta, tb) : 0;
  ta.seek(d.skipped_to);
  tb.seek(d.skipped_to);
  EventExtractor ea(ta), eb(tb);
  constexpr std::uint64_t kSlice = 1 << 16;
  std::optional<std::pair<RunEvent, RunEvent>> departure;
  for (;;) {
    while (ea.ready() == 0 && !ea.done()) ea.advance(kSlice);
    while (eb.ready() == 0 && !eb.done()) eb.advance(kSlice);
    if (ea.ready() == 0 || eb.ready() == 0) break;  // both ended with an End event: cannot happen
    while (ea.ready() && eb.ready()) {
      const RunEvent x = ea.events.front(), y = eb.events.front();
      if (!same_event(pa, pb, m, x, y)) {
        departure.emplace(x, y);
        break;
      }
      ea.events.pop_front();
      eb.events.pop_front();
      ++d.compared_events;
      if (x.kind == RunEvent::Kind::End) break;
    }
    if (departure) break;
    if (ea.done() && eb.done() && ea.events.empty() && eb.events.empty()) break;
  }
  std::map<std::string, CallCountDiff> by_name;
  if (departure) {
    const std::uint64_t from_a = departure->first.position, from_b = departure->second.position;
    ea.events.clear();
    eb.events.clear();
    // After the departure: calls per function to the end of each run, counted afresh from it.
    EventExtractor ca(ta), cb(tb);
    ca.counting = cb.counting = true;
    ta.seek(from_a);
    tb.seek(from_b);
    while (ca.advance(1 << 20)) {
    }
    while (cb.advance(1 << 20)) {
    }
    for (const auto& [fn, n] : ca.calls) by_name[fn == UINT32_MAX ? "(not a function)" : pa.function_label(fn)].a += n;
    for (const auto& [fn, n] : cb.calls) by_name[fn == UINT32_MAX ? "(not a function)" : pb.function_label(fn)].b += n;
    for (auto& [name, c] : by_name) {
      c.function = name;
      if (c.a != c.b) d.calls.push_back(c);
    }
    std::stable_sort(d.calls.begin(), d.calls.end(), [](const CallCountDiff& x, const CallCountDiff& y) {
      const auto change = [](const CallCountDiff& c) { return c.a > c.b ? c.a - c.b : c.b - c.a; };
      return change(x) > change(y);
    });
    d.at_a = describe(ta, departure->first);
    d.at_b = describe(tb, departure->second);
    d.description = describe_departure(d.at_a, d.at_b);
  } else {
    d.identical = true;
  }
  d.a = side_at_end(ta, path_a);
  d.b = side_at_end(tb, path_b);
  d.first_output_difference_line = first_different_line(d.a.output, d.b.output);
  return d;
}

}  // namespace pw::replay
