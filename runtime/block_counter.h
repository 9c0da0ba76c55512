// Counting executed instructions cheaply: an observer with kCountsBlocks is told whenever
// control arrives at the start of a straight-line run, which then executes whole unless the
// run pauses or fails inside it. BlockCounter counts those entries (one add each) and
// expands them to exact per-instruction counts on demand. The recorder's profile and the
// performance monitor both use it.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "vm.h"

namespace pw {

class BlockCounter {
 public:
  explicit BlockCounter(const VmState& vm)
      : counts_(vm.code.size(), 0),
        run_end_(straight_run_ends(vm)),
        corrections_(vm.code.size(), 0),
        code_(vm.code.data()),
        // Instructions and counters are both 8 bytes, so a counter sits at a fixed byte
        // distance from its instruction: counting is one add, with one value to keep. The
        // distance is held in a pointer-typed member (a counter store cannot alias a
        // pointer, so it stays in a register) but added as an integer: wrapping unsigned
        // arithmetic is defined, pointer arithmetic past an array is not.
        count_shift_(reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(counts_.data()) -
                                                   reinterpret_cast<std::uintptr_t>(vm.code.data()))) {}
  BlockCounter(const BlockCounter&) = delete;
  BlockCounter& operator=(const BlockCounter&) = delete;

  // Control arrived at [ip], the start of a straight-line run.
  void count_block(const Instr* ip) {
    static_assert(sizeof(Instr) == sizeof(std::uint64_t));
    ++*reinterpret_cast<std::uint64_t*>(reinterpret_cast<std::uintptr_t>(count_shift_) +
                                        reinterpret_cast<std::uintptr_t>(ip));
  }
  // The run stopped at the top frame's ip inside a straight-line run that was counted
  // whole: take back what did not execute. [started]: whether the instruction at ip began
  // (it failed) or not (a pause, or the step budget).
  void stopped_inside_block(const VmState& vm, bool started);
  // (flat instruction index, executions) for every instruction that ran since the last
  // take, expanded from the block entries.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> take_profile();

 private:
  static std::vector<std::uint32_t> straight_run_ends(const VmState& vm);

  std::vector<std::uint64_t> counts_;      // entries into straight-line runs, by first instruction
  std::vector<std::uint32_t> run_end_;     // last instruction of the run that starts at each one
  std::vector<std::int64_t> corrections_;  // per instruction, applied at the next take
  const Instr* code_;
  const char* count_shift_;
};

}  // namespace pw
