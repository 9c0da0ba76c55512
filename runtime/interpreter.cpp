// The two loops every tool needs: the bare one and the checked one for unverified code.
#include "interpreter.h"

#include "interpreter_impl.h"

namespace pw {

RunStatus run(VmState& vm, std::uint64_t max_steps) {
  NullObserver none;
  return run_with(vm, none, max_steps);
}

RunStatus run_unverified(VmState& vm, std::uint64_t max_steps) {
  CheckedObserver checked;
  return run_with(vm, checked, max_steps);
}

}  // namespace pw
