// The .pwa assembler: text in, Program out, or an error naming file:line:column.
#pragma once
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

// Assembles [source]; [source_name] is used in errors and kept in the Program.
// Throws AssemblyError. Does not verify: see verifier.h, or load_program below.
Program assemble(std::string_view source, std::string_view source_name);

// Reads, assembles and verifies a file. Throws AssemblyError, VerifyError, or
// std::runtime_error for an unreadable file.
std::shared_ptr<const Program> load_program(const std::string& path);
// The same for text already in memory.
std::shared_ptr<const Program> load_program_text(std::string_view source, std::string_view source_name);

}  // namespace pw
