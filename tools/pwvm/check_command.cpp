// pwvm check: assemble and verify a program, and say what it holds.
#include <cstdio>

#include "cli_support.h"
#include "commands.h"

namespace pwvm {

void add_check_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("check", "Assemble and verify a program without running it");
  auto path = std::make_shared<std::string>();
  cmd->add_option("program", *path, "Program (.pwa text, at most 64 MiB)")->required();
  cmd->callback([path, &exit_code] {
    auto program = load_or_report(*path);
    if (!program) {
      exit_code = kExitBadInput;
      return;
    }
    std::size_t instructions = 0;
    for (const auto& fn : program->functions) instructions += fn.code.size();
    std::printf("%s: ok: %zu functions, %zu instructions, %zu constants, %zu globals\n", path->c_str(),
                program->functions.size(), instructions, program->constants.size(), program->globals.size());
    for (const auto& fn : program->functions)
      std::printf("  %s: arity %u, %zu locals, max stack %u, %zu instructions\n", fn.name.c_str(), fn.arity,
                  fn.locals.size(), fn.max_stack, fn.code.size());
  });
}

}  // namespace pwvm
