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

// A variable of the source language (debug information from a compiler): which slot holds
// it, and over which instructions.
struct SourceVar {
  enum class Slot : std::uint8_t { Local, Capture };
  Slot slot = Slot::Local;
  std::uint32_t index = 0;  // local or capture index
  std::string name;         // the name in the source
  std::uint32_t begin = 0;  // in scope for instruction indices [begin, end)
  std::uint32_t end = 0;
  bool boxed = false;  // the slot holds a box: a pair whose car is the variable's value
  friend bool operator==(const SourceVar&, const SourceVar&) = default;
};

struct Function {
  std::string name;
  std::string source_name;  // the name in the source language; empty: the same as name
  std::uint32_t arity = 0;
  // The last parameter takes the arguments past the others, as a list: a dynamic call
  // (`call N`) may pass arity - 1 or more arguments (call_fn passes the list itself).
  bool rest = false;
  std::vector<std::string> locals;    // parameters first, then the declared locals
  std::vector<std::string> captures;  // names of the values a closure of this function holds
  std::vector<Instr> code;
  std::vector<std::uint32_t> lines;   // source line of every instruction
  std::vector<std::uint32_t> columns;           // source column of every instruction, 0 = unknown
  std::map<std::uint32_t, std::string> labels;  // instruction index -> label name
  std::uint32_t line = 0;             // line of the `func` header
  std::vector<SourceVar> vars;        // source variables; empty: no scope information
  std::uint32_t max_stack = 0;        // deepest operand stack above the locals (verifier)
  // What the verifier proved about each instruction (parallel to code), so a restored state
  // can be checked against it: the operand depth on entry (-1 where no path arrives) and
  // the innermost try scope open on entry (0 for none, else try_scopes[scope - 1]).
  std::vector<std::int32_t> entry_depth;
  std::vector<std::uint32_t> entry_scope;
  std::vector<TryScope> try_scopes;

  std::uint32_t local_count() const { return static_cast<std::uint32_t>(locals.size()); }
  const std::string& display_name() const { return source_name.empty() ? name : source_name; }
  // The position of instruction [ip]; unverified code may lack one (then the header's line, column 0).
  std::uint32_t line_at(std::uint32_t ip) const { return ip < lines.size() ? lines[ip] : line; }
  std::uint32_t column_at(std::uint32_t ip) const { return ip < columns.size() ? columns[ip] : 0; }
};

struct Program {
  std::string source_name;  // the file it was assembled from, for error messages
  std::string source;       // its text, so tools can show source lines
  // Assembled from compiler output (a `.source` directive): source_name, source, lines and
  // columns then describe the original source file, not the .pwa text.
  bool compiled = false;
  std::vector<Function> functions;
  std::vector<Constant> constants;
  std::vector<std::string> symbols;
  std::vector<std::string> globals;
  std::vector<std::int32_t> global_inits;  // constant index per global, -1 for nil
  std::uint32_t entry = 0;

  // By name, else by source name (a compiled program's `fib` or `walk`); -1 for none.
  int find_function(const std::string& name) const;
  // How tools name function [fn]: its source name, unless another function has the same
  // one (two local `loop`s), then its unique assembly name.
  const std::string& function_label(std::uint32_t fn) const;
  int find_global(const std::string& name) const;
  // The text of source line [line] (1-based), or "" when unknown.
  std::string source_line(std::uint32_t line) const;
};

// True when two programs have the same functions, code, constants, symbols and globals.
// Line tables, label names and source text are presentation and are not compared.
bool same_code(const Program& a, const Program& b);

// True when two programs carry the same debug information: source name and text, and per
// function lines, columns, header line, source name and variables. For round-trip tests.
bool same_debug_info(const Program& a, const Program& b);

}  // namespace pw
