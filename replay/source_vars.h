// Source-level variables of compiled programs (.pwl): which slot holds a variable at an
// instruction, from the scopes the compiler recorded (Function::vars). A function without
// scopes (hand-written .pwa) shows every local and capture by its own name instead.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "program.h"
#include "vm.h"

namespace pw::replay {

// The instruction frame [depth] (1-based, the outermost is 1) is at: the top frame's next
// instruction, or a caller's call (the instruction before the one it resumes at).
std::uint32_t frame_ip(const VmState& vm, std::uint32_t depth);

// The variable [name] in scope at instruction [ip] of [fn] (the innermost binding), or
// nullptr.
const SourceVar* visible_var(const Function& fn, std::string_view name, std::uint32_t ip);

// Every variable in scope at [ip], one per name (the innermost), parameters and captures
// first, then in the order their scopes open.
std::vector<const SourceVar*> visible_vars(const Function& fn, std::uint32_t ip);

// Where the value of [v] is in frame [f]: its local or capture slot, or the car of its box.
// nullptr when the frame has no such slot or the box is not a pair yet.
const Value* source_var_place(const Frame& f, const SourceVar& v);

// Frame [f]'s arguments as a backtrace shows them: "n=5, acc=1", each by its source name
// where the function has one (a boxed parameter by its value), each value cut at about
// [max_value_chars].
std::string frame_arguments_text(const VmState& vm, const Frame& f, std::size_t max_value_chars);

}  // namespace pw::replay
