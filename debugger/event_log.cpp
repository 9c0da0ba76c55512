// The debug event log's kinds and names.
#include "event_log.h"

#include <array>
#include <cctype>

namespace pw::debugger {
namespace {

constexpr std::array<std::string_view, kDebugEventKindCount> kNames = {
    "BreakpointHit", "WatchpointTriggered", "StepCompleted", "FunctionEntry",
    "FunctionExit",  "ExceptionThrown",     "ExceptionCaught"};
constexpr std::array<std::string_view, kDebugEventKindCount> kShortNames = {
    "breakpoint", "watchpoint", "step", "entry", "exit", "thrown", "caught"};

// Lower case, separators dropped.
std::string folded(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '-' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view event_kind_name(DebugEventKind kind) { return kNames[static_cast<std::size_t>(kind)]; }

std::optional<DebugEventKind> event_kind_from_name(std::string_view name) {
  const std::string want = folded(name);
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (want == folded(kNames[i]) || want == kShortNames[i]) return static_cast<DebugEventKind>(i);
  return std::nullopt;
}

void EventLog::add(DebugEventKind kind, std::uint64_t step, std::string detail) {
  events_.push_back(DebugEvent{kind, step, std::move(detail)});
}

}  // namespace pw::debugger
