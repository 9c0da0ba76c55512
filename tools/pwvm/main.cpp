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
  app.set_version_flag("-V,--version", "pwvm 0.1.0");
  int exit_code = pwvm::kExitOk;
  pwvm::add_run_command(app, exit_code);
  pwvm::add_check_command(app, exit_code);
  pwvm::add_disasm_command(app, exit_code);
  pwvm::add_debug_command(app, exit_code);
  pwvm::add_dap_command(app, exit_code);
  return pwtools::run_cli(app, "pwvm", argc, argv, exit_code);
}
