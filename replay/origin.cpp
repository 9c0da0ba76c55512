// The origin walk: from the place's last write back along the value flow (value_flow.h),
// through globals and heap slots by their last writes (slot_writes.h), one link per
// instruction, bounded in depth and in links; then the values of the links, read where
// each one ran.
#include "origin.h"

#include <fmt/format.h>

#include <algorithm>

#include "disassembler.h"
#include "host.h"
#include "slot_writes.h"
#include "value_flow.h"

namespace pw::replay {

std::string_view origin_kind_name(OriginLink::Kind kind) {
  switch (kind) {
    case OriginLink::Kind::Stored:
      return "stored";
    case OriginLink::Kind::Made:
      return "made";
    case OriginLink::Kind::Argument:
      return "argument";
    case OriginLink::Kind::Computed:
      return "computed";
    case OriginLink::Kind::Loaded:
      return "loaded";
    case OriginLink::Kind::Read:
      return "read";
    case OriginLink::Kind::Returned:
      return "returned";
    case OriginLink::Kind::Thrown:
      return "thrown";
    case OriginLink::Kind::Branch:
      return "branch";
    case OriginLink::Kind::Constant:
      return "constant";
    case OriginLink::Kind::Host:
      return "host";
    case OriginLink::Kind::Initial:
      return "initial";
    case OriginLink::Kind::Debugger:
      return "debugger";
    case OriginLink::Kind::BeforeWindow:
      return "before-window";
  }
  return "?";
}

namespace {

using Kind = OriginLink::Kind;

// Increments of one local followed back into one link, at most (a counter that counted a
// million times costs a million lookups).
constexpr std::uint64_t kMaxIncrements = 100000;

// Which operand of a store is the value stored.
std::size_t stored_operand(Op op) {
  switch (op) {
    case Op::SET_CAR:
    case Op::SET_CDR:
      return 1;
    case Op::ARRAY_SET:
      return 2;
    default:
      return 0;
  }
}

class Walker {
 public:
  Walker(Cursor& cursor, const OriginOptions& options)
      : cursor_(cursor), program_(cursor.program()), flow_(cursor), options_(options) {}

  // The first link: what last wrote [slot] (named [place] by the user) before [at]; [index]
  // is its value-stack index when it is a local or an operand.
  OriginLink first(const SlotKey& slot, std::uint32_t index, const std::string& place, std::uint64_t at) {
    if (slot.kind == SlotKey::Kind::Local) return local_writer(flow_.local_write(slot, at), 1, place);
    if (slot.kind == SlotKey::Kind::Stack) return produced(flow_.slot_source(at, index), 1);
    const std::optional<SlotWrite> w = slot_write(slot, at);
    if (!w) {
      if (slot.kind == SlotKey::Kind::Global && cursor_.start() == 0)
        return pseudo(Kind::Initial, fmt::format("the initial value of {}: nothing stored into it", place));
      return before_window(fmt::format("{} was not written after step {}", place, cursor_.start()));
    }
    if (w->by == SlotWrite::By::Debugger) return debugger(w->position);
    const StepFlow f = flow_.at(w->position);
    if (w->by == SlotWrite::By::Store) {
      OriginLink l = site(f, Kind::Stored, fmt::format("stored into {}", place));
      l.place = place;
      expand(
          l, 1, [&] { l.from.push_back(produced(operand(f, stored_operand(f.op)), 2)); },
          [&] { return go_on_operands(f, stored_operand(f.op)); });
      return l;
    }
    OriginLink l = made_slot(f, slot.index, 1);
    l.place = place;
    return l;
  }

  std::uint32_t links = 0;
  bool bounded = false;

