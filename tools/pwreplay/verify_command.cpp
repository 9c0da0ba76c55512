// pwreplay verify: re-execute the whole recorded run and check every event and snapshot.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "json_schemas.h"
#include "quiet_flag.h"
#include "replay_progress.h"
#include "replay_support.h"
#include "state_dump.h"
#include "trace_text.h"

namespace pwreplay {
namespace {

struct Options {
  std::string trace;
  bool json = false;
};

int run_verify(const Options& o) {
  return with_timeline(o.trace, [&](pw::replay::Timeline& t) {
    const auto& reader = t.trace();
    std::uint64_t events = 0;
    for (const auto& c : reader.chunks()) events += c.event_count;
    try {
      // Every snapshot must be readable, a state the program can be in, and match its
      // recorded hash, passed or not.
      for (std::size_t i = 0; i < reader.snapshots().size(); ++i) {
        const auto s = reader.read_snapshot(i);
        try {
          pw::check_state_image(t.state(), s.image);
        } catch (const pw::StateImageError& e) {
          throw pw::trace::TraceReadError(
              fmt::format("{}: snapshot at step {} is invalid: {}", o.trace, s.info.step, e.what()));
        }
        if (pw::image_hash(s.image) != s.info.hash)
          throw pw::replay::Divergence(s.info.step,
                                       fmt::format("snapshot {} is damaged: its contents do not match its recorded hash", i));
      }
      const pw::term::ProgressLine progress("verifying", pw::term::forward_progress(t.start(), t.end()));
      t.run_forward(t.end(), nullptr);  // from the first snapshot, through every other
      // Calls, returns and allocations a trace derives: the replay made as many as it counts.
      if (reader.header().derived_events)
        for (std::size_t i = 0; i < reader.chunks().size(); ++i) {
          if (reader.chunks()[i].to_step <= t.start()) continue;
          const pw::trace::DerivedCounts d = reader.read_chunk(i, pw::trace::ChunkParts::EncodedEvents).derived;
          events += d.calls + d.tail_calls + d.returns + d.allocs;
        }
    } catch (const pw::replay::Divergence& d) {
      if (o.json) {
        nlohmann::json j{{"schema", kVerifySchema},
                         {"ok", false},
                         {"divergence", {{"step", d.step}, {"message", d.what()}}},
                         {"steps_verified", t.stats().steps_replayed}};
        std::puts(j.dump().c_str());
      }
      throw;
    } catch (const pw::trace::TraceReadError& e) {
      // A damaged frame the index pointed to: reading it is where the damage shows.
      if (o.json) {
        nlohmann::json j{{"schema", kVerifySchema}, {"ok", false}, {"damage", pw::json_safe_bytes(e.what())}, {"torn_tail", false},
                         {"steps_verified", t.stats().steps_replayed}};
        std::puts(j.dump().c_str());
      }
      throw;
    }
    const std::uint64_t snapshots = t.stats().snapshots_checked + 1;  // the one it started from
    const bool complete = reader.complete() && reader.outcome();
    // A recorder that was stopped (killed) leaves a trace cut between two frames or inside
    // the last one (a torn tail): either way what is there is whole and verified, and the
    // trace is only incomplete. Damage anywhere else is an error.
    const bool damaged = !reader.damage().empty() && !reader.torn_tail();
    std::string note;
    if (!complete && !damaged) {
      note = reader.outcome() ? "the trace is incomplete: it has the run's outcome but not its index (its recorder was "
                                "stopped while finishing)"
                              : fmt::format("the trace is incomplete: it ends at step {} without the run's outcome (its "
                                            "recorder was stopped)",
                                            t.end());
      if (reader.torn_tail()) note += "; its last frame, cut short, is left out";
    }
    if (o.json) {
      nlohmann::json j{{"schema", kVerifySchema},
                       {"ok", !damaged},
                       {"steps", t.end()},
                       {"from", t.start()},
                       {"snapshots", snapshots},
                       {"events", events},
                       {"complete", complete},
                       {"torn_tail", reader.torn_tail()}};
      if (!note.empty()) j["note"] = note;
      if (damaged) j["damage"] = pw::json_safe_bytes(reader.damage());
      std::puts(j.dump().c_str());
    } else {
      // A windowed trace holds the end of the run only: that is what was checked.
      const std::string steps = t.windowed() ? fmt::format("steps {}..{} (the recorded window: the run's last {} of {})",
                                                           t.start(), t.end(), t.end() - t.start(), t.end())
                                             : fmt::format("{} steps", t.end());
      print_text(fmt::format("verified {}: {}, {} snapshots and {} events match the recording\n", o.trace, steps,
                             snapshots, events));
      if (!note.empty()) std::printf("note: %s\n", note.c_str());
    }
    if (damaged) {
      std::fflush(stdout);
      report(fmt::format("{}; the rest of the run could not be verified", reader.damage()));
      return kExitBadInput;
    }
    return kExitOk;
  });
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("verify", "Re-execute the whole run and check it against every recorded event and snapshot");
  cmd->add_option("trace", o->trace, "Trace file (.pwtrace)")->required();
  cmd->add_flag("--json", o->json, "A JSON object instead of text");
  pwtools::add_quiet_flag(cmd);
  cmd->callback([o, &exit_code] { exit_code = run_verify(*o); });
}

}  // namespace pwreplay
