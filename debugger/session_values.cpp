// Values as gdb users ask for them: print formats (p/x), examining objects (x/8 arr), and
// the type and shape of a value (whatis, ptype).
#include <algorithm>
#include <set>

#include <fmt/ranges.h>

#include <fmt/format.h>

#include "command_args.h"
#include "object.h"
#include "session.h"

namespace pw::debugger {
namespace {

constexpr std::size_t kMaxItems = 200;

std::string int_in_format(std::int64_t i, char f) {
  const auto u = static_cast<std::uint64_t>(i);
  switch (f) {
    case 'x':
    case 'a': return fmt::format("0x{:x}", u);
    case 'o': return u ? fmt::format("0{:o}", u) : "0";
    case 't': return fmt::format("{:b}", u);
    case 'u': return fmt::format("{}", u);
    case 'c': {
      const auto c = static_cast<unsigned char>(i);
      return fmt::format("{} '{}'", i, c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c)) : fmt::format("\\x{:02x}", c));
    }
    default: return fmt::format("{}", i);
  }
}

// The type of [v] with its size: "array[10]", "string[5]", "int".
std::string type_word(const Value& v) {
  switch (v.type) {
    case ValueType::Array: return fmt::format("array[{}]", as_array(v)->length);
    case ValueType::String: return fmt::format("string[{}]", as_string(v)->length);
    default: return std::string(type_name(v.type));
  }
}

// "int", or "{int, nil}": the types of [values], in the order they first come.
template <class Each>
std::string types_of(Each each) {
  std::vector<std::string> seen;
  each([&](const Value& v) {
    const std::string t(type_name(v.type));
    if (std::find(seen.begin(), seen.end(), t) == seen.end()) seen.push_back(t);
  });
  if (seen.empty()) return "nothing";
  if (seen.size() == 1) return seen.front();
  return fmt::format("{{{}}}", fmt::join(seen, ", "));
}

}  // namespace

std::string parameters_of(const Function& fn) {
  const std::size_t n = std::min<std::size_t>(fn.arity, fn.locals.size());
  return fmt::format("{}", fmt::join(fn.locals.begin(), fn.locals.begin() + static_cast<std::ptrdiff_t>(n), ", "));
}

Value Session::value_of(std::string_view text) const {
  const replay::Expression e = replay::Expression::compile(text, cursor_.program());
  const replay::EvalResult r = e.evaluate_in(cursor_.state(), selected_depth());
  if (!r.available) throw CommandError(fmt::format("cannot evaluate {}: {}", e.text(), r.reason));
  return r.value;
}

std::string Session::formatted(const Value& v, std::size_t max) const {
  const char f = format_;
  if (f == 0 || f == 's') return value_text(v, max);
  // Items of arrays and lists one level down take the format too.
  const auto item = [&](const Value& x) -> std::string {
    if (x.is_int()) return int_in_format(x.i, f);
    if (x.type == ValueType::Float && f != 'a') return value_text(x, 40);
    return value_text(x, 40);
  };
  switch (v.type) {
    case ValueType::Int: return int_in_format(v.i, f);
    case ValueType::Bool: return int_in_format(v.b ? 1 : 0, f);
    case ValueType::Array: {
      const ArrayObj* a = as_array(v);
      std::string out = "[";
      for (std::uint32_t i = 0; i < a->length && i < kMaxItems; ++i) {
        if (i) out += ", ";
        out += item(a->items()[i]);
      }
      if (a->length > kMaxItems) out += ", ...";
      return out + fmt::format("] #{}", a->id);
    }
    case ValueType::Pair: {
      std::string out = "(";
      Value at = v;
      std::size_t n = 0;
      for (; at.type == ValueType::Pair && n < kMaxItems; at = as_pair(at)->cdr, ++n) {
        if (n) out += " ";
        out += item(as_pair(at)->car);
      }
      if (at.type == ValueType::Pair) out += " ...";
      else if (at.type != ValueType::Nil) out += " . " + item(at);
      return out + fmt::format(") #{}", as_pair(v)->id);
    }
    default: return value_text(v, max);
  }
}

