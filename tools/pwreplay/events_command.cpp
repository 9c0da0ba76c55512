// pwreplay events: the run's events, one per line, filtered by step range and kind. A
// trace with derived events (format 1.5) is replayed for its calls, returns and allocations.
#include <cstdio>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "cursor.h"
#include "event_checker.h"
#include "event_listing.h"
#include "json_schemas.h"
#include "state_dump.h"
#include "trace_reader.h"
#include "trace_text.h"

namespace pwreplay {
namespace {

struct Options {
  std::string trace;
  std::optional<std::uint64_t> from;  // default: the trace's first step
  std::uint64_t to = UINT64_MAX;
  std::vector<std::string> kinds;
  bool json = false;
};

int run_events(const Options& o) {
  std::uint32_t wanted = 0;  // kind_bit() of each kind asked for; 0: every kind
  for (const std::string& k : o.kinds) {
    const auto kind = pw::trace::event_kind_from_name(k);
    if (!kind) {
      report(fmt::format("--kind: unknown event kind '{}' (call, return, tailcall, alloc, gc, throw, catch, host, output)", k));
      return kExitBadInput;
    }
    wanted |= pw::replay::kind_bit(*kind);
  }
  try {
    pw::trace::TraceReader reader(o.trace);
    const pw::Program& program = *reader.header().program;
    const std::uint64_t first_step = reader.first_step();
    for (const auto& [flag, step] : {std::pair{"--from", o.from.value_or(first_step)}, std::pair{"--to", o.to}})
      if (step < first_step) {
        report(fmt::format("{}: {}", flag, pw::replay::before_window_message(step, first_step)));
        return kExitBadInput;
      }
    const std::uint64_t from = o.from.value_or(first_step);
    std::string line;
    if (o.json) {
      // JSON Lines: a header object first (it alone has "schema"), then one object per event.
      nlohmann::json kinds = nlohmann::json::array();
      for (int k = 0; k < pw::trace::kEventKindCount; ++k)
        if (wanted & pw::replay::kind_bit(static_cast<pw::trace::EventKind>(k)))
          kinds.push_back(std::string(pw::trace::event_kind_name(static_cast<pw::trace::EventKind>(k))));
      const nlohmann::json header{{"schema", kEventsSchema},
                                  {"trace", pw::json_safe_bytes(o.trace)},
                                  {"program", pw::json_safe_bytes(program.source_name)},
                                  {"from", from},
                                  {"to", o.to == UINT64_MAX ? nlohmann::json(nullptr) : nlohmann::json(o.to)},
                                  {"kinds", std::move(kinds)}};
      line = header.dump() + '\n';
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
    std::vector<std::string> damaged;  // chunks that could not be read: reported at the end
    // A trace with derived events is replayed for them: the JSON's depths need that too.
    pw::replay::for_each_event(reader, o.trace, from, o.to, wanted, o.json,
                               [&](const pw::trace::Event& e) {
                                 line = o.json ? event_json(program, e).dump() : event_text(program, e);
                                 line += '\n';
                                 std::fwrite(line.data(), 1, line.size(), stdout);
                               },
                               damaged);
    std::fflush(stdout);
    if (!reader.damage().empty()) damaged.push_back(fmt::format("{}; later events are missing", reader.damage()));
    if (!damaged.empty()) {
      // One line for the first problem; the count says whether there were more.
      report(damaged.size() == 1 ? damaged[0] : fmt::format("{} (and {} more damaged parts)", damaged[0], damaged.size() - 1));
      return kExitBadInput;
    }
    return kExitOk;
  } catch (const pw::trace::TraceReadError& e) {
    std::fflush(stdout);
    report(e.what());
    return kExitBadInput;
  } catch (const pw::replay::Divergence& e) {
    std::fflush(stdout);
    report(e.what());
    return kExitBadInput;
  }
}

}  // namespace

void add_events_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("events", "List the recorded events, one per line");
  cmd->add_option("trace", o->trace, "Trace file (.pwtrace)")->required();
  cmd->add_option("--from", o->from, "First step to show (default: the trace's first)");
  cmd->add_option("--to", o->to, "Last step to show");
  cmd->add_option("--kind", o->kinds, "Only these kinds: call return tailcall alloc gc throw catch host output")
      ->take_all();
  cmd->add_flag("--json", o->json, "JSON Lines: a header object with the schema, then one object per event");
  cmd->callback([o, &exit_code] { exit_code = run_events(*o); });
}

}  // namespace pwreplay
