// pwreplay state: the canonical JSON state at a step, rebuilt from the trace. It is the
// same text `pwvm run --stop-at N --dump-state -` prints for the live run.
#include <algorithm>
#include <cstdio>
#include <iterator>

#include "commands.h"
#include "quiet_flag.h"
#include "replay_progress.h"
#include "replay_support.h"
#include "state_dump.h"

namespace pwreplay {
namespace {

struct Options {
  std::string trace;
  std::string at = "0";
  bool json = false;  // the dump is JSON already; accepted like every command's --json
};

int run_state(const Options& o) {
  return with_timeline(o.trace, [&](pw::replay::Timeline& t) {
    const auto at = parse_step(o.at, t, "--at");
    if (!at) return kExitBadInput;
    {
      // Far from a snapshot the seek re-executes a long way.
      const auto& snapshots = t.snapshot_positions();
      const std::uint64_t from = *std::prev(std::upper_bound(snapshots.begin(), snapshots.end(), *at));
      const pw::term::ProgressLine progress("replaying", pw::term::forward_progress(from, *at));
      t.seek(*at);
    }
    const std::string dump = pw::dump_state(t.state());
    std::fwrite(dump.data(), 1, dump.size(), stdout);
    return kExitOk;
  });
}

}  // namespace

void add_state_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("state", "Print the VM state at a step as canonical JSON");
  cmd->add_option("trace", o->trace, "Trace file (.pwtrace)")->required();
  cmd->add_option("--at", o->at, "Step: a number, 'start' or 'end'")->required();
  cmd->add_flag("--json", o->json, "JSON output (the default for this command)");
  pwtools::add_quiet_flag(cmd);
  cmd->callback([o, &exit_code] { exit_code = run_state(*o); });
}

}  // namespace pwreplay
