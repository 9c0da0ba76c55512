// pwreplay perf's outputs: the report as JSON (which the text tables and the HTML page are
// made from), folded stacks, and a Trace Event Format timeline.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "perf_baseline.h"
#include "perf_profile.h"
#include "timeline.h"

namespace pwreplay {

// [series_rows] > 0 keeps only the first that many GC cycles and that many heap points,
// evenly spread (the totals stay whole): what a text report of that many rows needs, in
// far less memory when a run collected a million times.
// "-1234567" -> "-1,234,567": figures people compare at a glance (text and HTML).
std::string with_thousands(std::string_view digits);

nlohmann::json perf_report_json(const pw::replay::Timeline& timeline, const pw::replay::PerfProfile& profile,
                                std::size_t series_rows = 0);
// How the run ended, in one sentence, from the report's "outcome".
std::string run_ending_text(const nlohmann::json& outcome);
// The report as text tables, [top] rows each (0: all).
std::string perf_report_text(const nlohmann::json& report, std::size_t top);
// `--baseline`: the comparison of the run with [baseline]'s and the gates' results, for the
// report's "baseline" field (perf_baseline.cpp).
nlohmann::json perf_baseline_json(const pw::replay::Timeline& baseline, const pw::replay::PerfComparison& comparison,
                                  const std::vector<pw::replay::GateResult>& gates);
// The comparison as text: totals, then functions by impact ([top] rows, 0: all), then gates.
std::string perf_baseline_text(const nlohmann::json& report, std::size_t top);
// One line per failed gate, naming what grew and by how much (empty when all passed).
std::vector<std::string> perf_gate_failures(const nlohmann::json& report);
// The run totals a baseline comparison shows, in order: (key in "totals", label).
inline constexpr std::pair<const char*, const char*> kBaselineTotals[] = {{"steps", "instructions"},
                                                                          {"calls", "calls"},
                                                                          {"tail_calls", "tail calls"},
                                                                          {"allocations", "allocations"},
                                                                          {"allocated_bytes", "allocated bytes"},
                                                                          {"collections", "collections"},
                                                                          {"throws", "throws"},
                                                                          {"catches", "catches"}};
// A change in percent with its sign, "+3.2%", with more places when it is small.
std::string signed_percent(double percent);
// One "a;b;c COUNT" line per call path, weighted by its self instructions.
std::string perf_folded(const pw::Program& program, const pw::replay::WindowProfile& window);
// Function spans, collections and the heap on a clock of 1 µs per instruction. Calls shorter
// than [min_span_steps] come merged by call path (PerfCollector), so that each function's
// self and total time in a viewer are the report's.
nlohmann::json perf_chrome_trace(const pw::replay::Timeline& timeline, const pw::replay::PerfProfile& profile,
                                 std::uint64_t min_span_steps);

}  // namespace pwreplay
