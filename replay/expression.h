// Expressions over a VM state: the small language of watch and last-write queries,
// breakpoint conditions and the debugger's print (syntax and semantics: docs/EXPRESSIONS.md).
// Names are resolved once, at compile time, so evaluate() is a few loads per name and never
// allocates on success; it never allocates VM objects nor changes the VM.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "program.h"
#include "value.h"
#include "vm.h"

namespace pw::replay {

namespace detail {
struct ExprNode;  // expression.cpp
}
class ActiveFrames;  // active_frames.h

// A syntax error or an unknown name, in one line with its column:
// "expression 'a[': expected an expression at column 3".
class ExpressionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A VM value, or unavailable with a reason ("no active frame of fib", "division by zero").
struct EvalResult {
  bool available = false;
  pw::Value value;        // valid when available
  std::uint64_t id = 0;   // Object::id of a reference, taken when evaluated: same_result compares
                          // ids and never reads an object that may have been collected since
  std::string reason;     // why not, when not available

  static EvalResult of(pw::Value v);
  static EvalResult unavailable(std::string why);
};

class Expression {
 public:
  // Parses [text] and resolves its names against [program]. Throws ExpressionError for
  // syntax errors and for names that exist nowhere.
  static Expression compile(std::string_view text, const pw::Program& program);

  // [vm] must run the program the expression was compiled against. Whoever evaluates
  // position after position of one run (a watch, a watchpoint, a breakpoint condition)
  // passes its [frames] index: a function's locals (`fib::n`) are then found without
  // scanning the call stack.
  EvalResult evaluate(const pw::VmState& vm, ActiveFrames* frames = nullptr) const;
  // As if only the outermost [depth] frames were active: how the debugger reads names in
  // the frame selected with `frame N` / `up` (bare names are that frame's locals).
  EvalResult evaluate_in(const pw::VmState& vm, std::uint32_t depth, ActiveFrames* frames = nullptr) const;

  // The slot the expression reads when it names one: a global, a local, a stack slot, a
  // pair's car or cdr, an array item. nullptr for computed values, string bytes and
  // unavailable places. Last-write queries compare it with the slot a store writes.
  const pw::Value* locate(const pw::VmState& vm, ActiveFrames* frames = nullptr) const;
  // The same, reading bare names in the outermost [depth] frames (as evaluate_in).
  const pw::Value* locate_in(const pw::VmState& vm, std::uint32_t depth) const;

  const std::string& text() const { return text_; }
  // Whether the value may change with any instruction: it reads the operand stack, its
  // size or the step ($stack, $sp, $step). Otherwise only instructions that store into
  // locals, globals or objects, or that enter or leave frames, can change it.
  bool reads_stack_or_step() const;

  Expression(const Expression&);
  Expression(Expression&&) noexcept;
  Expression& operator=(const Expression&);
  Expression& operator=(Expression&&) noexcept;
  ~Expression();

 private:
  Expression();
  // [frames] brought up to [vm], when given and the expression reads a function's locals.
  const ActiveFrames* followed(const pw::VmState& vm, ActiveFrames* frames) const;

  std::string text_;
  std::vector<detail::ExprNode> nodes_;  // operands before their operator; the root is last
  bool reads_function_locals_ = false;   // some node is FUNCTION::NAME
};

// Same value for change detection: both unavailable, or same type and payload (doubles
// bitwise; symbols, functions by index; strings and other references by object id).
bool same_result(const EvalResult& a, const EvalResult& b);

// For people: 42, 1.5, nil, true, 'sym, "text\n", (1 2 . 3), [1, 2] #14, <closure f> #9,
// <function f>; cut at about [max_chars] with "...". "<unavailable: REASON>" when not
// available. The result must come from [vm] as it is now: references are read.
std::string result_text(const pw::VmState& vm, const EvalResult& r, std::size_t max_chars = 200);

// For programs: {"type":"int","value":5}, {"type":"string","id":12,"value":"hi"},
// {"type":"array","id":12,"text":"[1, 2]"}, {"unavailable":"REASON"}... (docs/EXPRESSIONS.md).
// String bytes >= 0x80 become U+0080..U+00FF, so the JSON is always valid UTF-8.
nlohmann::json result_json(const pw::VmState& vm, const EvalResult& r);

}  // namespace pw::replay
