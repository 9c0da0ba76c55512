// Questions about a whole recorded run, answered by re-executing it on the timeline:
// every change of an expression, the last write to it before a step, every call of a
// function with its arguments and result.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "stop_conditions.h"
#include "cursor.h"

namespace pw::replay {

// Where an instruction is: function, index and source line.
struct CodeSite {
  std::uint64_t position = 0;  // the position before the instruction runs
  std::uint32_t fn = 0;
  std::uint32_t ip = 0;
  std::uint32_t line = 0;
};
// Its assembly text ("set_global total"): made on demand, as a watch may report millions.
std::string instruction_text(const Program& program, const CodeSite& site);

struct ChangeReport {
  Change change;  // visible from change.position on
  CodeSite by;    // the instruction that made it (at change.position - 1)
  bool by_debugger = false;  // no instruction made it: the state was changed from outside at change.position
};

// Every position in (from, to] where the value of [e] differs from the position before,
// in order; [initial] gets the value at [from]. [on_change] sees each one as it is found
// (return false to stop early).
void watch(Cursor& t, const Expression& e, std::uint64_t from, std::uint64_t to, ShownValue& initial,
           const std::function<bool(const ChangeReport&)>& on_change);

// The last instruction before position [before] that wrote the place [e] names (a store
// into it, even of the same value) or changed its value; nullopt when nothing did. The
// timeline is left at that instruction (or, for a change the debugger made in a live
// session, at the step it was made).
std::optional<ChangeReport> last_write(Cursor& t, const Expression& e, std::uint64_t before);

// One activation of a function.
// (Reports are kept for every call of a run: the fields are laid out without padding.)
struct CallReport {
  std::uint64_t position = 0;  // where the call instruction ran (0 for the entry function's activation)
  std::uint64_t frame_id = 0;
  std::uint32_t depth = 0;     // call depth inside the callee (1: the entry function)
  enum class Ending : std::uint32_t { Returned, Threw, TailCalled, Unfinished } ending = Ending::Unfinished;
  std::vector<ShownValue> arguments;
  std::optional<ShownValue> result;  // the value returned, or the exception thrown
  std::uint64_t end_position = 0;    // where it ended (0 when unfinished)
  std::string tail_callee;           // for TailCalled: the function it handed its frame to
};

// Every call of function [fn] in [from, to], in order. A call ended by a tail call gets the
// result its frame returned in the end. [reports_visited], when given, counts the times the
// query went back to a report it had made (to end it, or to give it its result): at most
// two per call however the run is shaped, so the query stays linear in the run. (A deque:
// it grows without moving the reports it holds, which may be millions.)
std::deque<CallReport> calls(Cursor& t, std::uint32_t fn, std::uint64_t from, std::uint64_t to,
                             std::uint64_t* reports_visited = nullptr);

}  // namespace pw::replay