 private:
  // The link for the instruction that put a value on the operand stack.
  OriginLink produced(const ValueSource& src, std::uint32_t depth) {
    if (src.before_window()) return before_window("");
    if (src.step == ValueSource::kRunStart || src.part > 0 || src.part == ValueSource::kByDebugger)
      return local_writer(src, depth, "");
    const StepFlow f = flow_.at(src.step);
    const Function& fn = program_.functions[f.fn];
    if (is_constant(f.op)) {
      OriginLink l = site(f, Kind::Constant, "constant");
      const std::optional<ValueSource> control = flow_.control_of(f);
      if (!control) return l;
      if (control->before_window()) {
        l.note = "constant, on a path chosen before the recorded window";
        return l;
      }
      l.note = fmt::format("constant, on the path the branch at step {} chose", control->step);
      expand(
          l, depth, [&] { l.from.push_back(branch(control->step, depth + 1)); },
          [&] { return go_on_operands(flow_.at(control->step)); });
      return l;
    }
    switch (f.op) {
      case Op::GET_LOCAL:
        return loaded(f, depth);
      case Op::GET_GLOBAL:
      case Op::GET_CAPTURE:
      case Op::CAR:
      case Op::CDR:
      case Op::ARRAY_GET:
        return read(f, depth);
      case Op::RETURN: {
        OriginLink l = site(f, Kind::Returned, fmt::format("returned by {}", program_.function_label(f.fn)));
        expand(l, depth, [&] { l.from.push_back(produced(operand(f, 0), depth + 1)); });
        return l;
      }
      case Op::THROW: {
        OriginLink l = site(f, Kind::Thrown, fmt::format("thrown in {}, and caught", program_.function_label(f.fn)));
        expand(l, depth, [&] { l.from.push_back(produced(operand(f, 0), depth + 1)); });
        return l;
      }
      case Op::HOST: {
        const auto& info = host_fn_info(static_cast<HostFn>(fn.code[f.ip].a));
        return site(f, Kind::Host, fmt::format("host call {} returned it: an input, recorded in the trace", info.name));
      }
      default: {
        OriginLink l = site(f, Kind::Computed,
                            f.operands.size() == 1 ? "computed from its operand" : "computed from its operands");
        if (f.operands.empty()) l.note = "computed";
        expand(l, depth, [&] {
          for (std::size_t k = 0; k < f.operands.size(); ++k) {
            // The links limit may be reached inside an operand: the rest wait for "go on".
            if (links >= options_.max_links) {
              bounded = true;
              for (; k < f.operands.size(); ++k) {
                const auto rest = go_on_operands(f, static_cast<std::uint32_t>(k));
                l.go_on.insert(l.go_on.end(), rest.begin(), rest.end());
              }
              break;
            }
            l.from.push_back(produced(operand(f, k), depth + 1));
          }
        });
        return l;
      }
    }
  }

  // get_local: the local's writer folded in when it is a store or an argument, so a value
  // passed along through locals takes one line per hop.
  OriginLink loaded(const StepFlow& f, std::uint32_t depth) {
    const std::uint32_t local = program_.functions[f.fn].code[f.ip].a;
    const std::string name = local_name(f.fn, f.ip, local);
    OriginLink l = site(f, Kind::Loaded, "loaded from local " + name);
    l.place = "local " + name;
    const ValueSource writer = local_operand(f, 0);
    const auto go_on = [&] {
      return std::vector<OriginLink::GoOn>{{f.step, local_expression(f.fn, f.ip, local, f.base)}};
    };
    if (!writer.before_window() && writer.step != ValueSource::kRunStart && writer.part != ValueSource::kByDebugger) {
      const StepFlow w = flow_.at(writer.step);
      if (writer.part == 0 && w.op == Op::SET_LOCAL) {
        l.note += fmt::format(", written at step {} by {}", w.step, instruction(w));
        l.written_at = w.step;
        expand(
            l, depth, [&] { l.from.push_back(produced(operand(w, 0), depth + 1)); }, go_on);
        return l;
      }
      if (writer.part > 0 && passes_argument(w, writer.part - 1)) {
        const bool tail = w.op == Op::TAIL_CALL || w.op == Op::TAIL_CALL_FN;
        l.note += fmt::format(": argument {} of the {}call at step {}, {} in {}", writer.part - 1, tail ? "tail " : "",
                              w.step, instruction(w), where(w.fn, w.ip));
        l.written_at = w.step;
        expand(
            l, depth, [&] { l.from.push_back(produced(operand(w, writer.part - 1), depth + 1)); }, go_on);
        return l;
      }
    }
    expand(
        l, depth, [&] { l.from.push_back(local_writer(writer, depth + 1, "")); }, go_on);
    return l;
  }

