// pwreplay last-write: the last instruction before a step that wrote the place an
// expression names: who put that value there?
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "json_schemas.h"
#include "quiet_flag.h"
#include "replay_progress.h"
#include "queries.h"
#include "printable.h"
#include "replay_support.h"
#include "state_dump.h"
#include "trace_text.h"

namespace pwreplay {
namespace {

struct Options {
  std::string trace;
  std::string expression;
  std::string before;
  bool json = false;
};

int run_last_write(const Options& o) {
  return with_timeline(o.trace, [&](pw::replay::Timeline& t) {
    const auto expr = pw::replay::Expression::compile(o.expression, t.program());
    const auto before = parse_step(o.before, t, "--before");
    if (!before) return kExitBadInput;
    if (*before > t.end()) {
      report(fmt::format("--before: step {} is past the end of the run (the last is {})", *before, t.end()));
      return kExitBadInput;
    }
    const auto found = [&] {
      const pw::term::ProgressLine progress("searching back", pw::term::backward_progress(*before, t.start()));
      return pw::replay::last_write(t, expr, *before);
    }();
    if (o.json) {
      nlohmann::json j{{"schema", kLastWriteSchema},
                       {"expression", pw::json_safe_bytes(o.expression)},
                       {"before", *before},
                       {"searched_from", t.start()},
                       {"found", found.has_value()}};
      if (found) j["write"] = change_json(t.program(), *found);
      std::puts(j.dump().c_str());
    } else if (!found && t.windowed()) {
      print_text(fmt::format("nothing wrote {} between step {}, where the recorded window starts, and step {}\n",
                             o.expression, t.start(), *before));
    } else if (!found) {
      print_text(fmt::format("nothing wrote {} before step {}\n", o.expression, *before));
    } else if (found->by_debugger) {
      print_text(fmt::format("{} was last written before step {} by the debugger, at step {}:\n{}", o.expression, *before,
                             found->change.position, change_text(t.program(), *found)));
    } else {
      std::string out = fmt::format("{} was last written before step {} by the instruction at step {}:\n",
                                    o.expression, *before, found->by.position);
      out += change_text(t.program(), *found);
      const std::string source = t.program().source_line(found->by.line);
      if (!source.empty()) out += fmt::format("    {} | {}\n", found->by.line, pw::printable(source));
      print_text(out);
    }
    return kExitOk;
  });
}

}  // namespace

void add_last_write_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("last-write", "The last step before STEP that wrote EXPR, and the instruction that did");
  cmd->add_option("trace", o->trace, "Trace file (.pwtrace)")->required();
  cmd->add_option("expression", o->expression, "The place, e.g. total, fib::n, stock[6]")->required();
  cmd->add_option("--before", o->before, "Look before this step ('end' for the end of the run)")->required();
  cmd->add_flag("--json", o->json, "One JSON object instead of text");
  pwtools::add_quiet_flag(cmd);
  cmd->callback([o, &exit_code] { exit_code = run_last_write(*o); });
}

}  // namespace pwreplay
