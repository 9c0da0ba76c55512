// pwreplay: read a recorded trace of a Physics World VM run.
#include "cli_main.h"
#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"pwreplay: inspect, replay and query a recorded Physics World VM trace (.pwtrace)", "pwreplay"};
  app.require_subcommand(1);
  const pwtools::ManInfo man{"pwreplay 0.1.0", "\\fBpwvm\\fR(1)"};
  app.set_version_flag("-V,--version", man.version);
  app.footer(
      "Exit status:\n"
      "  0  success\n"
      "  1  the replay did not match the recording (verify, and the commands that re-execute),\n"
      "     or a perf gate failed (--max-regression, --max-function-regression)\n"
      "  2  bad input: an unreadable, damaged or foreign trace, a bad flag or expression\n"
      "  3  an output file or the standard output could not be written");
  int exit_code = pwreplay::kExitOk;
  pwreplay::add_info_command(app, exit_code);
  pwreplay::add_events_command(app, exit_code);
  pwreplay::add_state_command(app, exit_code);
  pwreplay::add_verify_command(app, exit_code);
  pwreplay::add_watch_command(app, exit_code);
  pwreplay::add_last_write_command(app, exit_code);
  pwreplay::add_origin_command(app, exit_code);
  pwreplay::add_calls_command(app, exit_code);
  pwreplay::add_debug_command(app, exit_code);
  pwreplay::add_dap_command(app, exit_code);
  pwreplay::add_perf_command(app, exit_code);
  pwreplay::add_diff_command(app, exit_code);
  return pwtools::run_cli(app, "pwreplay", man, argc, argv, exit_code);
}
