// Heap object layouts. Every object starts with an Object header; payloads follow inline.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "value.h"

namespace pw {

struct Object {
  ValueType kind;
  std::uint8_t marked;  // set during a collection's mark phase, cleared by its sweep
  std::uint16_t size_class;  // which pool the object came from (Heap's business)
  std::uint32_t length;  // bytes of a string, slots of an array, captures of a closure
  std::uint64_t id;  // allocation number: 1, 2, 3... reproducible run to run
};
static_assert(sizeof(Object) == 16);

struct StringObj : Object {
  char* chars() { return reinterpret_cast<char*>(this + 1); }
  const char* chars() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const { return {chars(), length}; }
};

struct PairObj : Object {
  Value car;
  Value cdr;
};

struct ArrayObj : Object {
  Value* items() { return reinterpret_cast<Value*>(this + 1); }
  const Value* items() const { return reinterpret_cast<const Value*>(this + 1); }
};

struct ClosureObj : Object {
  std::uint32_t fn;
  std::uint32_t unused;
  Value* captures() { return reinterpret_cast<Value*>(this + 1); }
  const Value* captures() const { return reinterpret_cast<const Value*>(this + 1); }
};

// Calls [f] with each value an object holds, in slot order.
template <class F>
void each_slot(const Object* o, F&& f) {
  switch (o->kind) {
    case ValueType::Pair: {
      const auto* p = static_cast<const PairObj*>(o);
      f(p->car);
      f(p->cdr);
      break;
    }
    case ValueType::Array: {
      const auto* a = static_cast<const ArrayObj*>(o);
      for (std::uint32_t i = 0; i < a->length; ++i) f(a->items()[i]);
      break;
    }
    case ValueType::Closure: {
      const auto* c = static_cast<const ClosureObj*>(o);
      for (std::uint32_t i = 0; i < c->length; ++i) f(c->captures()[i]);
      break;
    }
    default: break;
  }
}

inline std::size_t string_bytes(std::size_t len) { return sizeof(StringObj) + len; }
inline std::size_t array_bytes(std::size_t n) { return sizeof(ArrayObj) + n * sizeof(Value); }
inline std::size_t closure_bytes(std::size_t n) { return sizeof(ClosureObj) + n * sizeof(Value); }
// What an object of [kind] with [count] bytes (strings) or slots counts against the heap.
inline std::size_t object_bytes(ValueType kind, std::size_t count) {
  switch (kind) {
    case ValueType::String: return string_bytes(count);
    case ValueType::Pair: return sizeof(PairObj);
    case ValueType::Array: return array_bytes(count);
    default: return closure_bytes(count);
  }
}

inline StringObj* as_string(const Value& v) { return static_cast<StringObj*>(v.obj); }
inline PairObj* as_pair(const Value& v) { return static_cast<PairObj*>(v.obj); }
inline ArrayObj* as_array(const Value& v) { return static_cast<ArrayObj*>(v.obj); }
inline ClosureObj* as_closure(const Value& v) { return static_cast<ClosureObj*>(v.obj); }

}  // namespace pw
