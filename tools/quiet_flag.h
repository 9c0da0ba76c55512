// -q/--quiet for the commands that can take long: no progress line on the terminal.
#pragma once
#include <CLI/CLI.hpp>

#include "progress_line.h"

namespace pwtools {

inline void add_quiet_flag(CLI::App* cmd) {
  cmd->add_flag_callback("-q,--quiet", [] { pw::term::ProgressLine::disable(); },
                         "Show no progress line on stderr (one is shown only on a terminal, for long operations)");
}

}  // namespace pwtools
