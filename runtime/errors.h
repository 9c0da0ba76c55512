// VmError: every runtime failure, with the context a person needs to find its cause.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pw {

enum class ErrorKind : std::uint8_t {
  StackOverflow,           // the value stack would exceed --max-stack slots
  StackUnderflow,          // an instruction needed more values than the stack held (unverified code)
  RecursionLimitExceeded,  // more than --max-depth nested calls
  InvalidOpcode,           // an undefined opcode or an operand out of range (unverified code)
  TypeError,               // an operation applied to a value of the wrong type, or a bad arity
  DivisionByZero,          // integer division or modulo by zero
  ArithmeticOverflow,      // an integer result outside the 64-bit range
  MemoryError,             // the system refused memory, or a request no heap could hold
  IndexError,              // an array or string index, or an array length, out of range
  HeapExhausted,           // live data would exceed --max-heap even after a collection
  GcDisabled,              // the heap limit was reached while the collector is switched off
  StepLimitExceeded,       // more than --max-steps instructions
  OutputLimitExceeded,     // more than --max-output bytes printed
  UncaughtException,       // a thrown value that no handler caught
  CapabilityDenied,        // a host call whose capability was not granted with --allow
  HostError,               // the host failed to do what was asked (e.g. stdin unreadable)
};

inline constexpr int kErrorKindCount = 16;

// Whether an error of [kind] stops a run inside an instruction, which then counts as
// executed; the step limit stops a run between two instructions.
inline bool fails_inside_instruction(ErrorKind kind) { return kind != ErrorKind::StepLimitExceeded; }

std::string_view error_kind_name(ErrorKind kind);
std::optional<ErrorKind> error_kind_from_name(std::string_view name);

struct FrameInfo {
  std::string function;      // its display name (the source language's, for compiled code)
  std::uint32_t ip = 0;      // instruction index in that function (the call, for callers)
  std::uint32_t line = 0;    // its source line, 0 for none (compiled library code)
  std::uint32_t column = 0;  // its source column in a compiled program; 0: unknown, or hand-written .pwa
  friend bool operator==(const FrameInfo&, const FrameInfo&) = default;
};

struct StateSummary {
  std::uint64_t stack_size = 0;    // values on the value stack, locals included
  std::uint64_t heap_objects = 0;  // live heap objects
  std::uint64_t heap_bytes = 0;
  std::uint64_t call_depth = 0;    // active frames
  std::uint64_t step = 0;          // the run's end step: instructions executed, the failing one
                                   // included (executed_steps)
  friend bool operator==(const StateSummary&, const StateSummary&) = default;
};

struct ErrorContext {
  std::uint32_t ip = 0;
  std::string function;
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;            // as FrameInfo::column
  std::string source_line;             // the text of that line, trimmed
  std::vector<FrameInfo> call_stack;   // innermost first
  StateSummary state;
  friend bool operator==(const ErrorContext&, const ErrorContext&) = default;
};

struct VmError {
  ErrorKind kind;
  std::string message;
  ErrorContext context;

  // "TypeError: car expects a pair, got int" and nothing else. Both renderings are for a
  // terminal: the bytes of the message and names are escaped (printable.h), so a NUL or an
  // ESC thrown by a program shows as \x00 or \x1b; [message] itself keeps them.
  std::string headline() const;
  // The headline, then "  at fn (file:line)" per frame ("file:line:column" where the column
  // is known, just "fn" where the line is not), then the state summary.
  std::string format() const;
  friend bool operator==(const VmError&, const VmError&) = default;
};

}  // namespace pw
