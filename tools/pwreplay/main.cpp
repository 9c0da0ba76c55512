// pwreplay: read a recorded trace of a Physics World VM run.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"pwreplay: inspect a recorded Physics World VM trace (.pwtrace)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "pwreplay 0.1.0");
  int exit_code = pwreplay::kExitOk;
  pwreplay::add_info_command(app, exit_code);
  pwreplay::add_events_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "pwreplay: error: %s (see pwreplay --help)\n", e.what());
    return pwreplay::kExitBadInput;
  }
  std::fflush(stdout);
  return exit_code;
}
