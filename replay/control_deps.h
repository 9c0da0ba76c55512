// Which branches decide whether an instruction runs: control dependence, read from each
// function's post-dominator tree (Ferrante, Ottenstein and Warren, 1987). An origin query
// asks it why a constant is the value it follows: the run came to the instruction that
// pushes it because a branch went one way, on a value that has an origin of its own.
#pragma once
#include <cstdint>
#include <vector>

#include "program.h"

namespace pw::replay {

class ControlDeps {
 public:
  explicit ControlDeps(const Program& program) : program_(program), by_fn_(program.functions.size()) {}

  // The conditional branches of function [fn] (jump_if_true, jump_if_false, for_next) on
  // whose direction instruction [ip] depends: it runs after one way out of each and not
  // after the other. Empty for an instruction every call of the function that returns
  // reaches. Worked out for a whole function the first time one of its instructions is asked.
  const std::vector<std::uint32_t>& of(std::uint32_t fn, std::uint32_t ip);

 private:
  const Program& program_;
  struct PerFunction {
    bool done = false;
    std::vector<std::vector<std::uint32_t>> branches;  // by instruction
  };
  std::vector<PerFunction> by_fn_;
};

// Whether [op] is a conditional branch whose direction ControlDeps tracks.
bool is_conditional_branch(Op op);

}  // namespace pw::replay
