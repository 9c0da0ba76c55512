// pwreplay debug: the debugger over a recorded run, from step 0 or from where --at says.
#include <cstdio>

#include <fmt/format.h>

#include "commands.h"
#include "quiet_flag.h"
#include "front.h"
#include "motion.h"
#include "printable.h"
#include "replay_support.h"
#include "session.h"

namespace pwreplay {
namespace {

struct Options {
  std::string trace;
  std::string at = "start";
  pw::debugger::FrontOptions front;
};

int run_debug(const Options& o) {
  return with_timeline(o.trace, [&](pw::replay::Timeline& t) {
    const auto at = parse_step(o.at, t, "--at");
    if (!at) return kExitBadInput;
    t.seek(*at);
    pw::replay::prepare_to_step_back(t);
    std::printf("%s\n", recorded_run_banner(t).c_str());
    pw::debugger::Session session(t, /*live=*/false, stdout, stderr);
    return pw::debugger::run_front(session, o.front);
  });
}

}  // namespace

void add_debug_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("debug", "Debug a recorded run: gdb's commands, forwards and backwards");
  cmd->add_option("trace", o->trace, "Trace file (.pwtrace)")->required();
  cmd->add_option("--at", o->at, "Start at this step: a number, 'start' (0, or the first step a windowed trace keeps) or 'end' (the failure, for a failed run)")
      ->capture_default_str();
  pw::debugger::add_front_options(cmd, o->front);
  pwtools::add_quiet_flag(cmd);
  cmd->callback([o, &exit_code] { exit_code = run_debug(*o); });
}

}  // namespace pwreplay
