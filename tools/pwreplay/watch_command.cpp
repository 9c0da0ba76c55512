// pwreplay watch: every step where an expression's value changes, with the old and new
// value and the instruction that changed it.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "json_schemas.h"
#include "quiet_flag.h"
#include "replay_progress.h"
#include "queries.h"
#include "replay_support.h"
#include "state_dump.h"
#include "trace_text.h"

namespace pwreplay {
namespace {

struct Options {
  std::string trace;
  std::string expression;
  std::string from = "start";
  std::string to = "end";
  bool json = false;
};

int run_watch(const Options& o) {
  return with_timeline(o.trace, [&](pw::replay::Timeline& t) {
    const auto expr = pw::replay::Expression::compile(o.expression, t.program());
    const auto range = parse_range(o.from, o.to, t);
    if (!range) return kExitBadInput;
    const auto [from, to] = *range;
    pw::replay::ShownValue initial;
    std::uint64_t count = 0;
    bool header_done = false;
    auto header = [&, from = from] {
      if (header_done || o.json) return;
      header_done = true;
      print_text(fmt::format("{} = {} at step {}\n", o.expression, initial.text(), from));
    };
    // JSON streams too: the changes array is written as they come (its key sorts first), so
    // memory does not grow with the number of changes.
    if (o.json) std::fputs("{\"changes\":[", stdout);
    pw::term::ProgressLine progress("watching", pw::term::forward_progress(from, to));
    pw::replay::watch(t, expr, from, to, initial, [&](const pw::replay::ChangeReport& r) {
      progress.hide();  // the changes go out as they are found, perhaps to the same terminal
      if (o.json) {
        if (count) std::fputc(',', stdout);
        std::fputs(change_json(t.program(), r).dump().c_str(), stdout);
      } else {
        header();
        print_text(change_text(t.program(), r));
      }
      ++count;
      return true;
    });
    if (o.json) {
      const nlohmann::json rest{
          {"schema", kWatchSchema}, {"expression", pw::json_safe_bytes(o.expression)}, {"from", from}, {"to", to},
          {"initial", initial.json()}};
      const std::string tail = rest.dump();  // {"expression":...}: the keys after "changes"
      std::printf("],%s\n", tail.c_str() + 1);
    } else {
      header();
      std::printf("%llu change%s in steps %llu..%llu\n", static_cast<unsigned long long>(count), count == 1 ? "" : "s",
                  static_cast<unsigned long long>(from), static_cast<unsigned long long>(to));
    }
    return kExitOk;
  });
}

}  // namespace

void add_watch_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("watch", "Every step where the value of an expression changes (docs/EXPRESSIONS.md)");
  cmd->add_option("trace", o->trace, "Trace file (.pwtrace)")->required();
  cmd->add_option("expression", o->expression, "What to watch, e.g. total, fib::n, xs[3].car")->required();
  cmd->add_option("--from", o->from, "First step (default: the trace's first, 0 unless it was recorded with --record-last)");
  cmd->add_option("--to", o->to, "Last step, or 'end' (the default)");
  cmd->add_flag("--json", o->json, "One JSON object instead of text");
  pwtools::add_quiet_flag(cmd);
  cmd->callback([o, &exit_code] { exit_code = run_watch(*o); });
}

}  // namespace pwreplay
