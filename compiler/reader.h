// The reader of .pwl source: text in, data out (numbers, strings, symbols, booleans, lists
// and vectors), each with the place it starts, which every later error and every
// instruction's debug position comes from.
//
// Lexical syntax (docs/LISP.md): comments `;` to the end of the line, `#| ... |#` (nested)
// and `#;` before a datum; integers `42` `-7` (64-bit: out of range is an error), floats
// `3.14` `1e9` `-0.5`; strings "..." with \n \t \r \0 \\ \" \xHH; booleans #t #f #true
// #false; symbols of any other run of characters but ( ) [ ] " ; ' ` , and whitespace;
// `'x` `(quasiquote x)` `,x` `,@x` shorthands; `(a . b)` dotted pairs; `#(...)` vectors.
// Brackets [ ] pair like parentheses.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compile_error.h"

namespace pw::lisp {

struct Datum {
  enum class Kind { Int, Float, String, Symbol, Bool, List, Vector };
  Kind kind = Kind::List;
  SourcePos pos;
  std::int64_t i = 0;           // Int; Bool: 1 or 0
  double f = 0;                 // Float
  std::string text;             // String: its bytes; Symbol: its name
  std::vector<Datum> items;     // List and Vector; a dotted list's last item is its tail
  bool dotted = false;          // List: (a b . c)
  SourcePos end;                // List and Vector: the closing parenthesis

  bool is_symbol(std::string_view name) const { return kind == Kind::Symbol && text == name; }
  bool is_list() const { return kind == Kind::List && !dotted; }
  bool is_nil() const { return kind == Kind::List && items.empty(); }
  // The datum as source text again (strings escaped, floats with a point).
  std::string show() const;
};

// Reads every datum of [source] (named [file] in errors). Throws CompileError at the first
// thing that is not well formed: an unclosed '(' is named where it opens.
std::vector<Datum> read_all(std::string_view source, const std::string& file);

// Nesting deeper than this is an error (a reader, and every pass after it, recurses).
inline constexpr int kMaxNesting = 1000;

}  // namespace pw::lisp
