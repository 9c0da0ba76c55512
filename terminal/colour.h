// Colour on a terminal, decided in one place for both tools and the debugger: only when the
// stream is a terminal, and never when NO_COLOR is set to anything (no-color.org) or TERM
// is "dumb".
#pragma once
#include <cstdio>
#include <string>
#include <string_view>

namespace pw::term {

enum class Style {
  Error,        // "error:" and runtime errors: bold red
  Stop,         // the debugger's stop line, "[step N] function (args) at file:line": bold
  CurrentLine,  // the source line about to run: bold yellow
};

// Whether text written to [stream] should carry colour.
bool colour_enabled(std::FILE* stream);

// [text] in [style] when [stream] takes colour, else [text] unchanged.
std::string paint(std::FILE* stream, Style style, std::string_view text);

// Writes [style]'s escape to [stream] now and the reset when it goes out of scope, when
// [stream] takes colour: for text printed by functions that escape their arguments (escape
// codes among them).
class Painted {
 public:
  Painted(std::FILE* stream, Style style);
  ~Painted();
  Painted(const Painted&) = delete;
  Painted& operator=(const Painted&) = delete;

 private:
  std::FILE* stream_ = nullptr;  // null when not painting
};

}  // namespace pw::term
