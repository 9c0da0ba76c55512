// What every cursor shares: reading a location off a state, what is said of a step before
// its start, and the interrupt flag.
#include "cursor.h"

#include <fmt/format.h>

namespace pw::replay {

Location location_of(const VmState& vm, std::uint64_t position) {
  Location l;
  l.position = position;
  l.status = vm.status;
  l.depth = vm.depth;
  if (vm.depth == 0) return l;  // the entry function has returned
  const Frame& f = vm.top();
  l.fn = f.fn;
  l.ip = vm.ip_index(f);
  const Function& fn = vm.function_of(f);
  l.line = l.ip < fn.lines.size() ? fn.lines[l.ip] : fn.line;
  return l;
}

std::string before_window_message(std::uint64_t step, std::uint64_t start) {
  return fmt::format("step {} is before the recorded window, which starts at step {}", step, start);
}

std::atomic<bool>& interrupt_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

ReplayProgress& replay_progress() {
  static ReplayProgress progress;
  return progress;
}

}  // namespace pw::replay
