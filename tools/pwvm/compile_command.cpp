// pwvm compile: a .pwl program to readable assembly with its debug directives.
#include <cstdio>
#include <fstream>

#include "assembler.h"
#include "cli_support.h"
#include "commands.h"
#include "compiler.h"
#include "printable.h"

namespace pwvm {

void add_compile_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("compile", "Compile a .pwl program to .pwa assembly");
  auto path = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("program", *path, "Program (.pwl source, at most 64 MiB)")->required();
  cmd->add_option("-o,--output", *out, "Write the assembly here (default: standard output)");
  cmd->callback([path, out, &exit_code] {
    std::string text;
    try {
      text = pw::lisp::compile_to_assembly(pw::read_program_file(*path), *path == "-" ? "<stdin>" : *path);
    } catch (const pw::lisp::CompileError& e) {
      std::fprintf(stderr, "%s\n", pw::printable_lines(e.what()).c_str());
      exit_code = kExitBadInput;
      return;
    } catch (const std::exception& e) {
      report(e.what());
      exit_code = kExitBadInput;
      return;
    }
    if (out->empty() || *out == "-") {
      std::fwrite(text.data(), 1, text.size(), stdout);
      return;
    }
    std::ofstream file(*out, std::ios::binary);
    file << text;
    file.close();
    if (!file) {
      report("cannot write " + *out);
      exit_code = kExitBadInput;
    }
  });
}

}  // namespace pwvm