  // The link for what wrote a local: a store, a call setting up its frame, an increment.
  // [place]: the user's name for it, when it is the place asked about.
  OriginLink local_writer(const ValueSource& writer, std::uint32_t depth, const std::string& place) {
    if (writer.before_window()) return before_window("");
    if (writer.step == ValueSource::kRunStart)
      return pseudo(Kind::Initial, "nil: a local of the entry function, as the run starts");
    if (writer.part == ValueSource::kByDebugger) return debugger(writer.step);
    const StepFlow w = flow_.at(writer.step);
    if (writer.part > 0) {
      const std::uint32_t k = writer.part - 1;
      const Function& callee = program_.functions[w.callee];
      const std::string name = k < callee.locals.size() ? local_name(w.callee, 0, k) : fmt::format("#{}", k);
      if (!passes_argument(w, k)) {
        OriginLink l = site(w, Kind::Initial,
                            k + 1 == callee.arity && callee.rest
                                ? fmt::format("made the list of the extra arguments, {}'s rest parameter {}",
                                              program_.function_label(w.callee), name)
                                : fmt::format("nil: {}'s local {} starts so when the call enters it",
                                              program_.function_label(w.callee), name));
        l.index = k;
        l.place = place;
        return l;
      }
      OriginLink l = site(w, Kind::Argument,
                          fmt::format("passed as argument {} ({}) of {}", k, name, program_.function_label(w.callee)));
      l.index = k;
      l.place = place;
      expand(
          l, depth, [&] { l.from.push_back(produced(operand(w, k), depth + 1)); },
          [&] { return go_on_operands(w, k); });
      return l;
    }
    const std::uint32_t local = program_.functions[w.fn].code[w.ip].a;
    const std::string name = place.empty() ? "local " + local_name(w.fn, w.ip, local) : place;
    switch (w.op) {
      case Op::SET_LOCAL: {
        OriginLink l = site(w, Kind::Stored, "stored into " + name);
        l.place = name;
        expand(
            l, depth, [&] { l.from.push_back(produced(operand(w, 0), depth + 1)); },
            [&] { return go_on_operands(w, 0); });
        return l;
      }
      case Op::INC_LOCAL:
      case Op::FOR_NEXT: {
        // A run of increments of the local (a counter) is one link: from the value before
        // the first of them.
        StepFlow first = w;
        std::uint64_t count = 1;
        for (ValueSource before = local_operand(w, 0); count < kMaxIncrements && before.part == 0 &&
                                                       !before.before_window() && before.step != ValueSource::kRunStart;
             before = local_operand(first, 0), ++count) {
          const StepFlow p = flow_.at(before.step);
          if (p.op != w.op || p.depth != w.depth || p.base != w.base || program_.functions[p.fn].code[p.ip].a != local)
            break;
          first = p;
        }
        const bool loop = w.op == Op::FOR_NEXT;
        std::string note;
        if (count == 1) {
          note = loop ? fmt::format("computed: the loop counter {} plus 1", name)
                      : fmt::format("computed: {} plus {}", name, program_.functions[w.fn].code[w.ip].b);
        } else {
          note = loop ? fmt::format("computed: the loop counter {}, counted on {} times since step {}", name, count,
                                    first.step)
                      : fmt::format("computed: {}, the last of {} increments since step {}", name, count, first.step);
        }
        OriginLink l = site(w, Kind::Computed, std::move(note));
        l.place = name;
        expand(
            l, depth, [&] { l.from.push_back(local_writer(local_operand(first, 0), depth + 1, "")); },
            [&] {
              return std::vector<OriginLink::GoOn>{{first.step, local_expression(w.fn, w.ip, local, w.base)}};
            });
        return l;
      }
      default:
        return produced(ValueSource{w.step, 0}, depth);
    }
  }

