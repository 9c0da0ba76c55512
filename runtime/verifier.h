// The verifier: refuses bad bytecode before anything runs, and computes each function's
// deepest operand stack.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

#include "program.h"

namespace pw {

class VerifyError : public std::runtime_error {
 public:
  VerifyError(std::string file, std::uint32_t line, std::string function, std::uint32_t ip, std::string message);
  std::string file;
  std::uint32_t line;
  std::string function;
  std::uint32_t ip;
  std::string message;
};

// Checks every function: opcodes, operand indices (locals, constants, functions, globals,
// captures, host functions, types), jump targets, call arities, that no path underflows the
// stack or reaches a join with two different depths, and that no path runs off the end.
// Sets Function::max_stack. Throws VerifyError on the first problem.
void verify(Program& program);

}  // namespace pw
