// Helpers of the replay suites: record a subject into a scratch trace with snapshots close
// together, and an oracle that runs the same program live and notes where every position is.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "expression.h"
#include "interpreter.h"
#include "interpreter_impl.h"
#include "performance_monitor.h"
#include "recorder.h"
#include "state_dump.h"
#include "test_util.h"
#include "trace_test_util.h"

namespace pwtest {

// The position a live state is at (a failed instruction counts as executed).
inline std::uint64_t live_position(const pw::VmState& vm) { return pw::executed_steps(vm); }

// A live machine for [s], fed as the recordings are.
struct LiveRun {
  explicit LiveRun(const Subject& s) : machine(s.program, s.config) { feed(machine.host); }
  // Runs on to [position] (not backwards). Like `pwvm run --stop-at`, it always runs, if
  // only for zero steps, so a state at step 0 reads as paused.
  void run_to(std::uint64_t position) {
    const std::uint64_t at = live_position(machine.vm);
    if (position >= at) pw::run(machine.vm, position - at);
  }
  std::string dump() const { return pw::dump_state(machine.vm); }
  Machine machine;
};

// Records [s] to [path] with a snapshot about every [interval] steps and chunks of
// [chunk_steps], stopping at [cap] (by default the slow modes' step_cap); returns the
// recorder's result.
inline pw::trace::RecordResult record_subject(const Subject& s, const std::string& path, std::uint64_t interval,
                                              std::uint64_t chunk_steps, std::optional<std::uint64_t> cap = step_cap(),
                                              bool derive_events = true) {
  LiveRun live(s);
  pw::trace::RecordOptions o;
  o.path = path;
  o.derive_events = derive_events;
  o.snapshot_interval = interval;
  o.steps_per_live_object = 0;
  o.chunk_steps = chunk_steps;
  o.stop_at = cap;
  o.args = kArgs;
  o.recorder_name = "replay_test";
  return pw::trace::record_run(live.machine.vm, o);
}

// Records [s] to [path] in small pieces (about five snapshots and thirteen chunks), so that
// replays cross many boundaries; returns the run's steps.
inline std::uint64_t record_in_pieces(const Subject& s, const std::string& path);

// [s] run live to its end (capped as the recordings are) under a performance monitor.
struct MonitoredRun {
  explicit MonitoredRun(const Subject& s) : live(s), monitor(live.machine.vm, 1'000'000) {
    const auto cap = step_cap();
    monitor.run(cap ? *cap : pw::kRunForever);
  }
  LiveRun live;
  pw::PerformanceMonitor monitor;
};

// Steps of [s]'s whole run (capped as the recordings are).
inline std::uint64_t steps_of(const Subject& s) {
  LiveRun live(s);
  const auto cap = step_cap();
  pw::run(live.machine.vm, cap ? *cap : pw::kRunForever);
  return live_position(live.machine.vm);
}

inline std::uint64_t record_in_pieces(const Subject& s, const std::string& path) {
  const std::uint64_t steps = steps_of(s);
  record_subject(s, path, std::max<std::uint64_t>(3, steps / 5), std::max<std::uint64_t>(2, steps / 13));
  return steps;
}

// What is true at each position of a live run: call depth, function and instruction, and
// the values of some expressions (as text, with object ids).
struct Oracle {
  struct At {
    std::uint32_t depth = 0;
    std::uint32_t fn = 0;
    std::uint32_t ip = 0;
    std::uint32_t line = 0;
    bool paused = true;
    std::vector<std::string> values;     // per expression: its value (identity) at this position
    std::vector<bool> truths;            // per expression: whether it is available and truthy
  };
  std::vector<At> at;  // index: position
};

namespace detail {
struct OracleObserver : pw::ObserverBase {
  OracleObserver(Oracle& o, const std::vector<pw::replay::Expression>& e) : oracle(o), exprs(e) {}
  Oracle& oracle;
  const std::vector<pw::replay::Expression>& exprs;
  bool on_step(pw::VmState& vm) {
    note(vm);
    return false;
  }
  void note(const pw::VmState& vm) {
    Oracle::At a;
    a.depth = vm.depth;
    a.fn = vm.top().fn;
    a.ip = vm.ip_index(vm.top());
    const auto& fn = vm.function_of(vm.top());
    a.line = a.ip < fn.lines.size() ? fn.lines[a.ip] : 0;
    a.paused = vm.status == pw::RunStatus::Paused || vm.status == pw::RunStatus::Ready;
    for (const auto& e : exprs) {
      const auto r = e.evaluate(vm);
      a.values.push_back(r.available ? std::to_string(static_cast<int>(r.value.type)) + ":" +
                                           std::to_string(r.value.is_ref() ? r.id : static_cast<std::uint64_t>(r.value.i))
                                     : std::string("unavailable"));
      a.truths.push_back(r.available && r.value.truthy());
    }
    oracle.at.push_back(std::move(a));
  }
};
}  // namespace detail

inline Oracle make_oracle(const Subject& s, const std::vector<std::string>& expressions) {
  std::vector<pw::replay::Expression> exprs;
  for (const auto& text : expressions) exprs.push_back(pw::replay::Expression::compile(text, *s.program));
  Oracle o;
  LiveRun live(s);
  detail::OracleObserver obs(o, exprs);
  const auto cap = step_cap();
  pw::run_with(live.machine.vm, obs, cap ? *cap : pw::kRunForever);
  obs.note(live.machine.vm);  // the final state
  return o;
}

}  // namespace pwtest
