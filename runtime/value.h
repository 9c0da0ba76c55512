// The VM's value: a 16-byte tagged union. Heap values point at an Object (object.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pw {

struct Object;

// Order matters: Nil is 0 so zeroed memory is a run of nils; the heap kinds come last
// so "is this a reference" is one comparison.
enum class ValueType : std::uint8_t {
  Nil = 0,
  Bool,
  Int,
  Float,
  Symbol,    // an interned name from the program's symbol table
  Function,  // a function of the program that captures nothing
  String,    // heap: immutable bytes
  Pair,      // heap: car and cdr
  Array,     // heap: fixed length, mutable slots
  Closure,   // heap: a function and its captured values
};
inline constexpr int kValueTypeCount = 10;

std::string_view type_name(ValueType t);
std::optional<ValueType> type_from_name(std::string_view name);

// Two 8-byte words: the tag word (type, rest zero) and the payload. Every write and copy
// moves whole words, never 16 bytes at once nor single bytes: the interpreter reads tag and
// payload as separate 8-byte loads, and x86 forwards a store to a load only when one store
// covers it. (A 16-byte copy followed by an 8-byte payload write stalls for ~15 cycles.)
struct Value {
  union {
    ValueType type;
    std::uint64_t tag_word;
  };
  union {
    bool b;
    std::int64_t i;
    double f;
    std::uint32_t sym;
    std::uint32_t fn;
    Object* obj;
  };

  // noexcept: containers of anything holding a Value then move it when they grow, not copy.
  Value() noexcept : tag_word(0), i(0) {}
  Value(const Value& o) noexcept : tag_word(o.tag_word), i(o.i) {}
  Value& operator=(const Value& o) noexcept {
    tag_word = o.tag_word;
    i = o.i;
    return *this;
  }
  static Value make(ValueType t, std::int64_t payload) {
    Value x;
    x.tag_word = static_cast<std::uint64_t>(t);
    x.i = payload;
    return x;
  }
  static Value nil() { return Value(); }
  static Value boolean(bool v) { return make(ValueType::Bool, v ? 1 : 0); }
  static Value integer(std::int64_t v) { return make(ValueType::Int, v); }
  static Value number(double v) { Value x = make(ValueType::Float, 0); x.f = v; return x; }
  static Value symbol(std::uint32_t s) { return make(ValueType::Symbol, s); }
  static Value function(std::uint32_t f) { return make(ValueType::Function, f); }
  static Value object(ValueType t, Object* o) { Value x = make(t, 0); x.obj = o; return x; }

  bool is_nil() const { return type == ValueType::Nil; }
  bool is_int() const { return type == ValueType::Int; }
  bool is_ref() const { return type >= ValueType::String; }
  // Only nil and false are false, as in Lua.
  bool truthy() const { return !(type == ValueType::Nil || (type == ValueType::Bool && !b)); }
};
static_assert(sizeof(Value) == 16);

}  // namespace pw
