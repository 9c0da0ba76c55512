// Bytes from a program or a trace made safe to show on a terminal. Strings, error messages,
// names and source lines may hold any byte; printed raw, a NUL cuts a C string short and an
// ESC or a C1 control drives the terminal. Every printer goes through escape_into.
#pragma once
#include <string>
#include <string_view>

namespace pw {

enum class EscapeStyle {
  // One line of a report (a message, a name, a source line): every control byte is written
  // \xHH, newline and carriage return included, so text cannot forge the lines after it.
  // Tab, printable ASCII and well-formed UTF-8 (but not the C1 controls U+0080..U+009F) stay.
  Line,
  // Several lines of text (a listing, a whole report): as Line, but newlines stay.
  Lines,
  // The inside of a string literal as the assembler reads it: \n \t \r \0 \\ \" and \xHH for
  // every other byte outside printable ASCII. Lossless: it assembles back to the same bytes.
  Literal,
};

// Appends [bytes] to [out], escaped in [style].
void escape_into(std::string& out, std::string_view bytes, EscapeStyle style);

// [bytes] escaped as one line of a report.
std::string printable(std::string_view bytes);
// [bytes] escaped as several lines: newlines kept.
std::string printable_lines(std::string_view bytes);
// [bytes] as a string literal in double quotes.
std::string quoted(std::string_view bytes);

}  // namespace pw
