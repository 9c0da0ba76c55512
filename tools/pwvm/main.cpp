// pwvm: the Physics World VM's command line.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"pwvm: assemble, verify and run Physics World VM programs (.pwa)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "pwvm 0.1.0");
  int exit_code = pwvm::kExitOk;
  pwvm::add_run_command(app, exit_code);
  pwvm::add_check_command(app, exit_code);
  pwvm::add_disasm_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, not a usage dump: scripts and CI logs read the first line.
    std::fprintf(stderr, "pwvm: error: %s (see pwvm --help)\n", e.what());
    return pwvm::kExitBadInput;
  }
  std::fflush(stdout);
  return exit_code;
}