  // get_global, get_capture, car, cdr, array_get: the slot's last write before it.
  OriginLink read(const StepFlow& f, std::uint32_t depth) {
    const std::string what = slot_text(program_, f.read, &cursor_.state());
    OriginLink l = site(f, Kind::Read, "read from " + what);
    l.place = what;
    const auto go_on = [&] { return std::vector<OriginLink::GoOn>{{f.step, slot_expression(program_, f.read)}}; };
    const std::optional<SlotWrite> w = slot_write(f.read, f.step);
    if (!w) {
      if (f.read.kind == SlotKey::Kind::Global && cursor_.start() == 0)
        l.note += ": its initial value, never stored into";
      else
        l.note += fmt::format(", not written after step {}, where the recorded window starts", cursor_.start());
      return l;
    }
    l.written_at = w->position;
    if (w->by == SlotWrite::By::Debugger) {
      l.note += fmt::format(", set by the debugger at step {}", w->position);
      return l;
    }
    const StepFlow s = flow_.at(w->position);
    if (w->by == SlotWrite::By::Store) {
      l.note += fmt::format(", written at step {} by {} in {}", s.step, instruction(s), where(s.fn, s.ip));
      expand(
          l, depth, [&] { l.from.push_back(produced(operand(s, stored_operand(s.op)), depth + 1)); }, go_on);
      return l;
    }
    l.note += fmt::format(", made at step {} by {} in {}", s.step, instruction(s), where(s.fn, s.ip));
    if (s.op == Op::CONS || s.op == Op::MAKE_CLOSURE) {
      expand(
          l, depth, [&] { l.from.push_back(produced(operand(s, f.read.index), depth + 1)); }, go_on);
      return l;
    }
    expand(
        l, depth, [&] { l.from.push_back(made_slot(s, f.read.index, depth + 1)); }, go_on);
    return l;
  }

  // The allocation that gave slot [index] of its object its first value.
  OriginLink made_slot(const StepFlow& f, std::uint32_t index, std::uint32_t depth) {
    if (f.op == Op::CONS || f.op == Op::MAKE_CLOSURE) {
      OriginLink l =
          site(f, Kind::Made,
               f.op == Op::CONS ? fmt::format("made the pair, with this as its {}", index == 0 ? "car" : "cdr")
                                : fmt::format("made the closure, with this as its capture {}", index));
      l.index = index;
      expand(
          l, depth, [&] { l.from.push_back(produced(operand(f, index), depth + 1)); },
          [&] { return go_on_operands(f, index); });
      return l;
    }
    if (f.op == Op::ARRAY_NEW) {
      OriginLink l = site(f, Kind::Initial, "initial nil of the array allocated here");
      l.index = index;
      return l;
    }
    OriginLink l = site(f, Kind::Made, "made the list of the extra arguments of the call");
    l.index = index;
    return l;
  }

  // A conditional branch whose direction led to a constant, and its condition.
  OriginLink branch(std::uint64_t step, std::uint32_t depth) {
    const StepFlow b = flow_.at(step);
    const bool loop = b.op == Op::FOR_NEXT;
    OriginLink l =
        site(b, Kind::Branch,
             loop ? (b.taken ? "the loop went round again" : "the loop ended")
                  : (b.taken ? "the branch jumped, on this value" : "the branch fell through, on this value"));
    expand(
        l, depth,
        [&] {
          for (std::size_t k = 0; k < b.operands.size(); ++k)
            l.from.push_back(loop ? local_writer(local_operand(b, k), depth + 1, "")
                                  : produced(operand(b, k), depth + 1));
        },
        [&] { return go_on_operands(b); });
    return l;
  }

