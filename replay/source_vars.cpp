#include "source_vars.h"

#include <fmt/format.h>

#include "expression.h"
#include "object.h"

namespace pw::replay {

std::uint32_t frame_ip(const VmState& vm, std::uint32_t depth) {
  const Frame& f = vm.frames[depth - 1];
  std::uint32_t ip = vm.ip_index(f);
  if (depth < vm.depth && ip > 0) --ip;
  return ip;
}

const SourceVar* visible_var(const Function& fn, std::string_view name, std::uint32_t ip) {
  const SourceVar* best = nullptr;
  for (const SourceVar& v : fn.vars)
    if (v.name == name && v.begin <= ip && ip < v.end && (!best || v.begin >= best->begin)) best = &v;
  return best;
}

std::vector<const SourceVar*> visible_vars(const Function& fn, std::uint32_t ip) {
  std::vector<const SourceVar*> out;
  for (const SourceVar& v : fn.vars) {
    if (v.begin > ip || ip >= v.end) continue;
    if (visible_var(fn, v.name, ip) != &v) continue;  // shadowed by an inner binding
    out.push_back(&v);
  }
  return out;
}

const Value* source_var_place(const Frame& f, const SourceVar& v) {
  const Value* slot = nullptr;
  if (v.slot == SourceVar::Slot::Local) {
    slot = f.base + v.index;
  } else {
    if (!f.closure || v.index >= f.closure->length) return nullptr;
    slot = f.closure->captures() + v.index;
  }
  if (!v.boxed) return slot;
  return slot->type == ValueType::Pair ? &as_pair(*slot)->car : nullptr;
}

std::string frame_arguments_text(const VmState& vm, const Frame& f, std::size_t max_value_chars) {
  const Function& fn = vm.function_of(f);
  std::string args;
  for (std::uint32_t i = 0; i < fn.arity && i < fn.locals.size(); ++i) {
    const SourceVar* v = nullptr;
    for (const SourceVar& sv : fn.vars)
      if (sv.slot == SourceVar::Slot::Local && sv.index == i) v = &sv;
    const Value* place = v ? source_var_place(f, *v) : &f.base[i];
    args += fmt::format("{}{}={}", i ? ", " : "", v ? v->name : fn.locals[i],
                        place ? result_text(vm, EvalResult::of(*place), max_value_chars) : "?");
  }
  return args;
}

}  // namespace pw::replay
