// pwreplay calls: every call of a function, with its arguments and how it ended.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "json_schemas.h"
#include "quiet_flag.h"
#include "replay_progress.h"
#include "printable.h"
#include "queries.h"
#include "replay_support.h"
#include "state_dump.h"
#include "trace_text.h"

namespace pwreplay {
namespace {

struct Options {
  std::string trace;
  std::string function;
  std::string from = "start";
  std::string to = "end";
  bool json = false;
};

const char* ending_name(pw::replay::CallReport::Ending e) {
  switch (e) {
    case pw::replay::CallReport::Ending::Returned: return "returned";
    case pw::replay::CallReport::Ending::Threw: return "threw";
    case pw::replay::CallReport::Ending::TailCalled: return "tail-called";
    case pw::replay::CallReport::Ending::Unfinished: break;
  }
  return "unfinished";
}

int run_calls(const Options& o) {
  return with_timeline(o.trace, [&](pw::replay::Timeline& t) {
    const int fn = t.program().find_function(o.function);
    if (fn < 0) {
      report(fmt::format("no function named '{}' in {}", o.function, t.program().source_name));
      return kExitBadInput;
    }
    const auto range = parse_range(o.from, o.to, t);
    if (!range) return kExitBadInput;
    const auto [from, to] = *range;
    auto list = [&, from = from, to = to] {
      const pw::term::ProgressLine progress("finding calls", pw::term::forward_progress(from, to));
      return pw::replay::calls(t, static_cast<std::uint32_t>(fn), from, to);
    }();
    if (o.json) {
      // One object, written a call at a time (each let go once written): a tree of every
      // call would cost far more memory than the list itself. "calls" sorts first.
      std::string out = "{\"calls\":[";
      for (std::size_t i = 0; i < list.size(); ++i) {
        const pw::replay::CallReport c = std::move(list[i]);
        nlohmann::json args = nlohmann::json::array();
        for (const auto& a : c.arguments) args.push_back(a.json());
        nlohmann::json j{{"step", c.position}, {"depth", c.depth}, {"arguments", std::move(args)},
                         {"ending", ending_name(c.ending)}};
        if (c.result) j[c.ending == pw::replay::CallReport::Ending::Threw ? "exception" : "result"] = c.result->json();
        if (c.ending != pw::replay::CallReport::Ending::Unfinished) j["end_step"] = c.end_position;
        if (!c.tail_callee.empty()) j["tail_callee"] = pw::json_safe_bytes(c.tail_callee);
        if (i) out += ',';
        out += j.dump();
        if (out.size() > (1 << 16)) {
          std::fputs(out.c_str(), stdout);
          out.clear();
        }
      }
      const nlohmann::json rest{
          {"schema", kCallsSchema}, {"function", pw::json_safe_bytes(o.function)}, {"from", from}, {"to", to}};
      out += "],";
      out += rest.dump().substr(1);  // {"from":...}: the keys after "calls"
      out += '\n';
      std::fputs(out.c_str(), stdout);
      return kExitOk;
    }
    // Names are the trace's: escaped as one line each, so a newline in one starts no line.
    const std::string name = pw::printable(o.function);
    std::string out;
    for (const auto& c : list) {
      std::string args;
      for (const auto& a : c.arguments) args += (args.empty() ? "" : ", ") + a.text();
      out += fmt::format("step {:>10}  depth {:>3}  {}({})", c.position, c.depth, name, args);
      switch (c.ending) {
        case pw::replay::CallReport::Ending::Returned: out += " -> " + c.result->text(); break;
        case pw::replay::CallReport::Ending::Threw: out += " threw " + c.result->text(); break;
        case pw::replay::CallReport::Ending::TailCalled:
          out += fmt::format(" -> tail call to {}", pw::printable(c.tail_callee));
          if (c.result) out += " -> " + c.result->text();
          break;
        case pw::replay::CallReport::Ending::Unfinished: out += " (unfinished)"; break;
      }
      out += '\n';
      if (out.size() > (1 << 16)) {
        print_text(out);
        out.clear();
      }
    }
    out += fmt::format("{} call{} of {} in steps {}..{}\n", list.size(), list.size() == 1 ? "" : "s", name, from, to);
    print_text(out);
    return kExitOk;
  });
}

}  // namespace

void add_calls_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("calls", "Every call of FUNCTION: step, depth, arguments and result");
  cmd->add_option("trace", o->trace, "Trace file (.pwtrace)")->required();
  cmd->add_option("function", o->function, "Function name")->required();
  cmd->add_option("--from", o->from, "First step (default: the trace's first, 0 unless it was recorded with --record-last)");
  cmd->add_option("--to", o->to, "Last step, or 'end' (the default)");
  cmd->add_flag("--json", o->json, "One JSON object instead of text");
  pwtools::add_quiet_flag(cmd);
  cmd->callback([o, &exit_code] { exit_code = run_calls(*o); });
}

}  // namespace pwreplay
