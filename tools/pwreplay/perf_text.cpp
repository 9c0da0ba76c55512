// pwreplay perf's text tables, made from the report's JSON so both say the same.
#include <algorithm>

#include <fmt/format.h>

#include "perf_report.h"

namespace pwreplay {
namespace {

using nlohmann::json;

std::uint64_t u(const json& j, const char* key) { return j.at(key).get<std::uint64_t>(); }

std::string grouped(std::uint64_t n) { return with_thousands(std::to_string(n)); }

std::string percent(std::uint64_t part, std::uint64_t whole) {
  return whole ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

std::string where(const json& s) {
  if (s.at("ip").is_null()) return s.at("function").get<std::string>();
  // A compiled program's sites are placed by column too; its library code has no line.
  const std::uint64_t column = s.contains("column") && s.at("column").is_number() ? u(s, "column") : 0;
  if (u(s, "line") == 0 && column == 0) return fmt::format("{}+{}", s.at("function").get<std::string>(), u(s, "ip"));
  if (column)
    return fmt::format("{}+{} (line {}:{})", s.at("function").get<std::string>(), u(s, "ip"), u(s, "line"), column);
  return fmt::format("{}+{} (line {})", s.at("function").get<std::string>(), u(s, "ip"), u(s, "line"));
}

// Appends at most [top] rows (0: all) of [list] and says how many of [total] (the whole
// list's length, when the report holds only its start) were left out.
template <class Row>
void rows(std::string& out, const json& list, std::size_t top, Row row, std::size_t total = 0) {
  const std::size_t n = top == 0 ? list.size() : std::min(top, list.size());
  for (std::size_t i = 0; i < n; ++i) out += row(list[i]);
  total = std::max(total, list.size());
  if (n < total) out += fmt::format("  ... {} more (--top 0 shows all)\n", grouped(total - n));
}

}  // namespace

std::string perf_report_text(const json& r, std::size_t top) {
  const std::uint64_t steps = u(r, "steps");
  std::string out = fmt::format("Performance of {}, steps {}..{}: {} instructions (replayed from {})\n",
                                r.at("program").get<std::string>(), grouped(u(r, "from")), grouped(u(r, "to")),
                                grouped(steps), r.at("trace").get<std::string>());
  if (r.contains("outcome")) out += run_ending_text(r.at("outcome")) + "\n";
  if (const auto w = r.find("recorded_window"); w != r.end() && w->is_object())
    out += fmt::format("The trace keeps only the run's last {} steps or more (--record-last): this covers steps from {} "
                       "on, nothing earlier.\n",
                       grouped(u(*w, "history_limit")), grouped(u(*w, "first_step")));
  if (r.contains("trace_damage"))
    out += fmt::format("The trace is incomplete ({}): this covers the run up to where it ends.\n",
                       r.at("trace_damage").get<std::string>());
  out += fmt::format("Recorded {} on {}. Costs are executed instructions, exact and the same on every machine.\n",
                     r.at("recorded_at").get<std::string>(), r.at("recorded_on").get<std::string>());
  const json& c = r.at("counters");
  out += fmt::format("Calls {}, tail calls {}, returns {}, allocations {} ({} bytes), collections {}, throws {}, catches {}\n",
                     grouped(u(c, "calls")), grouped(u(c, "tail_calls")), grouped(u(c, "returns")),
                     grouped(u(c, "allocations")), grouped(u(c, "allocated_bytes")), grouped(u(c, "collections")),
                     grouped(u(c, "throws")), grouped(u(c, "catches")));

  out += "\nFunctions (by self instructions; total counts a recursive function once per outermost call)\n";
  out += fmt::format("  {:>14} {:>6} {:>14} {:>6} {:>11} {:>9} {:>11}  {}\n", "self", "self%", "total", "total%", "calls",
                     "allocs", "bytes", "function");
  rows(out, r.at("functions"), top, [&](const json& f) {
    return fmt::format("  {:>14} {:>6} {:>14} {:>6} {:>11} {:>9} {:>11}  {}\n", grouped(u(f, "self_steps")),
                       percent(u(f, "self_steps"), steps), grouped(u(f, "total_steps")),
                       percent(u(f, "total_steps"), steps), grouped(u(f, "calls")), grouped(u(f, "allocations")),
                       grouped(u(f, "allocated_bytes")), f.at("name").get<std::string>());
  });

  out += "\nCall graph (caller -> callee, by inclusive instructions)\n";
  out += fmt::format("  {:>14} {:>6} {:>11}  {}\n", "total", "total%", "calls", "edge");
  rows(out, r.at("call_graph"), top, [&](const json& e) {
    return fmt::format("  {:>14} {:>6} {:>11}  {} -> {}\n", grouped(u(e, "total_steps")), percent(u(e, "total_steps"), steps),
                       grouped(u(e, "calls")), e.at("caller").get<std::string>(), e.at("callee").get<std::string>());
  });

  out += "\nHot lines\n";
  rows(out, r.at("hot_lines"), top, [&](const json& l) {
    // Line 0 is code without a position: a compiled program's library (its prelude).
    const std::string place = u(l, "line") == 0 ? std::string("(library)")
                                                : fmt::format("{}:{}", l.at("file").get<std::string>(), u(l, "line"));
    return fmt::format("  {:>14} {:>6}  {} in {}\n", grouped(u(l, "steps")), percent(u(l, "steps"), steps), place,
                       l.at("function").get<std::string>());
  });

  out += "\nHot instructions\n";
  rows(out, r.at("hot_instructions"), top, [&](const json& h) {
    return fmt::format("  {:>14} {:>6}  {:<28} {}\n", grouped(u(h, "steps")), percent(u(h, "steps"), steps), where(h),
                       h.at("instruction").get<std::string>());
  });

  out += "\nAllocation sites (by bytes)\n";
  if (r.at("allocation_sites").empty()) out += "  none\n";
  else
    out += fmt::format("  {:>11} {:>13} {:>11} {:>13}  {}\n", "objects", "bytes", "live at end", "live bytes", "site");
  rows(out, r.at("allocation_sites"), top, [&](const json& s) {
    return fmt::format("  {:>11} {:>13} {:>11} {:>13}  {} {}\n", grouped(u(s, "objects")), grouped(u(s, "bytes")),
                       grouped(u(s, "live_at_end")), grouped(u(s, "live_bytes_at_end")), where(s),
                       s.at("instruction").get<std::string>());
  });

  const json& gc = r.at("gc");
  const json& t = gc.at("total");
  out += fmt::format("\nGarbage collection: {} cycles freed {} objects ({} bytes); pauses {:.3f} ms in all, longest {:.3f} ms "
                     "(measured on {})\n",
                     grouped(u(t, "cycles")), grouped(u(t, "freed_objects")), grouped(u(t, "freed_bytes")),
                     static_cast<double>(u(t, "pause_ns")) / 1e6, static_cast<double>(u(t, "max_pause_ns")) / 1e6,
                     gc.at("pauses_measured_on").get<std::string>());
  if (!gc.at("cycles").empty())
    out += fmt::format("  {:>14} {:<10} {:>22} {:>22} {:>13} {:>11}\n", "step", "trigger", "before (objects/bytes)",
                       "after (objects/bytes)", "freed bytes", "pause ms");
  rows(out, gc.at("cycles"), top, [&](const json& g) {
    return fmt::format("  {:>14} {:<10} {:>22} {:>22} {:>13} {:>11.3f}\n", grouped(u(g, "step")),
                       g.at("trigger").get<std::string>(),
                       fmt::format("{}/{}", grouped(u(g, "objects_before")), grouped(u(g, "bytes_before"))),
                       fmt::format("{}/{}", grouped(u(g, "objects_after")), grouped(u(g, "bytes_after"))),
                       grouped(u(g, "freed_bytes")), static_cast<double>(u(g, "pause_ns")) / 1e6);
  }, u(t, "cycles"));

  out += "\nHeap over time (live objects and bytes at collections and snapshots)\n";
  out += fmt::format("  {:>14} {:<9} {:>13} {:>15}\n", "step", "at", "objects", "bytes");
  // Evenly spread over the run, with the first and the last (the report may hold only those).
  const json& heap = r.at("heap");
  json shown = json::array();
  const std::size_t want = top == 0 ? heap.size() : std::min(top, heap.size());
  for (std::size_t i = 0; i < want; ++i) shown.push_back(heap[want < 2 ? i : i * (heap.size() - 1) / (want - 1)]);
  rows(out, shown, 0, [&](const json& h) {
    return fmt::format("  {:>14} {:<9} {:>13} {:>15}\n", grouped(u(h, "step")), h.at("at").get<std::string>(),
                       grouped(u(h, "live_objects")), grouped(u(h, "live_bytes")));
  });
  const std::size_t points = std::max<std::size_t>(u(r, "heap_points"), heap.size());
  if (want < points) out += fmt::format("  ({} of {} points, evenly spread; --top 0 shows all)\n", want, points);

  out += "\nLeak suspects (sites whose live objects keep growing across collections)\n";
  if (r.at("leak_suspects").empty())
    out += u(t, "cycles") < 5 ? "  none (too few collections to judge: 5 are needed)\n"
                              : fmt::format("  none (growth under {} bytes is not reported)\n", grouped(u(r, "leak_min_bytes")));
  for (const json& l : r.at("leak_suspects")) {
    out += fmt::format("  {} {}: {} -> {} live objects over {} collections (+{:.1f} per million steps, +{} bytes), {} "
                       "bytes live at the end\n",
                       where(l), l.at("instruction").get<std::string>(), grouped(u(l, "live_first")),
                       grouped(u(l, "live_last")), u(l, "cycles"), l.at("growth_objects_per_mstep").get<double>(),
                       grouped(u(l, "growth_bytes")), grouped(u(l, "live_bytes_last")));
    std::string path;
    for (const json& p : l.at("root_path")) path += (path.empty() ? "" : " -> ") + p.get<std::string>();
    if (!path.empty()) out += fmt::format("    kept alive by: {}\n", path);
  }

  out += "\nInstruction mix\n";
  rows(out, r.at("instruction_mix"), top, [&](const json& m) {
    return fmt::format("  {:>14} {:>6}  {}\n", grouped(u(m, "steps")), percent(u(m, "steps"), steps),
                       m.at("op").get<std::string>());
  });
  return out;
}

}  // namespace pwreplay
