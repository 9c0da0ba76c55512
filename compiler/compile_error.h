// A compile error of a .pwl program: where it is (file, line, column, 1-based), what is
// wrong, and the source line it is on, shown with a caret under the column:
//
//   prog.pwl:3:5: error: unknown variable 'lenght'
//       (lenght xs))
//        ^
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pw::lisp {

// A place in a source file: 1-based line and column (a column counts bytes).
struct SourcePos {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
  friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

class CompileError : public std::runtime_error {
 public:
  // [source]: the whole text of [file], for the line shown under the message.
  CompileError(std::string file, std::string_view source, SourcePos pos, std::string message);
  std::string file;
  SourcePos pos;
  std::string message;  // without the location
  std::string source_line;
};

// The text of line [line] (1-based) of [source], without its newline; "" past the end.
std::string_view line_of(std::string_view source, std::uint32_t line);

}  // namespace pw::lisp
