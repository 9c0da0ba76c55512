#include "compiler.h"

#include <fmt/format.h>

#include <stdexcept>

#include "assembler.h"
#include "codegen.h"
#include "large_stack.h"
#include "module.h"
#include "verifier.h"

namespace pw::lisp {

std::string compile_to_assembly(std::string_view source, const std::string& file) {
  // The passes recurse as deep as the program nests: they get a stack to match.
  std::string text;
  run_with_stack(kCompilerStackBytes, [&] {
    std::unique_ptr<Module> m = parse_module(source, file);
    text = generate_assembly(*m);
  });
  return text;
}

std::shared_ptr<const Program> compile_program(std::string_view source, const std::string& file) {
  const std::string text = compile_to_assembly(source, file);
  try {
    return load_program_text(text, file + ".pwa");
  } catch (const AssemblyError& e) {
    throw std::logic_error(fmt::format("internal compiler error: the generated assembly does not assemble: {}:{}: {}",
                                       e.line, e.column, e.message));
  } catch (const VerifyError& e) {
    throw std::logic_error(fmt::format("internal compiler error: the generated code does not verify: {}", e.what()));
  }
}

bool is_lisp_path(std::string_view path) { return path.size() > 4 && path.substr(path.size() - 4) == ".pwl"; }

namespace {

// Standard input has no extension: a program whose first form (past blank lines and
// `;` comments) opens a parenthesis is the Lisp; assembly never starts so.
bool looks_like_lisp(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == ';') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else {
      return c == '(' || c == '[' || text.substr(i, 2) == "#|";
    }
  }
  return false;
}

}  // namespace

std::shared_ptr<const Program> load_any_program(const std::string& path) {
  if (path == "-") {
    const std::string text = read_program_file(path);
    return looks_like_lisp(text) ? compile_program(text, "<stdin>") : load_program_text(text, "<stdin>");
  }
  if (!is_lisp_path(path)) return load_program(path);
  return compile_program(read_program_file(path), path);
}

}  // namespace pw::lisp
