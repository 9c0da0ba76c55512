// pwreplay info: what a trace holds, for people (text) or programs (--json).
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "json_schemas.h"
#include "printable.h"
#include "state_dump.h"
#include "trace_key.h"
#include "trace_reader.h"
#include "trace_text.h"

namespace pwreplay {
namespace {

struct Options {
  std::string trace;
  bool json = false;
};

int run_info(const Options& o) {
  try {
    pw::trace::TraceReader reader(o.trace);
    const auto& h = reader.header();
    std::array<std::uint64_t, pw::trace::kEventKindCount> by_kind{};
    std::uint64_t events = 0;
    std::string damage = reader.damage();
    pw::replay::ContentKeyBuilder key(h);
    for (std::size_t i = 0; i < reader.chunks().size(); ++i) {
      try {
        const pw::trace::ChunkData chunk = reader.read_chunk(i);
        key.add_chunk(chunk);
        for (const auto& e : chunk.events) {
          ++by_kind[static_cast<std::size_t>(e.kind)];
          ++events;
        }
        // A trace with derived events counts those per chunk: no replay needed here.
        const auto count = [&](pw::trace::EventKind kind, std::uint64_t n) {
          by_kind[static_cast<std::size_t>(kind)] += n;
          events += n;
        };
        count(pw::trace::EventKind::Call, chunk.derived.calls);
        count(pw::trace::EventKind::TailCall, chunk.derived.tail_calls);
        count(pw::trace::EventKind::Return, chunk.derived.returns);
        count(pw::trace::EventKind::Alloc, chunk.derived.allocs);
      } catch (const pw::trace::TraceReadError& e) {
        if (damage.empty()) damage = e.what();
        break;
      }
    }
    const std::uint64_t steps = reader.steps();
    const std::uint64_t first_step = reader.first_step();
    const std::uint64_t file = reader.file_bytes();
    const std::uint64_t raw = reader.uncompressed_bytes();
    const double ratio = file ? double(raw) / double(file) : 0.0;
    // Per step the trace holds: a windowed one holds the end of the run only.
    const std::uint64_t held = steps > first_step ? steps - first_step : 0;
    const double per_step = held ? double(file) / double(held) : 0.0;
    const std::string content_key = key.finish(reader).hex();
    const std::string program_key = pw::replay::program_key(*h.program).hex();

    if (o.json) {
      nlohmann::json j;
      j["schema"] = kInfoSchema;
      // Everything but numbers may hold any byte: JSON gets it as JSON-safe text.
      const auto text = [](const std::string& s) { return pw::json_safe_bytes(s); };
      j["trace"] = text(o.trace);
      j["format"] = {{"major", h.format_major}, {"minor", h.format_minor}};
      j["recorder"] = text(h.recorder);
      j["program"] = {{"name", text(h.program->source_name)}, {"hash", fmt::format("{:016x}", h.program_hash)}};
      // (1.2) The same run recorded twice has the same content key (trace_key.h).
      j["content_key"] = content_key;
      j["program_key"] = program_key;
      j["start_time_unix_ns"] = h.start_time_unix_ns;
      j["host"] = {{"name", text(h.host_name)}, {"system", text(h.host_system)}};
      j["capabilities"] = pw::capabilities_to_string(h.config.capabilities);
      nlohmann::json args = nlohmann::json::array();
      for (const auto& a : h.args) args.push_back(text(a));
      j["args"] = args;
      j["steps"] = steps;
      j["history_limit"] = h.history_limit;
      j["first_step"] = first_step;
      j["outcome"] = reader.outcome() ? outcome_json(*reader.outcome()) : nlohmann::json(nullptr);
      j["snapshots"] = reader.snapshots().size();
      nlohmann::json changed = nlohmann::json::array();
      for (const auto& s : reader.snapshots())
        if (s.edited) changed.push_back(s.step);
      j["changed_by_debugger_at"] = changed;
      j["snapshot_interval"] = h.snapshot_interval;
      j["chunks"] = reader.chunks().size();
      nlohmann::json kinds = nlohmann::json::object();
      for (int k = 0; k < pw::trace::kEventKindCount; ++k)
        kinds[std::string(pw::trace::event_kind_name(static_cast<pw::trace::EventKind>(k)))] = by_kind[k];
      // derived: calls, tail calls, returns and allocations are counted, not recorded (1.5)
      j["events"] = {{"total", events}, {"by_kind", kinds}, {"derived", h.derived_events}};
      j["file_bytes"] = file;
      j["uncompressed_bytes"] = raw;
      j["compression_ratio"] = ratio;
      j["bytes_per_step"] = per_step;
      j["complete"] = reader.complete();
      j["damage"] = damage.empty() ? nlohmann::json(nullptr) : nlohmann::json(text(damage));
      std::printf("%s\n", j.dump(2).c_str());
      return kExitOk;
    }

    std::string kinds;
    for (int k = 0; k < pw::trace::kEventKindCount; ++k) {
      if (!by_kind[k]) continue;
      if (!kinds.empty()) kinds += ", ";
      kinds += fmt::format("{} {}", pw::trace::event_kind_name(static_cast<pw::trace::EventKind>(k)), by_kind[k]);
    }
    std::string out;
    // The names below come from the trace file: each is escaped for the terminal.
    using pw::printable;
    out += fmt::format("trace:         {}{}\n", printable(o.trace), reader.complete() ? "" : " (incomplete: no index)");
    if (!damage.empty()) out += fmt::format("damage:        {}\n", printable(damage));
    out += fmt::format("format:        {}.{} (written by {})\n", h.format_major, h.format_minor, printable(h.recorder));
    out += fmt::format("program:       {} (hash {:016x})\n", printable(h.program->source_name), h.program_hash);
    out += fmt::format("content key:   {} (program key {})\n", content_key, program_key);
    out += fmt::format("recorded:      {} on {} ({})\n", utc_time(h.start_time_unix_ns), printable(h.host_name),
                       printable(h.host_system));
    std::string caps = pw::capabilities_to_string(h.config.capabilities);
    out += fmt::format("capabilities:  {}\n", caps.empty() ? "none" : caps);
    if (!h.args.empty()) {
      std::string args;
      for (const auto& a : h.args) args += (args.empty() ? "" : " ") + printable(a);
      out += fmt::format("arguments:     {}\n", args);
    }
    out += fmt::format("steps:         {}\n", steps);
    if (h.history_limit)
      out += first_step ? fmt::format("window:        the run's last {} steps or more (--record-last {}): the trace "
                                      "starts at step {} and holds nothing earlier\n",
                                      h.history_limit, h.history_limit, first_step)
                        : fmt::format("window:        the run's last {} steps or more (--record-last {}): the run was "
                                      "no longer, the trace holds all of it\n",
                                      h.history_limit, h.history_limit);
    out += fmt::format("outcome:       {}\n", reader.outcome() ? outcome_text(*reader.outcome()) : "unknown (the trace ends early)");
    std::string changed;
    for (const auto& s : reader.snapshots())
      if (s.edited) changed += fmt::format("{}{}", changed.empty() ? "" : ", ", s.step);
    out += fmt::format("snapshots:     {} (every {} steps)\n", reader.snapshots().size(), h.snapshot_interval);
    if (!changed.empty()) out += fmt::format("changed:       by the debugger of a live session, at step {}\n", changed);
    out += fmt::format("chunks:        {}\n", reader.chunks().size());
    out += fmt::format("events:        {}{}\n", events, kinds.empty() ? "" : " (" + kinds + ")");
    if (h.derived_events) out += "               (calls, returns and allocations: counted here, made again by replaying)\n";
    out += fmt::format("file size:     {} bytes\n", file);
    out += fmt::format("uncompressed:  {} bytes (compression ratio {:.1f})\n", raw, ratio);
    out += fmt::format("bytes/step:    {:.4f}\n", per_step);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  } catch (const pw::trace::TraceReadError& e) {
    report(e.what());
    return kExitBadInput;
  }
}

}  // namespace

void add_info_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("info", "Summarise a trace: program, steps, outcome, events, size");
  cmd->add_option("trace", o->trace, "Trace file (.pwtrace)")->required();
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback([o, &exit_code] { exit_code = run_info(*o); });
}

}  // namespace pwreplay