  // Runs [children] when [l] (at [depth]) may have links under it; otherwise marks it as
  // where a bound stopped the walk, with the places to go on from.
  template <class Children, class GoOn>
  void expand(OriginLink& l, std::uint32_t depth, Children children, GoOn go_on) {
    if (depth < options_.depth && links < options_.max_links) {
      children();
      return;
    }
    bounded = true;
    l.go_on = go_on();
  }
  template <class Children>
  void expand(OriginLink& l, std::uint32_t depth, Children children) {
    expand(l, depth, children, [&] {
      const StepFlow f = flow_.at(l.step);
      return go_on_operands(f);
    });
  }

  // The operands of [f] as value-stack slots at its step (only operand [only], when given).
  std::vector<OriginLink::GoOn> go_on_operands(const StepFlow& f, std::optional<std::uint32_t> only = std::nullopt) {
    std::vector<OriginLink::GoOn> out;
    const auto n = static_cast<std::uint32_t>(f.operands.size());
    if (f.op == Op::GET_LOCAL || f.op == Op::INC_LOCAL || f.op == Op::FOR_NEXT) {
      const std::uint32_t local = program_.functions[f.fn].code[f.ip].a;
      for (std::uint32_t k = 0; k < n; ++k) out.push_back({f.step, local_expression(f.fn, f.ip, local + k, f.base)});
      return out;
    }
    for (std::uint32_t k = 0; k < n && k <= f.sp; ++k)
      if (!only || *only == k) out.push_back({f.step, fmt::format("$stack[{}]", f.sp - n + k)});
    return out;
  }

  // Whether the call [w] passed local [k] of its callee as an argument it was given (not
  // the nil of a later local, nor a rest list the call made of the extra ones).
  bool passes_argument(const StepFlow& w, std::uint32_t k) const {
    if (w.op != Op::CALL && w.op != Op::CALL_FN && w.op != Op::TAIL_CALL && w.op != Op::TAIL_CALL_FN) return false;
    const Function& callee = program_.functions[w.callee];
    if (k >= callee.arity || k >= w.operands.size()) return false;
    const bool dynamic = w.op == Op::CALL || w.op == Op::TAIL_CALL;
    return !(dynamic && callee.rest && k + 1 == callee.arity);
  }

  // The last write to a global or heap slot before [before] (an interrupt ends the walk).
  std::optional<SlotWrite> slot_write(const SlotKey& slot, std::uint64_t before) {
    std::optional<SlotWrite> w = last_slot_write(cursor_, slot, before);
    if (interrupted()) throw FlowInterrupted();
    return w;
  }

  // Where operand [k] of [f] came from: a value on the operand stack, replayed from
  // further back when [f]'s window began after it was pushed.
  ValueSource operand(const StepFlow& f, std::size_t k) {
    if (k >= f.operands.size()) return {};
    if (!f.operands[k].before_window()) return f.operands[k];
    const StepFlow whole = flow_.at(f.step, need_operand(k));
    return k < whole.operands.size() ? whole.operands[k] : ValueSource{};
  }
  // The same for a local [f] reads (get_local, inc_local, for_next's counter and limit).
  ValueSource local_operand(const StepFlow& f, std::size_t k) {
    return flow_.local_source(f, k, program_.functions[f.fn].code[f.ip].a + static_cast<std::uint32_t>(k));
  }

  OriginLink site(const StepFlow& f, Kind kind, std::string note) {
    ++links;
    OriginLink l;
    l.kind = kind;
    l.has_site = true;
    l.step = f.step;
    l.fn = f.fn;
    l.ip = f.ip;
    const Function& fn = program_.functions[f.fn];
    l.line = fn.line_at(f.ip);
    l.column = program_.compiled ? fn.column_at(f.ip) : 0;
    l.instruction = instruction(f);
    l.note = std::move(note);
    return l;
  }
  OriginLink pseudo(Kind kind, std::string note) {
    ++links;
    OriginLink l;
    l.kind = kind;
    l.note = std::move(note);
    return l;
  }
  OriginLink before_window(const std::string& what) {
    return pseudo(Kind::BeforeWindow, fmt::format("{}{}made before step {}, where the recorded window starts", what,
                                                  what.empty() ? "" : ": ", cursor_.start()));
  }
  OriginLink debugger(std::uint64_t position) {
    OriginLink l = pseudo(Kind::Debugger, fmt::format("set by the debugger at step {}", position));
    l.step = position;
    return l;
  }

