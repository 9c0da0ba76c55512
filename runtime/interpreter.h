// Running a VmState forward.
//
// run() executes at most [max_steps] instructions (and never past limits.max_steps) and
// returns Paused, Halted or Failed. A paused state can be dumped, then run further.
// No C++ exception leaves the dispatch loop: failures become vm.error.
#pragma once
#include <cstdint>

#include "vm.h"

namespace pw {

inline constexpr std::uint64_t kRunForever = UINT64_MAX;

// For verified programs. No observer: nothing but the instructions is paid for.
RunStatus run(VmState& vm, std::uint64_t max_steps = kRunForever);

// For programs that did not pass the verifier: checks each instruction before running it
// and reports InvalidOpcode / StackUnderflow instead of misbehaving.
RunStatus run_unverified(VmState& vm, std::uint64_t max_steps = kRunForever);

}  // namespace pw
