// VmState set-up, error contexts, and the display form of values.
#include "vm.h"

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "gc.h"
#include "object.h"

namespace pw {

VmConfig VmConfig::from_environment() {
  VmConfig c;
  const char* stress = std::getenv("PWVM_GC_STRESS");
  if (stress && *stress && std::strcmp(stress, "0") != 0) c.gc.stress = true;
  return c;
}

std::string limits_problem(const Limits& l) {
  auto check = [](const char* flag, std::uint64_t value, std::uint64_t ceiling, const char* unit,
                  std::uint64_t least = 1) -> std::string {
    if (value < least) return fmt::format("{} must be at least {}", flag, least);
    if (value > ceiling) return fmt::format("{} {} is above the most a VM accepts, {} {}", flag, value, ceiling, unit);
    return {};
  };
  for (std::string problem : {check("--max-steps", l.max_steps, UINT64_MAX, "steps"),
                              check("--max-stack", l.max_stack, kMaxStackCeiling, "slots"),
                              check("--max-depth", l.max_depth, kMaxDepthCeiling, "frames"),
                              check("--max-heap", l.max_heap, kMaxHeapCeiling, "bytes"),
                              check("--max-output", l.max_output, kMaxOutputCeiling, "bytes", 0)})
    if (!problem.empty()) return problem;
  return {};
}

VmState::VmState(std::shared_ptr<const Program> program, VmConfig config, Host* host)
    : program_(std::move(program)), config_(config), host_(host) {
  const Program& p = *program_;
  // calloc: untouched pages cost no memory, and zero bytes are nils.
  std::size_t max_frame = 0;
  std::size_t total = 0;
  for (const Function& f : p.functions) total += f.code.size();
  code.reserve(total);
  for (const Function& f : p.functions) {
    const Instr* start = code.data() + code.size();
    code.insert(code.end(), f.code.begin(), f.code.end());
    fn_runtime.push_back({start, f.arity, f.rest ? UINT32_MAX : f.arity, f.local_count() + f.max_stack,
                          static_cast<std::uint16_t>(f.local_count()),
                          static_cast<std::uint16_t>(f.captures.size())});
    max_frame = std::max<std::size_t>(max_frame, f.local_count() + f.max_stack);
  }
  const std::size_t slots = std::size_t{config_.limits.max_stack} + max_frame + 8;
  stack = static_cast<Value*>(std::calloc(slots, sizeof(Value)));
  frames = static_cast<Frame*>(std::calloc(std::size_t{config_.limits.max_depth} + 1, sizeof(Frame)));
  if (!stack || !frames) throw std::bad_alloc();
  stack_limit = stack + config_.limits.max_stack;
  sp = stack;
  gc_threshold = config_.gc.min_threshold;

  // Constants first, so their strings get the lowest ids on every run.
  for (const Constant& c : p.constants) {
    switch (c.type) {
      case ValueType::Int: constants.push_back(Value::integer(c.i)); break;
      case ValueType::Float: constants.push_back(Value::number(c.f)); break;
      case ValueType::Bool: constants.push_back(Value::boolean(c.b)); break;
      case ValueType::Symbol: constants.push_back(Value::symbol(c.sym)); break;
      case ValueType::String: {
        Object* o = heap.allocate(ValueType::String, string_bytes(c.text.size()),
                                  static_cast<std::uint32_t>(c.text.size()));
        if (!o) throw std::bad_alloc();
        std::memcpy(static_cast<StringObj*>(o)->chars(), c.text.data(), c.text.size());
        constants.push_back(Value::object(ValueType::String, o));
        break;
      }
      default: constants.push_back(Value()); break;
    }
  }
  for (std::size_t g = 0; g < p.globals.size(); ++g) {
    const std::int32_t init = g < p.global_inits.size() ? p.global_inits[g] : -1;
    globals.push_back(init >= 0 ? constants[static_cast<std::size_t>(init)] : Value());
  }

  // The entry frame.
  const FnRuntime& entry = fn_runtime[p.entry];
  Frame& f = frames[0];
  f.ip = entry.code;
  f.base = stack;
  f.result_slot = stack;
  f.closure = nullptr;
  f.fn = p.entry;
  f.code = entry.code;
  f.id = next_frame_id++;
  depth = 1;
  sp = stack + entry.local_count;
}

VmState::~VmState() {
  std::free(stack);
  std::free(frames);
}

ErrorContext VmState::make_context() const {
  ErrorContext c;
  const Program& p = *program_;
  for (std::uint32_t d = depth; d-- > 0;) {
    const Frame& f = frames[d];
    const Function& fn = p.functions[f.fn];
    std::uint32_t ip = ip_index(f);
    if (d + 1 < depth && ip > 0) --ip;  // a caller's saved ip is past its call
    // Hand-written .pwa reports keep file:line; a compiler's positions name the column too.
    const std::uint32_t column = p.compiled ? fn.column_at(ip) : 0;
    c.call_stack.push_back({fn.display_name(), ip, fn.line_at(ip), column});
  }
  if (!c.call_stack.empty()) {
    c.ip = c.call_stack.front().ip;
    c.function = c.call_stack.front().function;
    c.line = c.call_stack.front().line;
    c.column = c.call_stack.front().column;
  }
  c.file = p.source_name;
  std::string text = p.source_line(c.line);
  const auto first = text.find_first_not_of(" \t");
  c.source_line = first == std::string::npos ? "" : text.substr(first);
  c.state.stack_size = stack_size();
  c.state.heap_objects = heap.stats().live_objects;
  c.state.heap_bytes = heap.stats().live_bytes;
  c.state.call_depth = depth;
  c.state.step = step;
  return c;
}

VmError VmState::make_error(ErrorKind kind, std::string message) const {
  VmError e{kind, std::move(message), make_context()};
  // The failing instruction counts as executed, as executed_steps() counts it once failed.
  if (fails_inside_instruction(kind)) ++e.context.state.step;
  return e;
}

namespace {

constexpr int kMaxDisplayDepth = 8;
constexpr std::size_t kMaxDisplayItems = 100;   // per list or array
constexpr std::size_t kDisplayBudget = 2000;    // values in the whole text: shared or cyclic
                                                // structure must not print exponentially

// Where display text goes. display_into writes through one of these, so the same walk can
// build a std::string, only count bytes, fill a heap string in place, or keep a prefix.
struct CountingSink {
  std::size_t size = 0;
  void operator+=(std::string_view s) { size += s.size(); }
  void operator+=(char) { ++size; }
};

struct WritingSink {
  char* at;
  void operator+=(std::string_view s) {
    if (!s.empty()) std::memcpy(at, s.data(), s.size());
    at += s.size();
  }
  void operator+=(char c) { *at++ = c; }
};

struct PrefixSink {
  std::string& out;
  std::size_t max;
  std::size_t size = 0;  // of the whole text
  void operator+=(std::string_view s) {
    if (out.size() < max) out.append(s.substr(0, max - out.size()));
    size += s.size();
  }
  void operator+=(char c) { *this += std::string_view(&c, 1); }
};

template <class Sink>
void display_into(const VmState& vm, const Value& v, Sink& out, int depth, bool nested, std::size_t& budget) {
  // Every value printed, even as "...", is charged to the budget.
  if (budget == 0) {
    out += "...";
    return;
  }
  --budget;
  if (depth > kMaxDisplayDepth) {
    out += "...";
    return;
  }
  switch (v.type) {
    case ValueType::Nil: out += "nil"; break;
    case ValueType::Bool: out += v.b ? "true" : "false"; break;
    case ValueType::Int: out += fmt::format("{}", v.i); break;
    case ValueType::Float: {
      std::string s = fmt::format("{}", v.f);
      // Keep floats recognisable: 2.0 prints as 2.0, not 2.
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
      out += s;
      break;
    }
    case ValueType::Symbol: out += vm.program().symbols[v.sym]; break;
    case ValueType::Function: out += fmt::format("<fn {}>", vm.program().functions[v.fn].name); break;
    case ValueType::String:
      if (nested) out += '"';
      out += as_string(v)->view();
      if (nested) out += '"';
      break;
    case ValueType::Closure: {
      const ClosureObj* c = as_closure(v);
      out += fmt::format("<closure {} #{}>", vm.program().functions[c->fn].name, c->id);
      break;
    }
    case ValueType::Array: {
      const ArrayObj* a = as_array(v);
      out += '[';
      for (std::uint32_t i = 0; i < a->length; ++i) {
        if (i) out += ", ";
        if (i == kMaxDisplayItems || budget == 0) {
          out += "...";
          break;
        }
        display_into(vm, a->items()[i], out, depth + 1, true, budget);
      }
      out += ']';
      break;
    }
    case ValueType::Pair: {
      // Proper lists print as (1 2 3), others as (1 2 . 3).
      out += '(';
      Value cur = v;
      std::size_t n = 0;
      for (;;) {
        const PairObj* p = as_pair(cur);
        if (n) out += ' ';
        if (n++ == kMaxDisplayItems || budget == 0) {
          out += "...";
          break;
        }
        display_into(vm, p->car, out, depth + 1, true, budget);
        if (p->cdr.type == ValueType::Pair) {
          cur = p->cdr;
          continue;
        }
        if (!p->cdr.is_nil()) {
          out += " . ";
          display_into(vm, p->cdr, out, depth + 1, true, budget);
        }
        break;
      }
      out += ')';
      break;
    }
  }
}

}  // namespace

std::string display(const VmState& vm, const Value& v) {
  std::string out;
  std::size_t budget = kDisplayBudget;
  display_into(vm, v, out, 0, false, budget);
  return out;
}

std::size_t display_length(const VmState& vm, const Value& v) {
  CountingSink sink;
  std::size_t budget = kDisplayBudget;
  display_into(vm, v, sink, 0, false, budget);
  return sink.size;
}

void display_to(const VmState& vm, const Value& v, char* out) {
  WritingSink sink{out};
  std::size_t budget = kDisplayBudget;
  display_into(vm, v, sink, 0, false, budget);
}

std::string display_brief(const VmState& vm, const Value& v, std::size_t max_bytes) {
  std::string out;
  PrefixSink sink{out, max_bytes};
  std::size_t budget = kDisplayBudget;
  display_into(vm, v, sink, 0, false, budget);
  if (sink.size > max_bytes) out += fmt::format("... ({} bytes in all)", sink.size);
  return out;
}

}  // namespace pw
