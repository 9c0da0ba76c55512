// The variables a DAP client sees at a stop: scopes of each frame (arguments, locals,
// captures, globals, the operand stack) and the insides of pairs, arrays and closures,
// handed out as numbered references that are valid until the next move. Children are made
// only when a client asks (an array of a million items costs nothing until it is opened,
// and is then read a page at a time).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vm.h"

namespace pw::debugger {

enum class ScopeKind : std::uint8_t { Arguments, Locals, Captures, Globals, OperandStack };

class VariableStore {
 public:
  // Forgets every reference: the state they pointed into has moved on.
  void reset() { handles_.clear(); }

  // The scopes of frame [index] (0: innermost) of [vm], as the DAP scopes response's list.
  nlohmann::json scopes(const VmState& vm, std::uint32_t index);
  // The children of [reference], or nullopt when it names nothing (any more). [start] and
  // [count] page an array's items (count 0: all); [filter] is "indexed", "named" or empty.
  std::optional<nlohmann::json> variables(const VmState& vm, std::int64_t reference, const std::string& filter,
                                          std::uint64_t start, std::uint64_t count);
  // A value as DAP shows it: {value, type, variablesReference, indexedVariables?}. An
  // expandable value (pair, array, closure with captures) gets a reference.
  nlohmann::json describe(const VmState& vm, const Value& v);
  // The expression that names child [name] of [reference], for watches and data
  // breakpoints: `fib::n`, `::total`, `#14[3]`, `#9.car`, `$stack[4]`; nullopt when unknown.
  std::optional<std::string> place_of(const VmState& vm, std::int64_t reference, const std::string& name) const;
  // The slot child [name] of [reference] is in [vm] (the state the references were made
  // from), or nullptr.
  Value* slot_of(VmState& vm, std::int64_t reference, const std::string& name) const;

 private:
  struct Handle {
    bool is_scope = false;
    ScopeKind scope = ScopeKind::Locals;
    std::uint32_t frame = 0;        // scope: frame index, 0 innermost
    const Object* object = nullptr;  // object: the pair, array or closure
  };
  std::int64_t add(Handle h);
  nlohmann::json variable(const VmState& vm, std::string name, const Value& v, std::optional<std::string> place);
  const Handle* find(std::int64_t reference) const;

  std::vector<Handle> handles_;  // reference N is handles_[N - 1]
};

}  // namespace pw::debugger
