// pwreplay perf --baseline: the comparison with a baseline run as the report's "baseline"
// object, and the text and the stderr lines made from it, so that all of them say the same.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "perf_report.h"
#include "printable.h"
#include "trace_text.h"

namespace pwreplay {
namespace {

using nlohmann::json;
using pw::replay::FigureChange;
using pw::replay::FunctionChange;
using pw::replay::GateResult;

json change_json(const FigureChange& c) {
  const auto p = c.percent();
  return {{"before", c.before}, {"after", c.after}, {"change", c.delta()}, {"percent", p ? json(*p) : json(nullptr)}};
}

const char* in_name(FunctionChange::In in) {
  switch (in) {
    case FunctionChange::In::Both:
      return "both";
    case FunctionChange::In::New:
      return "new";
    case FunctionChange::In::Baseline:
      break;
  }
  return "baseline";
}

const char* gate_name(GateResult::Gate g) {
  return g == GateResult::Gate::Total ? "max_regression" : "max_function_regression";
}

// [name]: the function's, nullptr for the run.
json measured_json(const std::string* name, const FigureChange& c) {
  json j = change_json(c);
  j["name"] = name ? json(pw::printable(*name)) : json(nullptr);
  return j;
}

std::uint64_t u(const json& j, const char* key) { return j.at(key).get<std::uint64_t>(); }
std::int64_t i(const json& j, const char* key) { return j.at(key).get<std::int64_t>(); }
std::string s(const json& j, const char* key) { return j.at(key).get<std::string>(); }
std::string grouped(std::uint64_t n) { return with_thousands(std::to_string(n)); }
std::string signed_grouped(std::int64_t n) {
  return fmt::format("{}{}", n > 0 ? "+" : "", with_thousands(std::to_string(n)));
}

// The change's "percent" as the text says it: "+3.2%", "-0.04%", "0.0%", or [none] when the
// baseline had none of it.
std::string percent_of(const json& change, const char* none) {
  const json& p = change.at("percent");
  if (!p.is_number()) return i(change, "change") == 0 ? "0.0%" : none;
  return signed_percent(p.get<double>());
}

// "work: " for a function, "" for the run.
std::string named(const json& measured) {
  const json& name = measured.at("name");
  return name.is_string() ? fmt::format("function {}: ", name.get<std::string>()) : "";
}

}  // namespace

std::string signed_percent(double p) {
  if (p == 0) return "0.0%";
  // Enough digits to tell a small change from none: a gate of 0 fails on +0.004%.
  const int places = std::abs(p) >= 0.05 ? 1 : std::abs(p) >= 0.0005 ? 3 : 6;
  return fmt::format("{:+.{}f}%", p, places);
}

nlohmann::json perf_baseline_json(const pw::replay::Timeline& baseline, const pw::replay::PerfComparison& c,
                                  const std::vector<pw::replay::GateResult>& gates) {
  json j;
  j["trace"] = pw::printable(baseline.trace().path());
  j["program"] = pw::printable(baseline.program().source_name);
  j["recorded_at"] = utc_time(baseline.trace().header().start_time_unix_ns);
  j["relation"] = c.relation == pw::replay::ProgramMatch::Relation::Same ? "same" : "versions";
  j["functions_matched"] = c.functions_matched;
  j["totals"] = {{"steps", change_json(c.steps)},
                 {"calls", change_json(c.calls)},
                 {"tail_calls", change_json(c.tail_calls)},
                 {"allocations", change_json(c.allocations)},
                 {"allocated_bytes", change_json(c.allocated_bytes)},
                 {"collections", change_json(c.collections)},
                 {"throws", change_json(c.throws)},
                 {"catches", change_json(c.catches)}};
  json functions = json::array();
  for (const FunctionChange& f : c.functions)
    functions.push_back({{"name", pw::printable(f.name)},
                         {"in", in_name(f.in)},
                         {"gated", f.gated()},
                         {"self_steps", change_json(f.self_steps)},
                         {"total_steps", change_json(f.total_steps)},
                         {"calls", change_json(f.calls)},
                         {"allocations", change_json(f.allocations)},
                         {"allocated_bytes", change_json(f.allocated_bytes)}});
  j["functions"] = std::move(functions);
  json results = json::array();
  bool passed = true;
  for (const GateResult& g : gates) {
    json r = {{"gate", gate_name(g.gate)}, {"limit", g.limit}, {"passed", g.passed}};
    json over = json::array();
    if (g.gate == GateResult::Gate::Total) {
      r["largest"] = measured_json(nullptr, g.change);
      if (!g.passed) over.push_back(r["largest"]);
    } else {
      r["largest"] = g.functions.empty() ? json(nullptr) : measured_json(&g.functions.front()->name, g.change);
      if (!g.passed)
        for (const FunctionChange* f : g.functions) over.push_back(measured_json(&f->name, f->total_steps));
    }
    r["over_limit"] = std::move(over);
    passed = passed && g.passed;
    results.push_back(std::move(r));
  }
  j["gates"] = std::move(results);
  j["passed"] = passed;
  return j;
}

std::string perf_baseline_text(const nlohmann::json& report, std::size_t top) {
  const json& b = report.at("baseline");
  std::string out =
      fmt::format("Performance of {} ({}) against the baseline {} ({}, recorded {})\n", s(report, "program"),
                  s(report, "trace"), s(b, "program"), s(b, "trace"), s(b, "recorded_at"));
  out += s(b, "relation") == "same" ? "The same program in both runs.\n"
                                    : fmt::format("Two versions of the program: {} function{} matched by name.\n",
                                                  u(b, "functions_matched"), u(b, "functions_matched") == 1 ? "" : "s");
  if (report.contains("outcome")) out += "This run: " + run_ending_text(report.at("outcome")) + "\n";
  out += "Costs are executed instructions, exact and the same on every machine.\n";

  out += fmt::format("\n  {:<16} {:>16} {:>16} {:>14} {:>9}\n", "", "baseline", "this run", "change", "%");
  for (const auto& [key, label] : kBaselineTotals) {
    const json& c = b.at("totals").at(key);
    out += fmt::format("  {:<16} {:>16} {:>16} {:>14} {:>9}\n", label, grouped(u(c, "before")), grouped(u(c, "after")),
                       signed_grouped(i(c, "change")), percent_of(c, "new"));
  }

  std::string added, gone;
  for (const json& f : b.at("functions")) {
    const std::string in = s(f, "in");
    if (in == "new")
      added += fmt::format("{}{} ({} instructions)", added.empty() ? "" : ", ", s(f, "name"),
                           grouped(u(f.at("total_steps"), "after")));
    else if (in == "baseline")
      gone += fmt::format("{}{}", gone.empty() ? "" : ", ", s(f, "name"));
  }
  if (!added.empty()) out += fmt::format("\nNew in this version, counted in the run's total only: {}\n", added);
  if (!gone.empty()) out += fmt::format("{}Not in this version: {}\n", added.empty() ? "\n" : "", gone);

  out += "\nFunctions, by the change in total (inclusive) instructions, then in self instructions\n";
  out += fmt::format("  {:>14} {:>12} {:>8} {:>14} {:>12} {:>11} {:>9} {:>9} {:>11}  {}\n", "total", "+/-", "%", "self",
                     "+/-", "calls", "+/-", "allocs+/-", "bytes+/-", "function");
  const json& functions = b.at("functions");
  const std::size_t n = top == 0 ? functions.size() : std::min(top, functions.size());
  for (std::size_t k = 0; k < n; ++k) {
    const json& f = functions[k];
    const std::string in = s(f, "in");
    const json& total = f.at("total_steps");
    std::string note;
    if (in == "new")
      note = " (new)";
    else if (in == "baseline")
      note = " (not in this version)";
    else if (u(total, "before") == 0)
      note = " (did not run in the baseline)";
    out += fmt::format("  {:>14} {:>12} {:>8} {:>14} {:>12} {:>11} {:>9} {:>9} {:>11}  {}{}\n",
                       grouped(u(total, "after")), signed_grouped(i(total, "change")), percent_of(total, "new"),
                       grouped(u(f.at("self_steps"), "after")), signed_grouped(i(f.at("self_steps"), "change")),
                       grouped(u(f.at("calls"), "after")), signed_grouped(i(f.at("calls"), "change")),
                       signed_grouped(i(f.at("allocations"), "change")),
                       signed_grouped(i(f.at("allocated_bytes"), "change")), s(f, "name"), note);
  }
  if (n < functions.size()) out += fmt::format("  ... {} more (--top 0 shows all)\n", grouped(functions.size() - n));
  if (functions.empty()) out += "  none ran\n";

  if (!b.at("gates").empty()) out += "\nGates\n";
  for (const json& g : b.at("gates")) {
    const std::string flag = s(g, "gate") == "max_regression" ? "--max-regression" : "--max-function-regression";
    const json& largest = g.at("largest");
    const std::string verdict = g.at("passed").get<bool>() ? "passed" : "FAILED";
    if (largest.is_null()) {
      out += fmt::format("  {} {}: {} (no function ran in both runs)\n", flag, g.at("limit").get<double>(), verdict);
      continue;
    }
    const std::size_t over = g.at("over_limit").size();
    out +=
        fmt::format("  {} {}: {}{}{}total instructions {} ({} -> {}){}\n", flag, g.at("limit").get<double>(), verdict,
                    g.at("passed").get<bool>() && !named(largest).empty() ? ", largest growth " : ": ", named(largest),
                    percent_of(largest, "new"), grouped(u(largest, "before")), grouped(u(largest, "after")),
                    over > 1 ? fmt::format(" and {} more function{}", over - 1, over > 2 ? "s" : "") : "");
  }
  return out;
}

std::vector<std::string> perf_gate_failures(const nlohmann::json& report) {
  std::vector<std::string> lines;
  const auto b = report.find("baseline");
  if (b == report.end()) return lines;
  for (const json& g : b->at("gates")) {
    if (g.at("passed").get<bool>()) continue;
    const std::string flag = s(g, "gate") == "max_regression" ? "--max-regression" : "--max-function-regression";
    const json& over = g.at("over_limit");
    const json& first = over.at(0);
    const std::string more =
        over.size() > 1 ? fmt::format(" (and {} more function{})", over.size() - 1, over.size() > 2 ? "s" : "") : "";
    lines.push_back(fmt::format("perf regression: {}total instructions {} ({} -> {}), over {} {}{}", named(first),
                                percent_of(first, "new"), grouped(u(first, "before")), grouped(u(first, "after")), flag,
                                g.at("limit").get<double>(), more));
  }
  return lines;
}

}  // namespace pwreplay
