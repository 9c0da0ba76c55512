// Opening a timeline and reporting what stops a replay.
#include "replay_support.h"

#include <cstdio>
#include <stdexcept>

#include <fmt/format.h>

#include "commands.h"
#include "expression.h"
#include "motion.h"
#include "printable.h"
#include "state_dump.h"
#include "trace_text.h"

namespace pwreplay {

std::optional<std::uint64_t> parse_step(const std::string& text, const pw::replay::Timeline& timeline,
                                        const std::string& flag) {
  if (text == "end") return timeline.end();
  if (text == "start") return timeline.start();
  std::uint64_t v = 0;
  std::size_t used = 0;
  try {
    if (!text.empty() && text[0] != '-') v = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) {
    report(fmt::format("{}: '{}' is not a step number, 'start' or 'end'", flag, text));
    return std::nullopt;
  }
  if (v < timeline.start()) {
    report(fmt::format("{}: {}", flag, pw::replay::before_window_message(v, timeline.start())));
    return std::nullopt;
  }
  return v;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_range(const std::string& from_text,
                                                                   const std::string& to_text,
                                                                   const pw::replay::Timeline& timeline) {
  const auto from = parse_step(from_text, timeline, "--from");
  const auto to = parse_step(to_text, timeline, "--to");
  if (!from || !to) return std::nullopt;
  if (*from > timeline.end() || *to > timeline.end() || *from > *to) {
    report(fmt::format("the steps {}..{} are not within the run ({}..{})", *from, *to, timeline.start(), timeline.end()));
    return std::nullopt;
  }
  return std::make_pair(*from, *to);
}

std::string recorded_run_banner(const pw::replay::Timeline& t) {
  const auto& outcome = t.trace().outcome();
  std::string said = "cut short (the recorder did not finish)";
  if (outcome) {
    if (outcome->status == pw::trace::TraceOutcome::Status::Halted) said = "halted with " + pw::printable(outcome->result);
    else if (outcome->error) said = "failed: " + outcome->error->headline();
    else if (outcome->signal) said = fmt::format("interrupted by signal {}", outcome->signal);
    else said = "stopped";
  }
  const std::string steps = t.windowed() ? fmt::format("{} steps, of which the trace keeps the last {} (steps {}..{})",
                                                       t.end(), t.end() - t.start(), t.start(), t.end())
                                         : fmt::format("{} steps", t.end());
  return fmt::format("Recorded run of {}: {}, {}.", pw::printable(t.program().source_name), steps, said);
}

std::string change_text(const pw::Program& program, const pw::replay::ChangeReport& r) {
  if (r.by_debugger)
    return fmt::format("step {}: {} -> {}   set by the debugger (a value changed at step {} of a live session)\n",
                       r.change.position, r.change.old_value.text(), r.change.new_value.text(), r.change.position);
  // A compiled program's store is placed by its source column too.
  const std::uint32_t column = program.compiled ? program.functions[r.by.fn].column_at(r.by.ip) : 0;
  return fmt::format("step {}: {} -> {}   by {} at {}+{} ({}:{}{})\n", r.change.position, r.change.old_value.text(),
                     r.change.new_value.text(), pw::replay::instruction_text(program, r.by),
                     pw::printable(program.function_label(r.by.fn)), r.by.ip, pw::printable(program.source_name),
                     r.by.line, column ? fmt::format(":{}", column) : "");
}

nlohmann::json change_json(const pw::Program& program, const pw::replay::ChangeReport& r) {
  if (r.by_debugger)
    return {{"step", r.change.position},
            {"old", r.change.old_value.json()},
            {"new", r.change.new_value.json()},
            {"by", {{"step", r.change.position}, {"debugger", true}}}};
  return {{"step", r.change.position},
          {"old", r.change.old_value.json()},
          {"new", r.change.new_value.json()},
          {"by",
           {{"step", r.by.position},
            {"function", pw::json_safe_bytes(program.function_label(r.by.fn))},
            {"ip", r.by.ip},
            {"line", r.by.line},
            {"instruction", pw::replay::instruction_text(program, r.by)}}}};
}

int with_timeline(const std::string& trace, const std::function<int(pw::replay::Timeline&)>& body) {
  try {
    pw::replay::Timeline timeline(trace);
    return body(timeline);
  } catch (const pw::replay::Divergence& e) {
    std::fflush(stdout);
    report(e.what());
    return kExitDiverged;
  } catch (const pw::trace::TraceReadError& e) {
    std::fflush(stdout);
    report(e.what());
    return kExitBadInput;
  } catch (const pw::replay::ExpressionError& e) {
    report(e.what());
    return kExitBadInput;
  } catch (const pw::replay::MotionError& e) {
    report(e.what());
    return kExitBadInput;
  } catch (const std::out_of_range& e) {
    report(e.what());
    return kExitBadInput;
  }
}

}  // namespace pwreplay
