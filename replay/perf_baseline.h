// Two runs' performance side by side, for `pwreplay perf --baseline` and the gates a CI job
// puts on it: the run totals and each function's figures in a baseline run and in a new
// one, functions matched by name across two versions of a program (program_match.h), and
// the regressions past a threshold. Everything compared is an exact count (instructions,
// calls, allocations), never a time, so a gate passes or fails the same on every machine.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "perf_collector.h"
#include "program.h"
#include "program_match.h"

namespace pw::replay {

// One figure in the baseline run and in the new one.
struct FigureChange {
  std::uint64_t before = 0;
  std::uint64_t after = 0;
  std::int64_t delta() const { return static_cast<std::int64_t>(after) - static_cast<std::int64_t>(before); }
  // The change in percent of [before]; nullopt when before is 0.
  std::optional<double> percent() const;
  // Whether it grew by more than [limit] percent (any growth from 0 does).
  bool grew_past(double limit) const;
};

struct FunctionChange {
  enum class In { Both, New, Baseline };  // in both programs, only the new one, only the baseline's
  In in = In::Both;
  std::string name;               // the new program's label for it (the baseline's when gone)
  int fn = -1, baseline_fn = -1;  // its index in each program, -1 where it is not
  FigureChange self_steps, total_steps, calls, allocations, allocated_bytes;
  // What the function gate checks: in both programs, and run in the baseline.
  bool gated() const { return in == In::Both && total_steps.before > 0; }
};

struct PerfComparison {
  ProgramMatch::Relation relation = ProgramMatch::Relation::Same;
  std::size_t functions_matched = 0;
  FigureChange steps, calls, tail_calls, allocations, allocated_bytes, collections, throws, catches;
  // Every function that ran in either run, by impact: the largest change in total
  // (inclusive) instructions first, then in self instructions, then the larger total in the
  // new run, then by name.
  std::vector<FunctionChange> functions;
};

// [before] is a profile of [baseline], [after] one of [program]; [match] is
// match_programs(baseline, program), which must not be Unrelated. Both profiles must be
// summarized.
PerfComparison compare_profiles(const pw::Program& baseline, const WindowProfile& before, const pw::Program& program,
                                const WindowProfile& after, const ProgramMatch& match);

struct PerfGates {
  std::optional<double> max_regression;           // percent growth of the run's instructions
  std::optional<double> max_function_regression;  // of any gated function's total instructions
};

struct GateResult {
  enum class Gate { Total, Function };
  Gate gate = Gate::Total;
  double limit = 0;
  // What the gate measured, largest growth first: the run's instructions for Total; for
  // Function, every gated function that grew past the limit, or when none did, the one that
  // grew most (empty when no function could be gated).
  std::vector<const FunctionChange*> functions;
  FigureChange change;  // Total: the run's instructions; Function: the first of [functions]'
  bool passed = true;
};

// The gates that are set, in the order above. Points into [comparison].
std::vector<GateResult> check_gates(const PerfComparison& comparison, const PerfGates& gates);

}  // namespace pw::replay
