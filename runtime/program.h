// A loaded program: functions with their code and line tables, constants, symbols, globals.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "opcodes.h"
#include "value.h"

namespace pw {

// A constant pool entry. Strings are materialised as heap objects when a VM starts.
struct Constant {
  ValueType type = ValueType::Nil;  // Int, Float, String or Symbol (Nil/Bool only as global initialisers)
  std::int64_t i = 0;
  double f = 0;
  bool b = false;
  std::uint32_t sym = 0;
  std::string text;  // the bytes of a String
  friend bool operator==(const Constant&, const Constant&) = default;
};

// A try block open at some instruction, as the verifier sees it: what a handler installed by
// it will restore. Scopes nest through [outer]; the verifier numbers them from 1 per function.
struct TryScope {
  std::uint32_t outer = 0;    // the scope this try opened inside, 0 for none
  std::uint32_t handler = 0;  // instruction index of its handler label
  std::uint32_t depth = 0;    // operand depth at the try: the handler finds the stack at this height
  friend bool operator==(const TryScope&, const TryScope&) = default;
};

struct Function {
  std::string name;
  std::uint32_t arity = 0;
  std::vector<std::string> locals;    // parameters first, then the declared locals
  std::vector<std::string> captures;  // names of the values a closure of this function holds
  std::vector<Instr> code;
  std::vector<std::uint32_t> lines;   // source line of every instruction
  std::map<std::uint32_t, std::string> labels;  // instruction index -> label name
  std::uint32_t line = 0;             // line of the `func` header
  std::uint32_t max_stack = 0;        // deepest operand stack above the locals (verifier)
  // What the verifier proved about each instruction (parallel to code), so a restored state
  // can be checked against it: the operand depth on entry (-1 where no path arrives) and
  // the innermost try scope open on entry (0 for none, else try_scopes[scope - 1]).
  std::vector<std::int32_t> entry_depth;
  std::vector<std::uint32_t> entry_scope;
  std::vector<TryScope> try_scopes;

  std::uint32_t local_count() const { return static_cast<std::uint32_t>(locals.size()); }
};

struct Program {
  std::string source_name;  // the file it was assembled from, for error messages
  std::string source;       // its text, so tools can show source lines
  std::vector<Function> functions;
  std::vector<Constant> constants;
  std::vector<std::string> symbols;
  std::vector<std::string> globals;
  std::vector<std::int32_t> global_inits;  // constant index per global, -1 for nil
  std::uint32_t entry = 0;

  int find_function(const std::string& name) const;
  int find_global(const std::string& name) const;
  // The text of source line [line] (1-based), or "" when unknown.
  std::string source_line(std::uint32_t line) const;
};

// True when two programs have the same functions, code, constants, symbols and globals.
// Line tables, label names and source text are presentation and are not compared.
bool same_code(const Program& a, const Program& b);

}  // namespace pw
