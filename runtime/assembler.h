// The .pwa assembler: text in, Program out, or an error naming file:line:column.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "program.h"

namespace pw {

class AssemblyError : public std::runtime_error {
 public:
  AssemblyError(std::string file, std::uint32_t line, std::uint32_t column, std::string message);
  std::string file;
  std::uint32_t line;
  std::uint32_t column;
  std::string message;  // without the location
};

// Decodes the string-literal escape whose letter is at text[at] (just after the backslash)
// into [out]: \n \t \r \0 \\ \" and \xHH. Returns how many characters it took (1, or 3 for
// \xHH), or 0 with [error] set when it is not one. Expressions share the syntax.
std::size_t decode_escape(std::string_view text, std::size_t at, std::string& out, std::string& error);

// True when [text] reads as one name (so a symbol of that name is written 'text, not '"text").
bool is_name(std::string_view text);

// Assembles [source]; [source_name] is used in errors and kept in the Program.
// Throws AssemblyError. Does not verify: see verifier.h, or load_program below.
Program assemble(std::string_view source, std::string_view source_name);

// The largest program file load_program reads: a .pwa text bigger than this is refused
// before it is read whole (a pipe or a device is read up to one byte past it).
inline constexpr std::size_t kMaxProgramBytes = std::size_t{64} << 20;

// The bytes of program file [path]. Throws std::runtime_error, in one line, for a file that
// cannot be read, a directory, a device or a socket (a pipe is read like standard input),
// or one larger than kMaxProgramBytes.
std::string read_program_file(const std::string& path);

// Reads, assembles and verifies a file. Throws AssemblyError, VerifyError, or
// std::runtime_error as read_program_file does.
// [path] "-" reads standard input (the program is named <stdin>).
std::shared_ptr<const Program> load_program(const std::string& path);
// The same for text already in memory.
std::shared_ptr<const Program> load_program_text(std::string_view source, std::string_view source_name);

}  // namespace pw
