// Breakpoints and watchpoints: where a continue (forward or reverse) stops.
//
// A breakpoint is a set of instructions plus an optional condition; it is hit at a
// position whose next instruction is one of them and where the condition holds. Specs:
//   fib           the entry of function fib (its first instruction)
//   *fib+3        instruction 3 of fib (also fib+3)
//   FILE:LINE     the first instruction of each run of code on that source line (also LINE;
//                 a line without code moves to the next line that has some)
// A watchpoint is an expression; it is hit at a position where its value differs from the
// value at the position before.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "active_frames.h"
#include "expression.h"
#include "cursor.h"
#include "vm.h"

namespace pw::replay {

class LocationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CodeAddress {
  std::uint32_t fn = 0;
  std::uint32_t ip = 0;
  friend bool operator==(const CodeAddress&, const CodeAddress&) = default;
};

// Which hits of a breakpoint stop: counted from 1, each time it is reached with its
// condition holding while a continue looks (either way). "N" or ">=N" from the Nth on,
// "==N" only the Nth, ">N", "<N", "<=N", "%N" every Nth.
struct HitCondition {
  enum class Op { Ge, Eq, Gt, Lt, Le, Every } op = Op::Ge;
  std::uint64_t n = 1;
  std::string text;
  bool holds(std::uint64_t hit) const;
};
// Throws LocationError for anything else.
HitCondition parse_hit_condition(std::string_view text);

// A logpoint's message: text with {EXPR} parts, evaluated at each hit ({{ and }} are braces).
struct LogMessage {
  std::string text;  // as written
  std::vector<std::string> literals;  // literals[i] comes before expressions[i]; one more literal at the end
  std::vector<Expression> expressions;
  std::string format(const VmState& vm, ActiveFrames* frames) const;
};
// Throws ExpressionError for a bad {EXPR}, LocationError for an unclosed brace.
LogMessage parse_log_message(std::string_view text, const Program& program);

struct Breakpoint {
  int id = 0;
  bool enabled = true;
  std::string spec;                    // as written
  std::string description;             // "function fib", "fib+3", "examples/x.pwa:34"
  std::vector<CodeAddress> addresses;  // where it stops
  std::optional<Expression> condition;
  std::optional<HitCondition> hit_condition;
  std::optional<LogMessage> log;       // a logpoint: prints its message at each hit, never stops
  std::uint64_t hits = 0;              // stops; with a hit condition, every hit counted
};

// Resolves [spec] against [program]; throws LocationError naming what is wrong.
Breakpoint make_breakpoint(const Program& program, std::string_view spec);

struct Watchpoint {
  int id = 0;
  bool enabled = true;
  Expression expression;
  std::optional<Expression> condition;  // stops only at a change where this holds
  std::optional<HitCondition> hit_condition;
  std::uint64_t hits = 0;
  // Change: stops where the value changes (watch). Read: where an instruction is about to
  // read the place the expression names (rwatch); Access: to read or write it (awatch).
  enum class Access { Change, Read, Any } access = Access::Change;
};

// Stops at exceptions (gdb's catch throw / catch catch; Uncaught: a throw no handler will catch).
struct Catchpoint {
  int id = 0;
  bool enabled = true;
  enum class On { Throw, Catch, Uncaught } on = On::Throw;
  std::uint64_t hits = 0;
};

// A logpoint's hit: where, which, and its message.
struct LogLine {
  std::uint64_t position = 0;
  int breakpoint = 0;
  std::string text;
};

struct StopConditions {
  std::vector<Breakpoint> breakpoints;
  std::vector<Watchpoint> watchpoints;
  std::vector<Catchpoint> catchpoints;
  // Where logpoint lines go, in the order of the run (a reverse continue hands over the
  // lines of the steps it passed once it stops). None: they are dropped.
  std::function<void(const LogLine&)> on_log;
};

// A value as shown in a report: its text for people and its JSON for programs. A value that
// names heap objects is rendered when taken (a later state may no longer hold them), and so
// is an unavailable one (its reason); any other is rendered each time it is asked for, since
// a watch may see millions of changes that nobody prints. Those read only the program,
// through the VM given: keep it alive. Small (a value and a pointer), as reports hold one
// per argument of every call; copies share what was rendered.
class ShownValue {
 public:
  ShownValue() = default;
  static ShownValue of(const VmState& vm, const EvalResult& r);
  std::string text() const;
  nlohmann::json json() const;

 private:
  struct Rendered {
    std::string text;
    nlohmann::json json;
  };

  const VmState* vm_ = nullptr;
  Value value_;                             // when not rendered: an available value naming no object
  std::shared_ptr<const Rendered> rendered_;  // for references and unavailable values
};

// One change of a watched expression: visible from [position] on, made by the instruction
// at position - 1.
struct Change {
  int watchpoint = 0;
  std::uint64_t position = 0;
  ShownValue old_value;
  ShownValue new_value;
};

// Evaluates watched expressions position after position and reports their changes.
class ChangeTracker {
 public:
  // [changed]: positions where the state was changed from outside the program (ascending;
  // Cursor::changed_positions), where any value may change; nullptr when there are none.
  explicit ChangeTracker(const Expression& e, const std::vector<std::uint64_t>* changed = nullptr)
      : expression_(&e), changed_(changed && !changed->empty() ? changed : nullptr), every_step_(e.reads_stack_or_step()) {}
  // The first call takes the baseline and returns false; later calls return true when the
  // value differs from the previous position's, with the change in last_change().
  bool observe(const VmState& vm, std::uint64_t position);
  const Change& last_change() const { return change_; }
  const EvalResult& current() const { return value_; }

 private:
  const Expression* expression_;
  const std::vector<std::uint64_t>* changed_;
  ActiveFrames frames_;    // the run's frames, for FUNCTION::NAME
  bool every_step_;        // evaluate after every instruction, not only after stores and calls
  Op last_op_ = Op::NIL;   // the instruction about to run at the last position observed
  bool started_ = false;
  EvalResult value_;
  ShownValue shown_;
  Change change_;
};

}  // namespace pw::replay
