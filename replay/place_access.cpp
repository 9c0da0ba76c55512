// Slots read and written by the next instruction, from its opcode and the operand stack.
#include "place_access.h"

#include "object.h"

namespace pw::replay {

const Value* store_target(const VmState& vm) {
  const Frame& f = vm.top();
  const Instr& in = *f.ip;
  const Value* sp = vm.sp;
  switch (in.op) {
    case Op::SET_GLOBAL: return &vm.globals[in.a];
    case Op::SET_LOCAL:
    case Op::INC_LOCAL:
    case Op::FOR_NEXT: return f.base + in.a;  // the loop counter
    case Op::SET_CAPTURE: return f.closure ? f.closure->captures() + in.a : nullptr;
    case Op::SET_CAR: return sp[-2].type == ValueType::Pair ? &as_pair(sp[-2])->car : nullptr;
    case Op::SET_CDR: return sp[-2].type == ValueType::Pair ? &as_pair(sp[-2])->cdr : nullptr;
    case Op::ARRAY_SET:
      if (sp[-3].type != ValueType::Array || !sp[-2].is_int()) return nullptr;
      if (static_cast<std::uint64_t>(sp[-2].i) >= as_array(sp[-3])->length) return nullptr;
      return as_array(sp[-3])->items() + sp[-2].i;
    default: return nullptr;
  }
}

bool reads_place(const VmState& vm, const Value* place) {
  if (!place || vm.depth == 0) return false;
  const Frame& f = vm.top();
  const Instr& in = *f.ip;
  const Value* sp = vm.sp;
  switch (in.op) {
    case Op::GET_GLOBAL: return place == &vm.globals[in.a];
    case Op::GET_LOCAL:
    case Op::INC_LOCAL: return place == f.base + in.a;
    case Op::FOR_NEXT: return place == f.base + in.a || place == f.base + in.a + 1;  // the counter and its bound
    case Op::GET_CAPTURE: return f.closure && place == f.closure->captures() + in.a;
    case Op::CAR: return sp[-1].type == ValueType::Pair && place == &as_pair(sp[-1])->car;
    case Op::CDR: return sp[-1].type == ValueType::Pair && place == &as_pair(sp[-1])->cdr;
    case Op::ARRAY_GET:
      if (sp[-2].type != ValueType::Array || !sp[-1].is_int()) return false;
      if (static_cast<std::uint64_t>(sp[-1].i) >= as_array(sp[-2])->length) return false;
      return place == as_array(sp[-2])->items() + sp[-1].i;
    default: return false;
  }
}

}  // namespace pw::replay
