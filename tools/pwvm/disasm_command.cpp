// pwvm disasm: print a program back as assembly that assembles to the same program.
#include <cstdio>

#include "cli_support.h"
#include "commands.h"
#include "disassembler.h"

namespace pwvm {

void add_disasm_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("disasm", "Print a program's bytecode as assembly");
  auto path = std::make_shared<std::string>();
  cmd->add_option("program", *path, "Program (.pwa text, at most 64 MiB)")->required();
  cmd->callback([path, &exit_code] {
    auto program = load_or_report(*path);
    if (!program) {
      exit_code = kExitBadInput;
      return;
    }
    std::fputs(pw::disassemble(*program).c_str(), stdout);
  });
}

}  // namespace pwvm