  std::string instruction(const StepFlow& f) const {
    return disassemble_instruction(program_, program_.functions[f.fn], f.ip);
  }
  std::string where(std::uint32_t fn, std::uint32_t ip) const {
    const Function& f = program_.functions[fn];
    // A compiled program's library (its prelude) has no source positions.
    if (program_.compiled && f.line_at(ip) == 0) return program_.function_label(fn) + " (library)";
    const std::uint32_t column = program_.compiled ? f.column_at(ip) : 0;
    return fmt::format("{} ({}:{}{})", program_.function_label(fn), program_.source_name, f.line_at(ip),
                       column ? fmt::format(":{}", column) : "");
  }
  // A compiled program's source variable in local slot [local] around instruction [ip] (a
  // store comes just before its variable's scope opens), else the assembly name.
  const SourceVar* source_var(std::uint32_t fn, std::uint32_t ip, std::uint32_t local) const {
    const SourceVar* best = nullptr;
    for (std::uint32_t at : {ip, ip + 1})
      for (const SourceVar& v : program_.functions[fn].vars)
        if (v.slot == SourceVar::Slot::Local && v.index == local && v.begin <= at && at < v.end &&
            (!best || v.begin >= best->begin))
          best = &v;
    return best;
  }
  std::string local_name(std::uint32_t fn, std::uint32_t ip, std::uint32_t local) const {
    if (const SourceVar* v = source_var(fn, ip, local)) return v->name;
    const Function& f = program_.functions[fn];
    return local < f.locals.size() ? f.locals[local] : fmt::format("#{}", local);
  }
  // An expression naming local [local] of the frame running [fn] at [ip]: FUNCTION::NAME
  // when the name reads that slot there, else the value-stack slot.
  std::string local_expression(std::uint32_t fn, std::uint32_t ip, std::uint32_t local, std::uint32_t base) const {
    const Function& f = program_.functions[fn];
    if (f.vars.empty() && local < f.locals.size()) return program_.function_label(fn) + "::" + f.locals[local];
    const SourceVar* v = source_var(fn, ip, local);
    if (v && !v->boxed && v->begin <= ip && ip < v->end) return program_.function_label(fn) + "::" + v->name;
    return fmt::format("$stack[{}]", base + local);
  }

