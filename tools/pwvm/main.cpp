// pwvm: the Physics World VM's command line.
#include <signal.h>

#include "cli_main.h"
#include "commands.h"

int main(int argc, char** argv) {
  // Past the file size limit a write fails with EFBIG, which pwvm reports, instead of the
  // signal killing it with a half-written trace.
  signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"pwvm: assemble, verify and run Physics World VM programs (.pwa)", "pwvm"};
  app.require_subcommand(1);
  const pwtools::ManInfo man{"pwvm 0.1.0", "\\fBpwreplay\\fR(1)"};
  app.set_version_flag("-V,--version", man.version);
  app.footer(
      "Exit status:\n"
      "  0  the program halted (or the command succeeded)\n"
      "  1  the program ended with a runtime error (pwvm test: a program failed its test)\n"
      "  2  bad input: an unreadable file, an assembly or verifier error, a bad flag\n"
      "  3  a trace could not be written\n"
      "  128+N  a recorded run was stopped by signal N (130 for SIGINT, 143 for SIGTERM)");
  int exit_code = pwvm::kExitOk;
  pwvm::add_run_command(app, exit_code);
  pwvm::add_check_command(app, exit_code);
  pwvm::add_compile_command(app, exit_code);
  pwvm::add_disasm_command(app, exit_code);
  pwvm::add_debug_command(app, exit_code);
  pwvm::add_dap_command(app, exit_code);
  pwvm::add_test_command(app, exit_code);
  return pwtools::run_cli(app, "pwvm", man, argc, argv, exit_code);
}
