// The debugger's front: where commands come from (command files, -ex, a terminal with line
// editing and history, or standard input) and how the session ends. Shared by
// `pwvm debug` and `pwreplay debug`.
#pragma once
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "session.h"

namespace pw::debugger {

struct FrontOptions {
  std::vector<std::string> command_files;  // -x FILE
  std::vector<std::string> commands;       // -ex COMMAND
  bool batch = false;                      // exit after them
  // Where the two came from: they run interleaved, in the order of the command line.
  const CLI::App* app = nullptr;
  const CLI::Option* file_option = nullptr;
  const CLI::Option* command_option = nullptr;
};

// Registers -x, --ex (also written -ex) and --batch on [cmd].
void add_front_options(CLI::App* cmd, FrontOptions& o);

// Runs [session]: the -x files and -ex commands in command-line order, then (without --batch) commands
// from the terminal or standard input until quit or the end of input. Commands that do
// not come from a terminal are echoed after a "(pwdb) " prompt, so a log reads like the
// session. Returns the exit status: 0, or 1 when a command failed outside a terminal (a
// script's error is the script's failure).
int run_front(Session& session, const FrontOptions& o);

}  // namespace pw::debugger
