// Names and the stack-trace rendering of VmError.
#include "errors.h"

#include <algorithm>

#include <fmt/format.h>

#include "printable.h"

namespace pw {

std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::StackOverflow: return "StackOverflow";
    case ErrorKind::StackUnderflow: return "StackUnderflow";
    case ErrorKind::RecursionLimitExceeded: return "RecursionLimitExceeded";
    case ErrorKind::InvalidOpcode: return "InvalidOpcode";
    case ErrorKind::TypeError: return "TypeError";
    case ErrorKind::DivisionByZero: return "DivisionByZero";
    case ErrorKind::ArithmeticOverflow: return "ArithmeticOverflow";
    case ErrorKind::MemoryError: return "MemoryError";
    case ErrorKind::IndexError: return "IndexError";
    case ErrorKind::HeapExhausted: return "HeapExhausted";
    case ErrorKind::GcDisabled: return "GcDisabled";
    case ErrorKind::StepLimitExceeded: return "StepLimitExceeded";
    case ErrorKind::OutputLimitExceeded: return "OutputLimitExceeded";
    case ErrorKind::UncaughtException: return "UncaughtException";
    case ErrorKind::CapabilityDenied: return "CapabilityDenied";
    case ErrorKind::HostError: return "HostError";
  }
  return "UnknownError";
}

std::optional<ErrorKind> error_kind_from_name(std::string_view name) {
  for (int k = 0; k < kErrorKindCount; ++k)
    if (error_kind_name(static_cast<ErrorKind>(k)) == name) return static_cast<ErrorKind>(k);
  return std::nullopt;
}

std::string VmError::headline() const { return fmt::format("{}: {}", error_kind_name(kind), printable(message)); }

std::string VmError::format() const {
  std::string out = headline() + "\n";
  const std::string file = printable(context.file);
  // Runaway recursion leaves thousands of identical frames: after three, one line says how
  // many more there were, as Python does.
  constexpr std::size_t kRepeatsShown = 3;
  const auto& stack = context.call_stack;
  for (std::size_t i = 0; i < stack.size();) {
    const FrameInfo& f = stack[i];
    std::size_t same = 1;
    while (i + same < stack.size() && stack[i + same].function == f.function && stack[i + same].line == f.line &&
           stack[i + same].ip == f.ip)
      ++same;
    const std::string where = f.line == 0     ? std::string()
                              : f.column == 0 ? fmt::format(" ({}:{})", file, f.line)
                                              : fmt::format(" ({}:{}:{})", file, f.line, f.column);
    for (std::size_t k = 0; k < std::min(same, kRepeatsShown); ++k) {
      out += fmt::format("  at {}{} [ip {}]\n", printable(f.function), where, f.ip);
      if (i == 0 && k == 0 && !context.source_line.empty())
        out += fmt::format("      {}\n", printable(context.source_line));
    }
    if (same > kRepeatsShown)
      out += fmt::format("  ... the frame above, repeated {} more times\n", same - kRepeatsShown);
    i += same;
  }
  const StateSummary& s = context.state;
  out += fmt::format("  state: step {}, stack {} values, heap {} objects ({} bytes), call depth {}\n", s.step,
                     s.stack_size, s.heap_objects, s.heap_bytes, s.call_depth);
  return out;
}

}  // namespace pw