void Session::cmd_examine(std::string_view args) {
  if (args.empty()) throw CommandError("\"x\" needs an expression: x/8 arr");
  std::uint64_t count = UINT64_MAX;
  std::size_t digits = 0;
  while (digits < format_spec_.size() && std::isdigit(static_cast<unsigned char>(format_spec_[digits]))) ++digits;
  if (digits > 0) {
    const auto n = parse_number(std::string_view(format_spec_).substr(0, digits));
    if (!n || *n == 0) throw CommandError(fmt::format("\"{}\" is not a count", format_spec_.substr(0, digits)));
    count = *n;
  }
  Value v = value_of(args);
  std::vector<Value> items;
  std::size_t first = 0;  // the index of the first item shown
  // An item of an array (x/4 arr[2]): the slice from it, as gdb's x reads on from an address.
  if (v.type != ValueType::Array && v.type != ValueType::Pair && v.type != ValueType::String &&
      v.type != ValueType::Closure) {
    const Value* slot = replay::Expression::compile(args, cursor_.program()).locate_in(cursor_.state(), selected_depth());
    for (const Object* candidate : cursor_.state().heap.objects()) {
      if (!slot) break;
      if (candidate->kind != ValueType::Array) continue;
      const auto* a = static_cast<const ArrayObj*>(candidate);
      if (slot < a->items() || slot >= a->items() + a->length) continue;
      v = Value::object(ValueType::Array, const_cast<Object*>(candidate));
      first = static_cast<std::size_t>(slot - a->items());
      break;
    }
  }
  const Object* o = v.is_ref() ? v.obj : nullptr;
  std::string what;
  switch (v.type) {
    case ValueType::Array: {
      const ArrayObj* a = as_array(v);
      for (std::size_t i = first; i < a->length && i - first < count; ++i) items.push_back(a->items()[i]);
      what = fmt::format("array of {}", a->length);
      break;
    }
    case ValueType::Closure: {
      const ClosureObj* c = as_closure(v);
      for (std::uint32_t i = 0; i < c->length && i < count; ++i) items.push_back(c->captures()[i]);
      what = fmt::format("closure of {}, {} capture{}", cursor_.program().functions[c->fn].name, c->length, c->length == 1 ? "" : "s");
      break;
    }
    case ValueType::Pair: {
      Value at = v;
      std::uint64_t n = 0;
      for (; at.type == ValueType::Pair && n < count; at = as_pair(at)->cdr, ++n) items.push_back(as_pair(at)->car);
      what = "list";
      break;
    }
    case ValueType::String: {
      const StringObj* s = as_string(v);
      if (format_ == 's') {
        say("#{}: {}\n", s->id, value_text(v, 2000));
        return;
      }
      if (format_ == 0) format_ = 'c';
      for (std::uint32_t i = 0; i < s->length && i < count; ++i)
        items.push_back(Value::integer(static_cast<unsigned char>(s->chars()[i])));
      what = fmt::format("string of {} bytes", s->length);
      break;
    }
    default:
      throw CommandError(fmt::format("x examines an array, a list, a string or a closure; {} is {} {}", args,
                                     type_name(v.type), value_text(v, 40)));
  }
  if (items.empty()) {
    say("#{}: empty {}\n", o->id, what);
    return;
  }
  // Eight items a row, each row headed by the index of its first, as gdb's x shows memory.
  const std::size_t per_row = format_ == 'c' || format_ == 't' ? 4 : 8;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i % per_row == 0) say("{}#{}[{}]:", i ? "\n" : "", o->id, first + i);
    say("\t{}", formatted(items[i], 60));
  }
  say("\n");
}

void Session::cmd_whatis(std::string_view args) { describe_type(args, false); }
void Session::cmd_ptype(std::string_view args) { describe_type(args, true); }

void Session::describe_type(std::string_view args, bool shape) {
  if (args.empty()) throw CommandError(fmt::format("\"{}\" needs an expression", shape ? "ptype" : "whatis"));
  const Program& p = cursor_.program();
  // A function's name: its signature.
  if (const int f = p.find_function(std::string(args)); f >= 0) {
    const Function& fn = p.functions[static_cast<std::size_t>(f)];
    const std::string params = parameters_of(fn);
    say("type = function {}({}){}\n", fn.name, params,
        fn.captures.empty() ? "" : fmt::format(" capturing {}", fmt::join(fn.captures, ", ")));
    return;
  }
  const Value v = value_of(args);
  if (!shape) {
    say("type = {}\n", type_word(v));
    return;
  }
  switch (v.type) {
    case ValueType::Array: {
      const ArrayObj* a = as_array(v);
      say("type = array[{}] of {}\n", a->length, types_of([&](auto each) {
            for (std::uint32_t i = 0; i < a->length; ++i) each(a->items()[i]);
          }));
      return;
    }
    case ValueType::Pair: {
      std::uint64_t n = 0;
      Value at = v;
      std::set<const Object*> seen;  // a cycle is not a list
      for (; at.type == ValueType::Pair && seen.insert(at.obj).second; at = as_pair(at)->cdr) ++n;
      if (at.type == ValueType::Nil) {
        say("type = list[{}] of {}\n", n, types_of([&](auto each) {
              for (Value x = v; x.type == ValueType::Pair; x = as_pair(x)->cdr) each(as_pair(x)->car);
            }));
      } else {
        say("type = pair (car: {}, cdr: {})\n", type_word(as_pair(v)->car), type_word(as_pair(v)->cdr));
      }
      return;
    }
    case ValueType::Closure: {
      const ClosureObj* c = as_closure(v);
      const Function& fn = p.functions[c->fn];
      std::string captures;
      const std::string params = parameters_of(fn);
      for (std::uint32_t i = 0; i < c->length; ++i)
        captures += fmt::format("{}{}: {}", i ? ", " : "", i < fn.captures.size() ? fn.captures[i] : std::to_string(i),
                                type_word(c->captures()[i]));
      say("type = closure of {}({}) capturing {{{}}}\n", fn.name, params, captures);
      return;
    }
    case ValueType::Function: {
      const Function& fn = p.functions[v.fn];
      const std::string params = parameters_of(fn);
      say("type = function {}({})\n", fn.name, params);
      return;
    }
    default: say("type = {}\n", type_word(v));
  }
}

}  // namespace pw::debugger
