// Where two recorded runs part: both are re-executed side by side and reduced to what each
// instruction did that a run can differ by (a host call's result, a branch taken or not, a
// value stored, a call made with its arguments, a value returned or thrown, the outcome),
// and the first of those that differs is the departure. Up to it the runs did the same;
// after it, a summary says how they differ (calls per function, allocations, output,
// outcome).
//
// The runs may be of one program (other inputs, seeds or arguments) or of two versions of
// it: then functions are matched by name and source lines through a line diff of the two
// texts (program_match.h), so an edited line is compared with what it became.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "program_match.h"
#include "timeline.h"

namespace pw::replay {

// One thing an instruction did that two runs are compared by.
struct RunEvent {
  enum class Kind : std::uint8_t { Call, TailCall, Return, Branch, Store, Host, Throw, End };
  Kind kind = Kind::End;
  std::uint64_t position = 0;  // before the instruction (the step the tools name it by)
  std::uint32_t fn = 0;        // the function it ran in
  std::uint32_t ip = 0;
  std::uint64_t what = 0;   // a hash of what it names: the callee, the place, the host function
  std::uint64_t value = 0;  // a hash of the values involved (arguments, the value stored...)
};
std::string_view event_kind_name(RunEvent::Kind kind);

// A frame of a backtrace, innermost first.
struct DiffFrame {
  std::string function;
  std::uint32_t line = 0, column = 0;
  std::string arguments;  // "n=5, acc=1"
};

// One run's side of the departure.
struct DepartureSide {
  bool present = false;  // false: this run had ended, or has nothing matching here
  std::uint64_t step = 0;
  RunEvent::Kind kind = RunEvent::Kind::End;
  std::string function;  // the label tools show
  std::uint32_t line = 0, column = 0;
  std::string source;                                       // the source line's text
  std::string instruction;                                  // its assembly text
  std::string summary;                                      // what it did, e.g. "random(4) returned 3", "stored 5 in n"
  std::vector<std::pair<std::string, std::string>> values;  // (what, value) it involved
  std::vector<DiffFrame> backtrace;
};

struct RunSide {
  std::string trace;
  std::string program;  // its source name
  std::uint64_t steps = 0;
  std::string outcome;  // "halted with 5", "failed: TypeError: ..."
  std::uint64_t objects_allocated = 0, bytes_allocated = 0;
  std::string output;  // everything it printed (the tools show the first difference)
};

struct CallCountDiff {
  std::string function;
  std::uint64_t a = 0, b = 0;  // calls after the departure
};

struct RunDiff {
  ProgramMatch::Relation relation = ProgramMatch::Relation::Same;
  RunSide a, b;
  bool identical = false;             // no departure: the runs did the same throughout
  std::uint64_t compared_events = 0;  // events matched before the departure (or in all)
  std::uint64_t skipped_to = 0;       // the lockstep comparison started here (same inputs before it)
  // The departure (when not identical).
  std::string description;  // one sentence
  DepartureSide at_a, at_b;
  // After the departure: calls per function that differ (largest change first), and the
  // line where the outputs first differ (0 when they are the same).
  std::vector<CallCountDiff> calls;
  std::uint64_t first_output_difference_line = 0;
};

// A trace that cannot be compared with the other: unrelated programs (says why).
class DiffError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Compares the runs of [a] and [b] (paths, for the report). Throws DiffError when the
// programs are unrelated, and what Timeline throws (damage, divergence).
RunDiff diff_runs(Timeline& a, Timeline& b, const std::string& path_a, const std::string& path_b);

}  // namespace pw::replay
