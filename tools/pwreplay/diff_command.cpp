// pwreplay diff: where two runs part. Two runs of one program (other inputs, seeds or
// arguments) or of two versions of it are re-executed side by side; the first step where
// they do something different is shown with both backtraces and the values that differ,
// then how the runs differ after it.
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "json_schemas.h"
#include "printable.h"
#include "quiet_flag.h"
#include "replay_support.h"
#include "run_diff.h"
#include "state_dump.h"
#include "trace_text.h"

namespace pwreplay {
namespace {

struct Options {
  std::string a, b;
  bool json = false;
};

inline constexpr int kExitDiffer = 1;  // as diff(1): the runs differ

std::string_view relation_name(pw::replay::ProgramMatch::Relation r) {
  switch (r) {
    case pw::replay::ProgramMatch::Relation::Same:
      return "same program";
    case pw::replay::ProgramMatch::Relation::Versions:
      return "two versions";
    case pw::replay::ProgramMatch::Relation::Unrelated:
      break;
  }
  return "unrelated";
}

std::string position_text(const pw::Program& p, const std::string& function, std::uint32_t line, std::uint32_t column) {
  if (line == 0) return p.compiled ? fmt::format("{} (library)", function) : function;
  if (column && p.compiled) return fmt::format("{} at {}:{}:{}", function, p.source_name, line, column);
  return fmt::format("{} at {}:{}", function, p.source_name, line);
}

std::string side_text(const char* name, const pw::Program& p, const pw::replay::DepartureSide& s) {
  std::string out = fmt::format("{} at step {}: {}\n", name, s.step, s.summary);
  if (!s.instruction.empty())
    out += fmt::format("    {}   {}\n", s.instruction, position_text(p, s.function, s.line, s.column));
  if (s.line && !s.source.empty()) out += fmt::format("    {:>4} | {}\n", s.line, s.source);
  for (std::size_t i = 0; i < s.backtrace.size(); ++i) {
    const auto& f = s.backtrace[i];
    out += fmt::format("    #{:<2} {} ({}){}\n", i, f.function, f.arguments,
                       f.line ? " " + position_text(p, "at", f.line, f.column).substr(3) : std::string(" (library)"));
  }
  return out;
}

nlohmann::json side_json(const pw::replay::DepartureSide& s) {
  nlohmann::json values = nlohmann::json::array();
  for (const auto& [what, v] : s.values)
    values.push_back({{"what", pw::json_safe_bytes(what)}, {"value", pw::json_safe_bytes(v)}});
  nlohmann::json frames = nlohmann::json::array();
  for (const auto& f : s.backtrace)
    frames.push_back({{"function", pw::json_safe_bytes(f.function)},
                      {"line", f.line},
                      {"column", f.column},
                      {"arguments", pw::json_safe_bytes(f.arguments)}});
  return {{"step", s.step},
          {"kind", std::string(pw::replay::event_kind_name(s.kind))},
          {"function", pw::json_safe_bytes(s.function)},
          {"line", s.line},
          {"column", s.column},
          {"instruction", pw::json_safe_bytes(s.instruction)},
          {"summary", pw::json_safe_bytes(s.summary)},
          {"values", values},
          {"backtrace", frames}};
}

nlohmann::json run_json(const pw::replay::RunSide& r) {
  return {{"trace", pw::json_safe_bytes(r.trace)},
          {"program", pw::json_safe_bytes(r.program)},
          {"steps", r.steps},
          {"outcome", pw::json_safe_bytes(r.outcome)},
          {"objects_allocated", r.objects_allocated},
          {"bytes_allocated", r.bytes_allocated},
          {"output_bytes", r.output.size()}};
}

std::string signed_change(std::uint64_t a, std::uint64_t b) {
  return b >= a ? fmt::format("+{}", b - a) : fmt::format("-{}", a - b);
}

std::string diff_text(const pw::replay::RunDiff& d, const pw::Program& pa, const pw::Program& pb) {
  std::string out;
  out += fmt::format("A: {} ({}): {} steps, {}\n", d.a.trace, d.a.program, d.a.steps, d.a.outcome);
  out += fmt::format("B: {} ({}): {} steps, {}\n", d.b.trace, d.b.program, d.b.steps, d.b.outcome);
  if (d.relation == pw::replay::ProgramMatch::Relation::Versions)
    out += "The programs differ: functions are matched by name, lines through a diff of the sources.\n";
  // The steps before skipped_to were not re-executed: same program, configuration and inputs.
  const std::string compared = d.skipped_to
                                   ? fmt::format("{} events compared from step {}; the inputs were the same before it",
                                                 d.compared_events, d.skipped_to)
                                   : fmt::format("{} events compared", d.compared_events);
  if (d.identical) {
    out += fmt::format("The runs do the same throughout ({}).\n", compared);
    return out;
  }
  out += fmt::format("\nThe runs depart at step {} of A and step {} of B ({}):\n  {}\n\n", d.at_a.step, d.at_b.step,
                     compared, d.description);
  out += side_text("A", pa, d.at_a);
  out += side_text("B", pb, d.at_b);
  out += "\nAfter the departure:\n";
  out += fmt::format("  steps:       A {}, B {} ({})\n", d.a.steps, d.b.steps, signed_change(d.a.steps, d.b.steps));
  out += fmt::format("  allocations: A {} objects ({} bytes), B {} objects ({} bytes)\n", d.a.objects_allocated,
                     d.a.bytes_allocated, d.b.objects_allocated, d.b.bytes_allocated);
  if (d.calls.empty()) {
    out += "  calls:       the same number of calls of every function\n";
  } else {
    out += "  calls from the departure on, where they differ:\n";
    std::size_t width = 8;
    for (const auto& c : d.calls) width = std::max(width, c.function.size());
    out += fmt::format("    {:<{}} {:>10} {:>10} {:>10}\n", "function", width, "A", "B", "change");
    std::size_t shown = 0;
    for (const auto& c : d.calls) {
      if (++shown > 20) {
        out += fmt::format("    ... and {} more\n", d.calls.size() - 20);
        break;
      }
      out += fmt::format("    {:<{}} {:>10} {:>10} {:>10}\n", c.function, width, c.a, c.b, signed_change(c.a, c.b));
    }
  }
  out += d.first_output_difference_line
             ? fmt::format("  output:      differs from line {} ({} bytes in A, {} in B)\n",
                           d.first_output_difference_line, d.a.output.size(), d.b.output.size())
             : "  output:      the same\n";
  out += fmt::format("  outcome:     A {}; B {}\n", d.a.outcome, d.b.outcome);
  return out;
}

int run_diff(const Options& o) {
  return with_timeline(o.a, [&](pw::replay::Timeline& ta) {
    return with_timeline(o.b, [&](pw::replay::Timeline& tb) {
      pw::replay::RunDiff d;
      try {
        d = pw::replay::diff_runs(ta, tb, o.a, o.b);
      } catch (const pw::replay::DiffError& e) {
        report(e.what());
        return kExitBadInput;
      }
      if (o.json) {
        nlohmann::json j{{"schema", kDiffSchema},        {"relation", std::string(relation_name(d.relation))},
                         {"a", run_json(d.a)},           {"b", run_json(d.b)},
                         {"identical", d.identical},     {"compared_events", d.compared_events},
                         {"compared_from", d.skipped_to}};
        if (!d.identical) {
          nlohmann::json calls = nlohmann::json::array();
          for (const auto& c : d.calls)
            calls.push_back({{"function", pw::json_safe_bytes(c.function)}, {"a", c.a}, {"b", c.b}});
          j["departure"] = {
              {"description", pw::json_safe_bytes(d.description)}, {"a", side_json(d.at_a)}, {"b", side_json(d.at_b)}};
          j["after"] = {{"calls", calls}, {"first_output_difference_line", d.first_output_difference_line}};
        }
        std::puts(j.dump().c_str());
      } else {
        print_text(diff_text(d, ta.program(), tb.program()));
      }
      std::fflush(stdout);
      return d.identical ? kExitOk : kExitDiffer;
    });
  });
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "diff", "Where two runs part: the first step where they differ, both backtraces, and how they differ after");
  cmd->add_option("trace_a", o->a, "The first trace (.pwtrace), e.g. a passing run")->required();
  cmd->add_option("trace_b", o->b, "The second trace: the same program with other inputs, or another version of it")
      ->required();
  cmd->add_flag("--json", o->json, "One JSON object instead of text");
  pwtools::add_quiet_flag(cmd);
  cmd->footer("Exit status: 0 the runs do the same, 1 they differ, 2 bad input (unrelated programs, a damaged trace).");
  cmd->callback([o, &exit_code] { exit_code = run_diff(*o); });
}

}  // namespace pwreplay
