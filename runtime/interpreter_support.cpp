// The interpreter's slow paths: mixed and float arithmetic, division, comparisons of
// non-ints, strings, arrays, host calls, exception unwinding and instruction checks.
#include "interpreter_support.h"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "gc.h"
#include "object.h"

namespace pw::detail {
namespace {

bool is_number(const Value& v) { return v.type == ValueType::Int || v.type == ValueType::Float; }
double as_double(const Value& v) { return v.type == ValueType::Int ? static_cast<double>(v.i) : v.f; }

std::string_view op_symbol(Op op) {
  switch (op) {
    case Op::ADD: case Op::ADD_IMM: return "add";
    case Op::SUB: case Op::SUB_IMM: return "sub";
    case Op::MUL: case Op::MUL_IMM: return "mul";
    case Op::DIV: case Op::DIV_IMM: return "div";
    case Op::MOD: case Op::MOD_IMM: return "mod";
    case Op::NEG: return "neg";
    case Op::LT: case Op::LT_IMM: return "lt";
    case Op::LE: case Op::LE_IMM: return "le";
    case Op::GT: case Op::GT_IMM: return "gt";
    case Op::GE: case Op::GE_IMM: return "ge";
    default: return op_info(op).mnemonic;
  }
}

Op base_op(Op op) {
  switch (op) {
    case Op::ADD_IMM: return Op::ADD;
    case Op::SUB_IMM: return Op::SUB;
    case Op::MUL_IMM: return Op::MUL;
    case Op::DIV_IMM: return Op::DIV;
    case Op::MOD_IMM: return Op::MOD;
    case Op::LT_IMM: return Op::LT;
    case Op::LE_IMM: return Op::LE;
    case Op::GT_IMM: return Op::GT;
    case Op::GE_IMM: return Op::GE;
    default: return op;
  }
}

bool int_arith(VmState& vm, Op op, std::int64_t a, std::int64_t b, std::int64_t* out) {
  bool overflow = false;
  switch (op) {
    case Op::ADD: overflow = __builtin_add_overflow(a, b, out); break;
    case Op::SUB: overflow = __builtin_sub_overflow(a, b, out); break;
    case Op::MUL: overflow = __builtin_mul_overflow(a, b, out); break;
    case Op::NEG: overflow = __builtin_sub_overflow(std::int64_t{0}, a, out); break;
    case Op::DIV:
    case Op::MOD: {
      if (b == 0) {
        fail(vm, ErrorKind::DivisionByZero, fmt::format("{} {} by zero", a, op == Op::DIV ? "divided" : "modulo"));
        return false;
      }
      if (a == INT64_MIN && b == -1) {
        if (op == Op::MOD) {
          *out = 0;
          return true;
        }
        overflow = true;
        break;
      }
      std::int64_t q = a / b;
      std::int64_t r = a % b;
      if (r != 0 && ((r < 0) != (b < 0))) {  // floor toward minus infinity
        q -= 1;
        r += b;
      }
      *out = op == Op::DIV ? q : r;
      break;
    }
    default: break;
  }
  if (overflow) {
    fail(vm, ErrorKind::ArithmeticOverflow,
         op == Op::NEG ? fmt::format("-({}) does not fit in a 64-bit int", a)
                       : fmt::format("{} {} {} does not fit in a 64-bit int", a, op_symbol(op), b));
    return false;
  }
  return true;
}

}  // namespace

std::string_view value_type_of(const Value& v) { return type_name(v.type); }

void fail(VmState& vm, ErrorKind kind, std::string message) {
  vm.error = vm.make_error(kind, std::move(message));
  vm.status = RunStatus::Failed;
}

bool arith_slow(VmState& vm, Op op, Value& a, const Value& b) {
  op = base_op(op);
  if (op == Op::NEG) {
    if (a.is_int()) {
      std::int64_t r;
      if (!int_arith(vm, op, a.i, 0, &r)) return false;
      a = Value::integer(r);
      return true;
    }
    if (a.type == ValueType::Float) {
      a = Value::number(-a.f);
      return true;
    }
    fail(vm, ErrorKind::TypeError, fmt::format("neg expects a number, got {}", value_type_of(a)));
    return false;
  }
  if (!is_number(a) || !is_number(b)) {
    fail(vm, ErrorKind::TypeError,
         fmt::format("{} expects numbers, got {} and {}", op_symbol(op), value_type_of(a), value_type_of(b)));
    return false;
  }
  if (a.is_int() && b.is_int()) {
    std::int64_t r = 0;
    if (!int_arith(vm, op, a.i, b.i, &r)) return false;
    a = Value::integer(r);
    return true;
  }
  const double x = as_double(a), y = as_double(b);
  double r = 0;
  switch (op) {
    case Op::ADD: r = x + y; break;
    case Op::SUB: r = x - y; break;
    case Op::MUL: r = x * y; break;
    case Op::DIV:
    case Op::MOD:
      if (y == 0) {
        fail(vm, ErrorKind::DivisionByZero,
             fmt::format("{} {} by zero", display(vm, a), op == Op::DIV ? "divided" : "modulo"));
        return false;
      }
      r = op == Op::DIV ? x / y : x - std::floor(x / y) * y;
      break;
    default: break;
  }
  a = Value::number(r);
  return true;
}

std::optional<bool> compare_slow(VmState& vm, Op op, const Value& a, const Value& b) {
  op = base_op(op);
  int c;
  if (is_number(a) && is_number(b)) {
    if (a.is_int() && b.is_int()) c = a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
    else {
      const double x = as_double(a), y = as_double(b);
      if (std::isnan(x) || std::isnan(y)) return false;
      c = x < y ? -1 : (x > y ? 1 : 0);
    }
  } else if (a.type == ValueType::String && b.type == ValueType::String) {
    const int r = as_string(a)->view().compare(as_string(b)->view());
    c = r < 0 ? -1 : (r > 0 ? 1 : 0);
  } else {
    fail(vm, ErrorKind::TypeError,
         fmt::format("{} compares two numbers or two strings, got {} and {}", op_symbol(op), value_type_of(a),
                     value_type_of(b)));
    return std::nullopt;
  }
  switch (op) {
    case Op::LT: return c < 0;
    case Op::LE: return c <= 0;
    case Op::GT: return c > 0;
    case Op::GE: return c >= 0;
    default: return false;
  }
}

bool values_equal(const Value& a, const Value& b) {
  if (a.type != b.type) {
    if (is_number(a) && is_number(b)) return as_double(a) == as_double(b);
    return false;
  }
  switch (a.type) {
    case ValueType::Nil: return true;
    case ValueType::Bool: return a.b == b.b;
    case ValueType::Int: return a.i == b.i;
    case ValueType::Float: return a.f == b.f;
    case ValueType::Symbol: return a.sym == b.sym;
    case ValueType::Function: return a.fn == b.fn;
    case ValueType::String: return a.obj == b.obj || as_string(a)->view() == as_string(b)->view();
    default: return a.obj == b.obj;
  }
}

Object* allocate(VmState& vm, ValueType kind, std::size_t bytes, std::uint32_t length) {
  ErrorKind why{};
  Object* o = allocate_object(vm, kind, bytes, length, &why);
  if (o) return o;
  const auto& limits = vm.config().limits;
  switch (why) {
    case ErrorKind::HeapExhausted:
      fail(vm, why, fmt::format("allocating {} bytes would exceed the heap limit of {} bytes ({} live)", bytes,
                                limits.max_heap, vm.heap.stats().live_bytes));
      break;
    case ErrorKind::GcDisabled:
      fail(vm, why, fmt::format("the heap limit of {} bytes was reached with the collector switched off",
                                limits.max_heap));
      break;
    default:
      if (bytes > limits.max_heap)
        fail(vm, ErrorKind::MemoryError,
             fmt::format("a {} of {} bytes cannot fit in a heap of {} bytes", type_name(kind), bytes, limits.max_heap));
      else
        fail(vm, ErrorKind::MemoryError, fmt::format("cannot allocate {} bytes for a {}", bytes, type_name(kind)));
      break;
  }
  return nullptr;
}

namespace {

// A string of [length] bytes, all zero, for the caller to fill: results are built in place,
// never in a temporary the heap limit does not see. [length] must fit in 32 bits.
StringObj* new_string_of_length(VmState& vm, std::size_t length) {
  return static_cast<StringObj*>(
      allocate(vm, ValueType::String, string_bytes(length), static_cast<std::uint32_t>(length)));
}

StringObj* new_string(VmState& vm, std::string_view text) {
  StringObj* s = new_string_of_length(vm, text.size());
  if (s && !text.empty()) std::memcpy(s->chars(), text.data(), text.size());
  return s;
}

}  // namespace

bool string_op(VmState& vm, Op op) {
  Value* sp = vm.sp;
  switch (op) {
    case Op::STR_LEN: {
      Value& s = sp[-1];
      if (s.type != ValueType::String) {
        fail(vm, ErrorKind::TypeError, fmt::format("str_len expects a string, got {}", value_type_of(s)));
        return false;
      }
      s = Value::integer(as_string(s)->length);
      return true;
    }
    case Op::STR_INDEX: {
      const Value& s = sp[-2];
      const Value& i = sp[-1];
      if (s.type != ValueType::String || !i.is_int()) {
        fail(vm, ErrorKind::TypeError, fmt::format("str_index expects a string and an int, got {} and {}",
                                                   value_type_of(s), value_type_of(i)));
        return false;
      }
      const StringObj* str = as_string(s);
      if (static_cast<std::uint64_t>(i.i) >= str->length) {
        fail(vm, ErrorKind::IndexError,
             fmt::format("index {} out of range for a string of length {}", i.i, str->length));
        return false;
      }
      sp[-2] = Value::integer(static_cast<unsigned char>(str->chars()[i.i]));
      vm.sp = sp - 1;
      return true;
    }
    case Op::STR_CONCAT: {
      const Value& a = sp[-2];
      const Value& b = sp[-1];
      if (a.type != ValueType::String || b.type != ValueType::String) {
        fail(vm, ErrorKind::TypeError,
             fmt::format("str_concat expects two strings, got {} and {}", value_type_of(a), value_type_of(b)));
        return false;
      }
      const std::size_t n = std::size_t{as_string(a)->length} + as_string(b)->length;
      if (n > UINT32_MAX) {
        fail(vm, ErrorKind::MemoryError, "str_concat result would exceed 4 GiB");
        return false;
      }
      // Operands stay on the stack (rooted) while the result is allocated.
      StringObj* s = new_string_of_length(vm, n);
      if (!s) return false;
      const StringObj* x = as_string(sp[-2]);
      const StringObj* y = as_string(sp[-1]);
      std::memcpy(s->chars(), x->chars(), x->length);
      std::memcpy(s->chars() + x->length, y->chars(), y->length);
      sp[-2] = Value::object(ValueType::String, s);
      vm.sp = sp - 1;
      return true;
    }
    case Op::TO_STRING: {
      if (sp[-1].type == ValueType::String) return true;
      // An array may show one big string many times: its text can pass 4 GiB.
      const std::size_t n = display_length(vm, sp[-1]);
      if (n > UINT32_MAX) {
        fail(vm, ErrorKind::MemoryError, fmt::format("to_string result would be {} bytes, more than 4 GiB", n));
        return false;
      }
      // The operand stays on the stack (rooted) while the result is allocated.
      StringObj* s = new_string_of_length(vm, n);
      if (!s) return false;
      display_to(vm, sp[-1], s->chars());
      sp[-1] = Value::object(ValueType::String, s);
      return true;
    }
    default: return false;
  }
}

bool array_new(VmState& vm) {
  Value& n = vm.sp[-1];
  if (!n.is_int()) {
    fail(vm, ErrorKind::TypeError, fmt::format("array_new expects an int length, got {}", value_type_of(n)));
    return false;
  }
  if (n.i < 0) {
    fail(vm, ErrorKind::IndexError, fmt::format("array length {} is negative", n.i));
    return false;
  }
  if (static_cast<std::uint64_t>(n.i) > vm.config().limits.max_heap / sizeof(Value) ||
      n.i > std::int64_t{UINT32_MAX}) {
    fail(vm, ErrorKind::MemoryError,
         fmt::format("an array of {} elements cannot fit in a heap of {} bytes", n.i, vm.config().limits.max_heap));
    return false;
  }
  const auto len = static_cast<std::uint32_t>(n.i);
  Object* o = allocate(vm, ValueType::Array, array_bytes(len), len);
  if (!o) return false;
  vm.sp[-1] = Value::object(ValueType::Array, o);
  return true;
}

namespace {

bool host_call_unguarded(VmState& vm, HostFn fn);

}  // namespace

// A Host is outside code: whatever it throws becomes a HostError here, so no C++ exception
// crosses the dispatch loop.
bool host_call(VmState& vm, HostFn fn) {
  try {
    return host_call_unguarded(vm, fn);
  } catch (const HostInterrupted&) {
    vm.temp_roots.clear();
    return false;  // nothing happened: vm.status stays Paused
  } catch (const std::exception& e) {
    vm.temp_roots.clear();
    fail(vm, ErrorKind::HostError, fmt::format("{}() failed: {}", host_fn_info(fn).name, e.what()));
  } catch (...) {
    vm.temp_roots.clear();
    fail(vm, ErrorKind::HostError, fmt::format("{}() failed", host_fn_info(fn).name));
  }
  return false;
}

namespace {

bool host_call_unguarded(VmState& vm, HostFn fn) {
  const HostFnInfo& info = host_fn_info(fn);
  if (info.capability != kCapNone && !(vm.config().capabilities & info.capability)) {
    fail(vm, ErrorKind::CapabilityDenied,
         fmt::format("{}() needs the '{}' capability: run with --allow {}", info.name,
                     capability_name(info.capability), capability_name(info.capability)));
    return false;
  }
  Value* args = vm.sp - info.arity;
  Value result;
  Host& host = vm.host();
  switch (fn) {
    case HostFn::Print:
    case HostFn::Write: {
      // The text goes straight into the output the state keeps, measured before it is built.
      const std::size_t n = display_length(vm, args[0]) + (fn == HostFn::Print ? 1 : 0);
      if (vm.output.size() + n > vm.config().limits.max_output) {
        fail(vm, ErrorKind::OutputLimitExceeded,
             fmt::format("the program printed more than {} bytes", vm.config().limits.max_output));
        return false;
      }
      const std::size_t at = vm.output.size();
      vm.output.resize(at + n);
      display_to(vm, args[0], vm.output.data() + at);
      if (fn == HostFn::Print) vm.output.back() = '\n';
      host.write_output(std::string_view(vm.output).substr(at));
      break;
    }
    case HostFn::ReadLine: {
      std::optional<std::string> line = host.read_line();
      if (line) {
        StringObj* s = new_string(vm, *line);
        if (!s) return false;
        result = Value::object(ValueType::String, s);
      }
      break;
    }
    case HostFn::Args: {
      const std::vector<std::string> list = host.args();
      Object* o = allocate(vm, ValueType::Array, array_bytes(list.size()), static_cast<std::uint32_t>(list.size()));
      if (!o) return false;
      // The array is reachable from temp_roots while its strings are allocated.
      vm.temp_roots.push_back(Value::object(ValueType::Array, o));
      for (std::size_t i = 0; i < list.size(); ++i) {
        StringObj* s = new_string(vm, list[i]);
        if (!s) {
          vm.temp_roots.pop_back();
          return false;
        }
        static_cast<ArrayObj*>(o)->items()[i] = Value::object(ValueType::String, s);
      }
      vm.temp_roots.pop_back();
      result = Value::object(ValueType::Array, o);
      break;
    }
    case HostFn::Clock: result = Value::integer(host.clock_ns()); break;
    case HostFn::Random: {
      const Value& n = args[0];
      if (!n.is_int() || n.i <= 0) {
        fail(vm, ErrorKind::TypeError,
             fmt::format("random expects a positive int bound, got {}", display_brief(vm, n)));
        return false;
      }
      result = Value::integer(host.random_below(n.i));
      break;
    }
  }
  vm.sp = args;
  *vm.sp++ = result;
  return true;
}

}  // namespace

void drop_handlers(VmState& vm, std::uint32_t frame) {
  while (!vm.handlers.empty() && vm.handlers.back().frame >= frame) vm.handlers.pop_back();
}

bool throw_value(VmState& vm, const Value& v) {
  if (vm.handlers.empty()) {
    fail(vm, ErrorKind::UncaughtException, fmt::format("uncaught exception: {}", display_brief(vm, v)));
    return false;
  }
  const Handler h = vm.handlers.back();
  vm.handlers.pop_back();
  vm.depth = h.frame + 1;
  Frame& f = vm.top();
  f.ip = vm.fn_runtime[f.fn].code + h.target;
  vm.sp = vm.stack + h.stack_height;
  *vm.sp++ = v;
  return true;
}

bool check_instruction(VmState& vm) {
  const Frame& f = vm.top();
  const FnRuntime& fn = vm.fn_runtime[f.fn];
  const Function& function = vm.program().functions[f.fn];
  const std::size_t at = static_cast<std::size_t>(f.ip - fn.code);
  if (at >= function.code.size()) {
    fail(vm, ErrorKind::InvalidOpcode, fmt::format("ip {} is past the end of {}", at, function.name));
    return false;
  }
  const Instr& in = *f.ip;
  if (static_cast<int>(in.op) >= kOpCount) {
    fail(vm, ErrorKind::InvalidOpcode, fmt::format("opcode {} is not defined", static_cast<int>(in.op)));
    return false;
  }
  const OpInfo& info = op_info(in.op);
  auto bad_operand = [&](std::string_view what) {
    fail(vm, ErrorKind::InvalidOpcode, fmt::format("{} has an invalid {} operand", info.mnemonic, what));
    return false;
  };
  const Program& p = vm.program();
  int pops = info.pops;
  switch (info.operand) {
    case OperandKind::Const:
      if (static_cast<std::size_t>(in.b) >= p.constants.size()) return bad_operand("constant");
      break;
    case OperandKind::Func:
      if (static_cast<std::size_t>(in.b) >= p.functions.size()) return bad_operand("function");
      if (in.op == Op::MAKE_CLOSURE) pops = static_cast<int>(vm.fn_runtime[in.b].capture_count);
      else if (pops < 0) pops = static_cast<int>(vm.fn_runtime[in.b].arity);
      break;
    case OperandKind::Local:
    case OperandKind::LocalImm:
      if (in.a >= fn.local_count) return bad_operand("local");
      break;
    case OperandKind::LocalJump:
      if (in.a + 1u >= fn.local_count) return bad_operand("local");
      if (static_cast<std::size_t>(in.b) >= function.code.size()) return bad_operand("jump");
      break;
    case OperandKind::Global:
      if (in.a >= p.globals.size()) return bad_operand("global");
      break;
    case OperandKind::Capture:
      if (!f.closure || in.a >= f.closure->length) return bad_operand("capture");
      break;
    case OperandKind::Jump:
      if (static_cast<std::size_t>(in.b) >= function.code.size()) return bad_operand("jump");
      break;
    case OperandKind::Argc: pops = in.a + 1; break;
    case OperandKind::Type:
      if (in.a >= kValueTypeCount) return bad_operand("type");
      break;
    case OperandKind::Host:
      if (in.a >= kHostFnCount) return bad_operand("host function");
      pops = host_fn_info(static_cast<HostFn>(in.a)).arity;
      break;
    default: break;
  }
  const std::size_t height = static_cast<std::size_t>(vm.sp - (f.base + fn.local_count));
  if (vm.sp < f.base + fn.local_count || height < static_cast<std::size_t>(pops)) {
    fail(vm, ErrorKind::StackUnderflow,
         fmt::format("{} needs {} values, the stack holds {}", info.mnemonic, pops,
                     vm.sp < f.base + fn.local_count ? 0 : height));
    return false;
  }
  if (vm.sp + info.pushes > vm.stack_limit) {
    fail(vm, ErrorKind::StackOverflow, fmt::format("value stack would exceed {} slots", vm.config().limits.max_stack));
    return false;
  }
  return true;
}

}  // namespace pw::detail
