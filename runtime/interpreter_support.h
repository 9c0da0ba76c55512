// The interpreter's slow paths: everything too rare or too big to sit inline in the loop.
// Each takes the state with vm.sp and the top frame's ip flushed, and on failure stores
// vm.error and vm.status = Failed and returns false (or nullopt / nullptr).
#pragma once
#include <cstdint>
#include <optional>

#include "vm.h"

namespace pw::detail {

[[gnu::cold]] void fail(VmState& vm, ErrorKind kind, std::string message);

// a = a <op> b for the arithmetic ops (and their _IMM forms) when the int fast path
// does not apply: floats, mixed operands, overflow, division.
bool arith_slow(VmState& vm, Op op, Value& a, const Value& b);
// a <cmp> b for LT/LE/GT/GE (and _IMM) on numbers or strings.
std::optional<bool> compare_slow(VmState& vm, Op op, const Value& a, const Value& b);
bool values_equal(const Value& a, const Value& b);

// The one allocation path of the interpreter: GC trigger, limits, error on failure.
Object* allocate(VmState& vm, ValueType kind, std::size_t bytes, std::uint32_t length);

// String instructions and TO_STRING; operate on vm.sp.
bool string_op(VmState& vm, Op op);
// ARRAY_NEW; operates on vm.sp.
bool array_new(VmState& vm);
// Calls host function [fn]: checks its capability, pops its arguments, pushes its result.
// False also when the host was interrupted (HostInterrupted): then nothing changed and
// vm.status is still Paused, and the run pauses before the instruction.
bool host_call(VmState& vm, HostFn fn);
// Unwinds to the innermost handler and pushes [v] there (vm.top() is then the handling
// frame, its ip the handler); false with UncaughtException when there is none.
bool throw_value(VmState& vm, const Value& v);
// Drops the handlers installed by frame index [frame] or deeper frames.
void drop_handlers(VmState& vm, std::uint32_t frame);
// For unverified code: is the instruction at vm.top().ip safe to run?
bool check_instruction(VmState& vm);

std::string_view value_type_of(const Value& v);

}  // namespace pw::detail
