// The .pwl compiler's entry points: source text in, assembly text or a verified Program out.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "compile_error.h"
#include "program.h"

namespace pw::lisp {

// The program as readable .pwa text with source-position directives (.source, .loc,
// .name, .var, .text), which the assembler reads back to the same Program.
// Throws CompileError.
std::string compile_to_assembly(std::string_view source, const std::string& file);

// Compiles, assembles and verifies. Throws CompileError for an error in the program, and
// std::logic_error if the generated assembly does not assemble or verify (a compiler bug).
std::shared_ptr<const Program> compile_program(std::string_view source, const std::string& file);

// Whether [path] names a .pwl source file (by its extension).
bool is_lisp_path(std::string_view path);

// Loads any program file: a .pwl file is compiled, anything else assembled; both are
// verified. Standard input ("-") is compiled when its first form opens a parenthesis. Throws CompileError,
// AssemblyError, VerifyError, or std::runtime_error as read_program_file does.
std::shared_ptr<const Program> load_any_program(const std::string& path);

}  // namespace pw::lisp
