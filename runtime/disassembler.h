// The disassembler: prints a Program as .pwa text that assembles back to the same program.
#pragma once
#include <string>

#include "program.h"

namespace pw {

std::string disassemble(const Program& program);
// One instruction as assembly, e.g. "get_local n" or "jump_if_false L3".
std::string disassemble_instruction(const Program& program, const Function& fn, std::uint32_t ip);

}  // namespace pw