  Cursor& cursor_;
  const Program& program_;
  ValueFlow flow_;
  OriginOptions options_;
};

// How a link's value is read: where it ran, before or after.
struct ValueRead {
  OriginLink* link;
  std::uint64_t position;
  enum class From : std::uint8_t { Stack, Local, Nil } from;
  std::uint32_t arg;  // Stack: slots below the top (1: the top); Local: which local
};

void collect_reads(const Program& program, OriginLink& l, std::vector<ValueRead>& out) {
  for (OriginLink& child : l.from) collect_reads(program, child, out);
  if (!l.has_site) return;
  const Function& fn = program.functions[l.fn];
  const Instr& in = fn.code[l.ip];
  const auto pre = [&](std::uint32_t below_top) { out.push_back({&l, l.step, ValueRead::From::Stack, below_top}); };
  switch (l.kind) {
    case Kind::Argument: {
      const std::uint32_t n = in.op == Op::CALL || in.op == Op::TAIL_CALL ? in.a : program.functions[in.b].arity;
      return pre(n - l.index);
    }
    case Kind::Made:
      if (in.op == Op::CONS) return pre(l.index == 0 ? 2 : 1);
      if (in.op == Op::MAKE_CLOSURE)
        return pre(static_cast<std::uint32_t>(program.functions[in.b].captures.size()) - l.index);
      return;  // a pair of a call's rest list
    case Kind::Initial:
      // A new array's nil, or the callee's local a call set up.
      if (in.op == Op::ARRAY_NEW)
        out.push_back({&l, l.step, ValueRead::From::Nil, 0});
      else
        out.push_back({&l, l.step + 1, ValueRead::From::Local, l.index});
      return;
    default:
      break;
  }
  switch (in.op) {
    case Op::SET_LOCAL:
    case Op::SET_GLOBAL:
    case Op::SET_CAPTURE:
    case Op::SET_CAR:
    case Op::SET_CDR:
    case Op::ARRAY_SET:
    case Op::RETURN:
    case Op::THROW:
    case Op::JUMP_IF_TRUE:
    case Op::JUMP_IF_FALSE:
    case Op::HALT:
      return pre(1);
    case Op::INC_LOCAL:
    case Op::FOR_NEXT:
      out.push_back({&l, l.step + 1, ValueRead::From::Local, in.a});
      return;
    default:
      out.push_back({&l, l.step + 1, ValueRead::From::Stack, 1});
      return;
  }
}

void show(OriginLink& l, const VmState& vm, const Value& v) {
  const EvalResult r = EvalResult::of(v);
  l.has_value = true;
  l.value_text = result_text(vm, r, 80);
  l.value_json = result_json(vm, r);
}

// Every link's value, read at its step: one forward pass over the steps in order (the
// cursor replays the short distances between them and restores a snapshot for long ones).
void read_values(Cursor& cursor, OriginLink& chain) {
  std::vector<ValueRead> reads;
  collect_reads(cursor.program(), chain, reads);
  std::stable_sort(reads.begin(), reads.end(),
                   [](const ValueRead& a, const ValueRead& b) { return a.position < b.position; });
  for (const ValueRead& r : reads) {
    if (r.from == ValueRead::From::Nil) {
      show(*r.link, cursor.state(), Value());
      continue;
    }
    if (r.position > cursor.end()) continue;
    cursor.seek(r.position);
    const VmState& vm = cursor.state();
    if (vm.depth == 0) continue;
    if (r.from == ValueRead::From::Local) {
      if (r.arg < vm.function_of(vm.top()).local_count()) show(*r.link, vm, vm.top().base[r.arg]);
    } else if (static_cast<std::size_t>(r.arg) <= vm.stack_size()) {
      show(*r.link, vm, vm.sp[-static_cast<std::ptrdiff_t>(r.arg)]);
    }
  }
}

}  // namespace

Origin origin(Cursor& cursor, const Expression& place, std::uint64_t at, const OriginOptions& options) {
  const std::uint64_t home = cursor.position();
  Origin out;
  out.place = place.text();
  out.at = at;
  out.options = options;
  out.window_start = cursor.start();
  cursor.seek(at);
  const VmState& vm = cursor.state();
  const bool in_frames = options.frames > 0 && options.frames <= vm.depth;
  const Value* slot = in_frames ? place.locate_in(vm, options.frames) : place.locate(vm);
  const SlotKey key = slot_of(vm, slot);
  if (!slot || key.kind == SlotKey::Kind::None) {
    const EvalResult r = in_frames ? place.evaluate_in(vm, options.frames) : place.evaluate(vm);
    cursor.seek(home);
    if (!r.available) throw OriginError(fmt::format("{} has no value at step {}: {}", place.text(), at, r.reason));
    throw OriginError(
        fmt::format("{} is not a place: origin follows a global, a local, an array item, a pair's car "
                    "or cdr, or a value-stack slot",
                    place.text()));
  }
  const EvalResult value = EvalResult::of(*slot);
  out.value_text = result_text(vm, value, 80);
  out.value_json = result_json(vm, value);
  const bool on_stack = key.kind == SlotKey::Kind::Local || key.kind == SlotKey::Kind::Stack;
  const auto index = on_stack ? static_cast<std::uint32_t>(slot - vm.stack) : 0;
  Walker walker(cursor, options);
  try {
    out.chain = walker.first(key, index, place.text(), at);
    read_values(cursor, out.chain);
  } catch (const FlowInterrupted&) {
    out.interrupted = true;
  }
  out.links = walker.links;
  out.bounded = walker.bounded;
  cursor.seek(home);
  return out;
}

}  // namespace pw::replay
