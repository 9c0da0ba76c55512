// The debug event log: what the session saw happen, each with the step it happened at.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pw::debugger {

enum class DebugEventKind {
  BreakpointHit,
  WatchpointTriggered,
  StepCompleted,
  FunctionEntry,
  FunctionExit,
  ExceptionThrown,
  ExceptionCaught,
};
inline constexpr int kDebugEventKindCount = 7;

std::string_view event_kind_name(DebugEventKind kind);
// Accepts the name in any case, with or without separators: "BreakpointHit",
// "breakpoint-hit", "breakpointhit"; also the short forms "breakpoint", "watchpoint",
// "step", "entry", "exit", "thrown", "caught".
std::optional<DebugEventKind> event_kind_from_name(std::string_view name);

struct DebugEvent {
  DebugEventKind kind;
  std::uint64_t step = 0;
  std::string detail;  // "breakpoint 1 at fib", "total: 10 -> 15", "fib returned 5"
};

class EventLog {
 public:
  void add(DebugEventKind kind, std::uint64_t step, std::string detail);
  const std::vector<DebugEvent>& events() const { return events_; }

 private:
  std::vector<DebugEvent> events_;
};

}  // namespace pw::debugger
