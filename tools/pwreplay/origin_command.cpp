// pwreplay origin: where the value in a place came from, as a chain of the instructions
// that stored, moved and computed it, back to constants and inputs.
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "json_schemas.h"
#include "origin.h"
#include "origin_text.h"
#include "quiet_flag.h"
#include "replay_progress.h"
#include "replay_support.h"
#include "trace_text.h"

namespace pwreplay {
namespace {

struct Options {
  std::string trace;
  std::string place;
  std::string at;
  std::uint32_t depth = pw::replay::OriginOptions{}.depth;
  bool json = false;
};

int run_origin(const Options& o) {
  return with_timeline(o.trace, [&](pw::replay::Timeline& t) {
    const auto place = pw::replay::Expression::compile(o.place, t.program());
    const auto at = parse_step(o.at, t, "--at");
    if (!at) return kExitBadInput;
    if (*at > t.end()) {
      report(fmt::format("--at: step {} is past the end of the run (the last is {})", *at, t.end()));
      return kExitBadInput;
    }
    pw::replay::OriginOptions options;
    options.depth = o.depth;
    pw::replay::Origin found;
    try {
      const pw::term::ProgressLine progress("following back", pw::term::backward_progress(*at, t.start()));
      found = pw::replay::origin(t, place, *at, options);
    } catch (const pw::replay::OriginError& e) {
      report(e.what());
      return kExitBadInput;
    }
    if (o.json) {
      nlohmann::json j = pw::replay::origin_json(t.program(), found);
      j["schema"] = kOriginSchema;
      std::puts(j.dump().c_str());
    } else {
      print_text(pw::replay::origin_text(t.program(), found, true));
    }
    return kExitOk;
  });
}

}  // namespace

void add_origin_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* cmd =
      app.add_subcommand("origin", "Where the value in PLACE at step N came from, back to constants and inputs");
  cmd->add_option("trace", o->trace, "Trace file (.pwtrace)")->required();
  cmd->add_option("place", o->place, "The place, e.g. total, fib::n, stock[6], #40.cdr")->required();
  cmd->add_option("--at", o->at, "The step whose value to explain ('end' for the end of the run)")->required();
  cmd->add_option("--depth", o->depth, "Links on a path before it stops (and says how to go on)")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "One JSON object instead of text");
  pwtools::add_quiet_flag(cmd);
  cmd->callback([o, &exit_code] { exit_code = run_origin(*o); });
}

}  // namespace pwreplay
