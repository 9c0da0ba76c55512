// The opcode table: names, mnemonics, operand kinds and stack effects from opcodes.def.
#include "opcodes.h"

#include <array>

namespace pw {
namespace {

// Lower-cased copies of the op names, built at compile time so mnemonics cost nothing.
template <std::size_t N>
struct Lower {
  char text[N]{};
  constexpr explicit Lower(const char (&s)[N]) {
    for (std::size_t i = 0; i < N; ++i) text[i] = (s[i] >= 'A' && s[i] <= 'Z') ? char(s[i] - 'A' + 'a') : s[i];
  }
};

#define PW_OP(name, kind, pops, pushes, flow) constexpr Lower lower_##name{#name};
#include "opcodes.def"
#undef PW_OP

constexpr std::array<OpInfo, kOpCount> kTable = {{
#define PW_OP(name, kind, pops, pushes, flow) \
  {#name, lower_##name.text, OperandKind::kind, pops, pushes, Flow::flow},
#include "opcodes.def"
#undef PW_OP
}};

}  // namespace

const OpInfo& op_info(Op op) { return kTable[static_cast<std::size_t>(op)]; }

std::optional<Op> op_from_mnemonic(std::string_view mnemonic) {
  for (std::size_t i = 0; i < kTable.size(); ++i)
    if (kTable[i].mnemonic == mnemonic) return static_cast<Op>(i);
  return std::nullopt;
}

}  // namespace pw
