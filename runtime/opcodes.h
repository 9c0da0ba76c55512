// Opcodes, instruction encoding and the per-opcode table, all fed by opcodes.def.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace pw {

enum class Op : std::uint8_t {
#define PW_OP(name, kind, pops, pushes, flow) name,
#include "opcodes.def"
#undef PW_OP
};

#define PW_OP(name, kind, pops, pushes, flow) +1
inline constexpr int kOpCount = 0
#include "opcodes.def"
    ;
#undef PW_OP

// What an instruction's operand means. Fields used: a (u16) and b (i32) of Instr.
enum class OperandKind : std::uint8_t {
  None,       // -
  Imm,        // b: signed 32-bit integer
  Const,      // b: constant pool index
  Func,       // b: function index
  Local,      // a: local slot of the current function
  LocalImm,   // a: local slot, b: signed 32-bit integer
  LocalJump,  // a: local slot, b: target instruction index
  Global,     // a: global index
  Capture,    // a: captured value index of the running closure
  Jump,       // b: target instruction index in the same function
  Argc,       // a: number of arguments
  Type,       // a: a ValueType
  Host,       // a: a HostFn
};

enum class Flow : std::uint8_t { Next, Jump, Branch, End };

// One instruction: 8 bytes, aligned, so the dispatch loop reads it with one load.
struct Instr {
  Op op;
  std::uint8_t unused = 0;
  std::uint16_t a = 0;
  std::int32_t b = 0;
  friend bool operator==(const Instr&, const Instr&) = default;
};
static_assert(sizeof(Instr) == 8);

struct OpInfo {
  std::string_view name;      // e.g. "PUSH_INT"
  std::string_view mnemonic;  // e.g. "push_int", as written in assembly
  OperandKind operand;
  int pops;  // -1: decided by the operand
  int pushes;
  Flow flow;
};

const OpInfo& op_info(Op op);
std::optional<Op> op_from_mnemonic(std::string_view mnemonic);

}  // namespace pw
