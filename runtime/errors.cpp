// Names and the stack-trace rendering of VmError.
#include "errors.h"

#include <fmt/format.h>

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

std::string VmError::headline() const { return fmt::format("{}: {}", error_kind_name(kind), message); }

std::string VmError::format() const {
  std::string out = headline() + "\n";
  bool first = true;
  for (const FrameInfo& f : context.call_stack) {
    out += fmt::format("  at {} ({}:{}) [ip {}]\n", f.function, context.file, f.line, f.ip);
    if (first && !context.source_line.empty()) out += fmt::format("      {}\n", context.source_line);
    first = false;
  }
  const StateSummary& s = context.state;
  out += fmt::format("  state: step {}, stack {} values, heap {} objects ({} bytes), call depth {}\n", s.step,
                     s.stack_size, s.heap_objects, s.heap_bytes, s.call_depth);
  return out;
}

}  // namespace pw
