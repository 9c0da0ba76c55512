#include "perf_report.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "disassembler.h"
#include "json_schemas.h"
#include "printable.h"
#include "trace_text.h"

namespace pwreplay {
namespace {

// Every name, path and host string in the report is the trace's, which may carry any bytes:
// shown escaped (printable.h), so the JSON is valid UTF-8 and the text, HTML and folded
// outputs hold no control bytes.
std::string shown(std::string_view text) { return pw::printable(text); }
std::string fn_shown(const pw::Program& p, std::uint32_t fn) { return shown(p.function_label(fn)); }


using pw::replay::kConstantSite;
using pw::replay::kHostSite;
using pw::replay::kRootNode;

const char* trigger_name(std::uint8_t t) {
  switch (t) {
    case 0: return "threshold";
    case 1: return "stress";
    case 2: return "heap limit";
    default: return "explicit";
  }
}

const char* heap_point_name(pw::replay::HeapPoint::At at) {
  switch (at) {
    case pw::replay::HeapPoint::At::Start: return "start";
    case pw::replay::HeapPoint::At::Gc: return "gc";
    case pw::replay::HeapPoint::At::Snapshot: return "snapshot";
    case pw::replay::HeapPoint::At::End: break;
  }
  return "end";
}

// Flat instruction indices back to (function, ip): the functions' code laid end to end.
class CodeMap {
 public:
  // [windowed]: the trace starts after step 0, so objects live at its start whose
  // allocation it does not hold count under the host calls' site too.
  CodeMap(const pw::Program& p, bool windowed) : program_(p), host_site_(windowed ? "(host calls, or before the recorded window)" : "(host calls)") {
    std::uint32_t at = 0;
    for (const auto& f : p.functions) {
      starts_.push_back(at);
      at += static_cast<std::uint32_t>(f.code.size());
    }
  }
  // {"function", "ip", "line", "column", "instruction"} of a site or an instruction.
  nlohmann::json describe(std::uint32_t flat) const {
    if (flat == kConstantSite) return {{"function", "(constants)"}, {"ip", nullptr}, {"line", nullptr}, {"column", nullptr}, {"instruction", ""}};
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), flat);
    if (flat == kHostSite || it == starts_.begin())
      return {{"function", host_site_}, {"ip", nullptr}, {"line", nullptr}, {"column", nullptr}, {"instruction", ""}};
    const auto fn = static_cast<std::size_t>(it - starts_.begin() - 1);
    const pw::Function& f = program_.functions[fn];
    const std::uint32_t ip = flat - starts_[fn];
    if (ip >= f.code.size()) return {{"function", host_site_}, {"ip", nullptr}, {"line", nullptr}, {"column", nullptr}, {"instruction", ""}};
    return {{"function", shown(program_.function_label(static_cast<std::uint32_t>(fn)))},
            {"ip", ip},
            {"line", ip < f.lines.size() ? f.lines[ip] : 0},
            {"column", program_.compiled ? f.column_at(ip) : 0},
            {"instruction", shown(pw::disassemble_instruction(program_, f, ip))}};
  }
  // For an instruction of the program (flat < the code's size).
  std::pair<std::uint32_t, std::uint32_t> fn_ip(std::uint32_t flat) const {
    const auto fn = static_cast<std::uint32_t>(std::upper_bound(starts_.begin(), starts_.end(), flat) - starts_.begin() - 1);
    return {fn, flat - starts_[fn]};
  }

 private:
  const pw::Program& program_;
  std::string host_site_;
  std::vector<std::uint32_t> starts_;
};

// Inclusive steps of every call-path node: its own and its descendants' (children come
// after their parents, so one backward pass adds them up).
std::vector<std::uint64_t> node_totals(const pw::replay::WindowProfile& w) {
  std::vector<std::uint64_t> total(w.nodes.size());
  for (std::size_t n = w.nodes.size(); n-- > 0;) {
    total[n] += w.nodes[n].self_steps;
    if (n != kRootNode) total[w.nodes[n].parent] += total[n];
  }
  return total;
}

// The calling-context tree as a flat list, parents before children (depth first, the
// larger child first): {"id", "parent", "depth", "name", "calls", "self_steps", "total_steps"}.
// Flat, so that a recursion thousands of calls deep reads in every JSON reader (jq 1.6 stops
// at 256 levels of nesting). Call paths that ran no step are left out.
nlohmann::json flame_nodes(const pw::Program& p, const pw::replay::WindowProfile& w,
                           const std::vector<std::uint64_t>& total, std::uint32_t top) {
  nlohmann::json out = nlohmann::json::array();
  struct Visit {
    std::uint32_t node;
    std::int64_t parent;  // its id in [out] (-1: none)
    std::uint32_t depth;
  };
  std::vector<Visit> work{{top, -1, 0}};
  std::vector<std::uint32_t> kids;
  while (!work.empty()) {
    const Visit v = work.back();
    work.pop_back();
    const pw::replay::CallNode& node = w.nodes[v.node];
    const auto id = static_cast<std::int64_t>(out.size());
    out.push_back({{"id", id},
                   {"parent", v.parent < 0 ? nlohmann::json(nullptr) : nlohmann::json(v.parent)},
                   {"depth", v.depth},
                   {"name", v.node == kRootNode ? std::string("(all)") : fn_shown(p, node.fn)},
                   {"calls", node.calls},
                   {"self_steps", node.self_steps},
                   {"total_steps", total[v.node]}});
    kids.clear();
    for (const auto& [fn, c] : node.children)
      if (total[c] > 0) kids.push_back(c);
    // Largest last on the work stack, so it comes out first.
    std::stable_sort(kids.begin(), kids.end(), [&](std::uint32_t a, std::uint32_t b) { return total[a] < total[b]; });
    for (const std::uint32_t c : kids) work.push_back({c, id, v.depth + 1});
  }
  return out;
}

// How the run ended, as `pwreplay info` says it; a trace without an outcome was cut short
// (its recorder was killed) and ends at its last complete chunk.
// Its names and values shown escaped, as everywhere in the report.
nlohmann::json run_outcome_json(const pw::replay::Timeline& t) {
  const auto& outcome = t.trace().outcome();
  if (!outcome) return {{"status", "cut_short"}, {"steps", t.end()}};
  nlohmann::json j = outcome_json(*outcome);
  if (j.contains("result")) j["result"] = shown(outcome->result);
  if (j.contains("error")) {
    const pw::ErrorContext& c = outcome->error->context;
    nlohmann::json& e = j["error"];
    e["message"] = shown(outcome->error->message);
    e["function"] = shown(c.function);
    e["file"] = shown(c.file);
    for (std::size_t i = 0; i < e["call_stack"].size() && i < c.call_stack.size(); ++i)
      e["call_stack"][i]["function"] = shown(c.call_stack[i].function);
  }
  return j;
}

std::string recorded_on(const pw::trace::TraceHeader& h) {
  if (h.host_name.empty()) return h.host_system.empty() ? "an unknown machine" : shown(h.host_system);
  return h.host_system.empty() ? shown(h.host_name) : fmt::format("{} ({})", shown(h.host_name), shown(h.host_system));
}

// Sorted by [key], largest first, ties in their first order.
template <class T, class Key>
std::vector<T> largest_first(std::vector<T> v, Key key) {
  std::stable_sort(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) > key(b); });
  return v;
}

nlohmann::json functions_json(const pw::Program& program, const pw::replay::WindowProfile& w) {
  std::vector<std::size_t> fns;
  for (std::size_t f = 0; f < program.functions.size(); ++f)
    if (w.fn_self_steps[f] || w.fn_calls[f] || w.fn_total_steps[f]) fns.push_back(f);
  nlohmann::json functions = nlohmann::json::array();
  for (const std::size_t f : largest_first(fns, [&](std::size_t x) { return w.fn_self_steps[x]; }))
    functions.push_back({{"name", fn_shown(program, static_cast<std::uint32_t>(f))},
                         {"calls", w.fn_calls[f]},
                         {"self_steps", w.fn_self_steps[f]},
                         {"total_steps", w.fn_total_steps[f]},
                         {"allocations", w.fn_allocations[f]},
                         {"allocated_bytes", w.fn_allocated_bytes[f]}});
  // Steps run above the entry function (none in a well-formed run) still add up.
  if (const std::uint64_t outside = w.nodes[kRootNode].self_steps)
    functions.push_back({{"name", "(outside any function)"}, {"calls", 0}, {"self_steps", outside},
                         {"total_steps", outside}, {"allocations", 0}, {"allocated_bytes", 0}});
  return functions;
}

nlohmann::json call_graph_json(const pw::Program& program, const pw::replay::WindowProfile& w) {
  nlohmann::json graph = nlohmann::json::array();
  for (const auto& e : largest_first(w.edges, [](const pw::replay::CallEdge& x) { return x.total_steps; }))
    graph.push_back({{"caller", fn_shown(program, e.caller)},
                     {"callee", fn_shown(program, e.callee)},
                     {"calls", e.calls},
                     {"total_steps", e.total_steps}});
  return graph;
}

// hot_lines, hot_instructions and instruction_mix into [j], from the instruction counts.
void instructions_json(const pw::Program& program, const CodeMap& code, const pw::replay::WindowProfile& w,
                       nlohmann::json& j) {
  using Count = std::pair<std::uint32_t, std::uint64_t>;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> lines;  // (fn, line)
  std::map<std::string, std::uint64_t> mix;
  std::vector<Count> hot;
  for (std::uint32_t i = 0; i < w.instruction_counts.size(); ++i) {
    const std::uint64_t count = w.instruction_counts[i];
    if (count == 0) continue;
    hot.emplace_back(i, count);
    const auto [fn, ip] = code.fn_ip(i);
    const auto& f = program.functions[fn];
    lines[{fn, ip < f.lines.size() ? f.lines[ip] : 0}] += count;
    mix[std::string(pw::op_info(f.code[ip].op).mnemonic)] += count;
  }
  const auto by_count = [](const auto& x) { return x.second; };
  j["hot_lines"] = nlohmann::json::array();
  using LineCount = std::pair<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t>;
  for (const auto& [where, count] : largest_first(std::vector<LineCount>(lines.begin(), lines.end()), by_count))
    j["hot_lines"].push_back({{"file", shown(program.source_name)},
                              {"line", where.second},
                              {"function", fn_shown(program, where.first)},
                              {"steps", count}});
  j["hot_instructions"] = nlohmann::json::array();
  for (const auto& [flat, count] : largest_first(hot, by_count)) {
    nlohmann::json h = code.describe(flat);
    h["steps"] = count;
    j["hot_instructions"].push_back(std::move(h));
  }
  j["instruction_mix"] = nlohmann::json::array();
  using OpCount = std::pair<std::string, std::uint64_t>;
  for (const auto& [op, count] : largest_first(std::vector<OpCount>(mix.begin(), mix.end()), by_count))
    j["instruction_mix"].push_back({{"op", op}, {"steps", count}});
}

nlohmann::json allocation_sites_json(const CodeMap& code, const pw::replay::WindowProfile& w) {
  // By site first (the map is unordered), then by bytes.
  std::vector<std::pair<std::uint32_t, pw::replay::SiteTotals>> sites(w.sites.begin(), w.sites.end());
  std::sort(sites.begin(), sites.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [site, t] : largest_first(sites, [](const auto& x) { return x.second.bytes; })) {
    nlohmann::json s = code.describe(site);
    s["objects"] = t.objects;
    s["bytes"] = t.bytes;
    s["live_at_end"] = t.live_at_end;
    s["live_bytes_at_end"] = t.live_bytes_at_end;
    out.push_back(std::move(s));
  }
  return out;
}

nlohmann::json gc_json(const pw::replay::WindowProfile& w, const std::string& measured_on, std::size_t rows) {
  nlohmann::json cycles = nlohmann::json::array();
  std::uint64_t freed_objects = 0, freed_bytes = 0, pause = 0, max_pause = 0;
  for (const auto& c : w.collections) {
    const std::uint64_t fo = c.objects_before - std::min(c.objects_before, c.objects_after);
    const std::uint64_t fb = c.bytes_before - std::min(c.bytes_before, c.bytes_after);
    freed_objects += fo;
    freed_bytes += fb;
    pause += c.pause_ns;
    max_pause = std::max(max_pause, c.pause_ns);
    if (rows > 0 && cycles.size() >= rows) continue;
    cycles.push_back({{"step", c.step},
                      {"trigger", trigger_name(c.trigger)},
                      {"objects_before", c.objects_before},
                      {"bytes_before", c.bytes_before},
                      {"objects_after", c.objects_after},
                      {"bytes_after", c.bytes_after},
                      {"freed_objects", fo},
                      {"freed_bytes", fb},
                      {"pause_ns", c.pause_ns}});
  }
  return {{"pauses_measured_on", measured_on},
          {"cycles", std::move(cycles)},
          {"total",
           {{"cycles", w.collections.size()},
            {"freed_objects", freed_objects},
            {"freed_bytes", freed_bytes},
            {"pause_ns", pause},
            {"max_pause_ns", max_pause}}}};
}

nlohmann::json leaks_json(const CodeMap& code, const std::vector<pw::replay::LeakSuspect>& leaks) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& l : leaks) {
    nlohmann::json s = code.describe(l.site);
    s["cycles"] = l.cycles;
    s["live_first"] = l.live_first;
    s["live_last"] = l.live_last;
    s["live_bytes_last"] = l.live_bytes_last;
    s["growth_bytes"] = l.growth_bytes;
    s["growth_objects_per_mstep"] = l.growth_objects_per_mstep;
    s["sample_id"] = l.sample_id;
    s["sample"] = l.sample;
    s["root_path"] = l.root_path;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::string with_thousands(std::string_view digits) {
  const std::size_t start = !digits.empty() && digits[0] == '-' ? 1 : 0;
  std::string out(digits.substr(0, start));
  const std::size_t n = digits.size() - start;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[start + i];
  }
  return out;
}

nlohmann::json perf_report_json(const pw::replay::Timeline& timeline, const pw::replay::PerfProfile& profile,
                                std::size_t series_rows) {
  const pw::Program& program = timeline.program();
  const pw::replay::WindowProfile& w = profile.window;
  const CodeMap code(program, timeline.windowed());
  nlohmann::json j;
  j["schema"] = kPerfSchema;
  j["trace"] = shown(timeline.trace().path());
  // A trace cut short (its writer was killed) still reports on what it holds, and says so.
  j["trace_complete"] = timeline.trace().complete();
  if (!timeline.trace().damage().empty()) j["trace_damage"] = shown(timeline.trace().damage());
  j["program"] = shown(program.source_name);
  j["recorded_on"] = recorded_on(timeline.trace().header());
  j["recorded_at"] = utc_time(timeline.trace().header().start_time_unix_ns);
  j["from"] = w.from;
  j["to"] = w.to;
  j["steps"] = w.to - w.from;
  // A trace recorded with --record-last holds the end of the run only: the report can
  // cover no more.
  j["recorded_window"] = timeline.windowed() ? nlohmann::json{{"history_limit", timeline.trace().header().history_limit},
                                                              {"first_step", timeline.start()}}
                                             : nlohmann::json(nullptr);
  j["outcome"] = run_outcome_json(timeline);
  j["counters"] = {{"calls", w.counts.calls},         {"tail_calls", w.counts.tail_calls},
                   {"returns", w.counts.returns},     {"allocations", w.counts.allocations},
                   {"allocated_bytes", w.counts.allocated_bytes}, {"collections", w.counts.collections},
                   {"throws", w.counts.throws},       {"catches", w.counts.catches}};
  j["functions"] = functions_json(program, w);
  j["call_graph"] = call_graph_json(program, w);
  instructions_json(program, code, w, j);
  j["allocation_sites"] = allocation_sites_json(code, w);
  j["gc"] = gc_json(w, j["recorded_on"], series_rows);
  j["heap"] = nlohmann::json::array();
  j["heap_points"] = w.heap.size();
  const std::size_t points = series_rows == 0 ? w.heap.size() : std::min(series_rows, w.heap.size());
  for (std::size_t i = 0; i < points; ++i) {
    const auto& h = w.heap[points < 2 || points == w.heap.size() ? i : i * (w.heap.size() - 1) / (points - 1)];
    j["heap"].push_back(
        {{"step", h.step}, {"at", heap_point_name(h.at)}, {"live_objects", h.live_objects}, {"live_bytes", h.live_bytes}});
  }
  j["leak_suspects"] = leaks_json(code, profile.leaks);
  const std::vector<std::uint64_t> total = node_totals(w);
  const auto& roots = w.nodes[kRootNode].children;
  j["flame"] = flame_nodes(program, w, total,
                           roots.size() == 1 && w.nodes[kRootNode].self_steps == 0 ? roots.front().second : kRootNode);
  return j;
}

std::string run_ending_text(const nlohmann::json& o) {
  // Tolerant of a partial report, as the HTML page is.
  const auto str = [](const nlohmann::json& j, const char* key) {
    const auto it = j.is_object() ? j.find(key) : j.end();
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const auto num = [](const nlohmann::json& j, const char* key) {
    const auto it = j.is_object() ? j.find(key) : j.end();
    return it != j.end() && it->is_number_unsigned() ? with_thousands(std::to_string(it->get<std::uint64_t>()))
                                                     : std::string("?");
  };
  const auto line = [](const nlohmann::json& j) {
    const auto it = j.is_object() ? j.find("line") : j.end();
    return it != j.end() && it->is_number_unsigned() ? std::to_string(it->get<std::uint64_t>()) : std::string("?");
  };
  const std::string status = str(o, "status");
  const std::string steps = num(o, "steps");
  if (status == "halted") return fmt::format("The run halted at step {} with {}.", steps, str(o, "result"));
  if (status == "failed") {
    if (!o.contains("error")) return fmt::format("The run failed at step {}.", steps);
    const nlohmann::json& e = o.at("error");
    return fmt::format("The run failed at step {} in {} ({}:{}): {}: {}", num(e, "step"), str(e, "function"),
                       str(e, "file"), line(e), str(e, "kind"), str(e, "message"));
  }
  if (status == "interrupted")
    return fmt::format("The run was interrupted by signal {} at step {}.", num(o, "signal"), steps);
  if (status == "stopped") return fmt::format("The run was stopped at step {}.", steps);
  if (status == "cut_short")
    return fmt::format("The run was cut short: the trace ends at step {}, before the run ended (its recorder was "
                       "stopped).",
                       steps);
  return "How the run ended is not known.";
}

namespace {

// A call path of a folded-stacks line, as runs of one function: main;f;f;f;g is
// (main 1) (f 3) (g 1).
struct FrameRun {
  std::uint32_t fn;
  std::uint64_t count;
};

// Frames a run takes once folded: a run longer than four keeps its first and last two
// frames and folds the middle into one, "f;[f x 2994];f;f".
std::uint64_t folded_frames(const FrameRun& r) { return std::min<std::uint64_t>(r.count, 4); }

std::string folded_name(const pw::Program& program, std::uint32_t fn) {
  std::string out;
  // A ';' would split the frame in two for every folded-stack reader.
  for (const char c : fn_shown(program, fn)) out += c == ';' ? std::string_view("\\x3b") : std::string_view(&c, 1);
  return out;
}

}  // namespace

std::string perf_folded(const pw::Program& program, const pw::replay::WindowProfile& w) {
  // A runaway recursion has paths a hundred thousand frames deep. Up to kMaxDepth frames a
  // line is the path itself; deeper, runs of one function fold their middle (so the
  // functions below keep their names), and a path still longer than kMaxDepth frames ends
  // in "..." and takes the self steps of every path below that shares its first frames.
  constexpr std::uint64_t kMaxDepth = 1000;
  std::vector<std::string> names(program.functions.size());
  for (std::uint32_t f = 0; f < names.size(); ++f) names[f] = folded_name(program, f);
  std::vector<std::pair<std::string, std::uint64_t>> lines;
  std::unordered_map<std::string, std::size_t> cut_lines;  // a line ending in "..." -> its index
  std::vector<FrameRun> runs;
  std::uint64_t depth = 0, frames = 0;  // of the path, and once folded
  struct Visit {
    std::uint32_t node;
    bool leaving;
  };
  std::vector<Visit> work;
  for (auto it = w.nodes[kRootNode].children.rbegin(); it != w.nodes[kRootNode].children.rend(); ++it)
    work.push_back({it->second, false});
  while (!work.empty()) {
    const Visit v = work.back();
    work.pop_back();
    const pw::replay::CallNode& node = w.nodes[v.node];
    if (v.leaving) {
      frames -= folded_frames(runs.back());
      if (--runs.back().count == 0) runs.pop_back();
      else frames += folded_frames(runs.back());
      --depth;
      continue;
    }
    if (!runs.empty() && runs.back().fn == node.fn) {
      frames -= folded_frames(runs.back());
      ++runs.back().count;
    } else {
      runs.push_back({node.fn, 1});
    }
    frames += folded_frames(runs.back());
    ++depth;
    work.push_back({v.node, true});
    for (auto it = node.children.rbegin(); it != node.children.rend(); ++it) work.push_back({it->second, false});
    if (node.self_steps == 0) continue;
    std::string line;
    std::uint64_t written = 0;
    const auto frame = [&](std::string_view name) {
      if (written++ > 0) line += ';';
      line += name;
    };
    for (const FrameRun& r : runs) {
      const std::string& name = names[r.fn];
      if (depth <= kMaxDepth || r.count <= 4) {
        for (std::uint64_t i = 0; i < r.count && written < kMaxDepth; ++i) frame(name);
      } else {
        frame(name);
        if (written < kMaxDepth) frame(fmt::format("[{} x {}]", name, r.count - 3));
        for (int i = 0; i < 2 && written < kMaxDepth; ++i) frame(name);
      }
      if (written >= kMaxDepth) break;
    }
    if ((depth <= kMaxDepth ? depth : frames) <= kMaxDepth) {
      lines.emplace_back(std::move(line), node.self_steps);
      continue;
    }
    line += ";...";
    const auto [at, added] = cut_lines.emplace(line, lines.size());
    if (added) lines.emplace_back(std::move(line), node.self_steps);
    else lines[at->second].second += node.self_steps;
  }
  std::string out;
  for (const auto& [line, count] : lines) out += fmt::format("{} {}\n", line, count);
  return out;
}

nlohmann::json perf_chrome_trace(const pw::replay::Timeline& timeline, const pw::replay::PerfProfile& profile,
                                 std::uint64_t min_span_steps) {
  const pw::Program& program = timeline.program();
  const pw::replay::WindowProfile& w = profile.window;
  nlohmann::json events = nlohmann::json::array();
  events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", "pwvm " + shown(program.source_name)}}}});
  events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 1},
                    {"args", {{"name", "interpreter (1 us = 1 instruction)"}}}});
  std::vector<pw::replay::Span> spans = w.spans;
  // Outer spans first at equal starts, so viewers nest them right.
  std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) {
    return a.start != b.start ? a.start < b.start : a.depth < b.depth;
  });
  // No args on function spans: viewers (speedscope) tell frames apart by name and args, and
  // a merged span must be the same function as a whole one.
  for (const auto& s : spans)
    events.push_back({{"name", fn_shown(program, s.fn)}, {"cat", s.merged_calls ? "merged calls" : "function"},
                      {"ph", "X"}, {"pid", 1}, {"tid", 1}, {"ts", s.start}, {"dur", s.end - s.start}});
  for (const auto& c : w.collections)
    events.push_back({{"name", "gc"}, {"cat", "gc"}, {"ph", "i"}, {"s", "p"}, {"pid", 1}, {"tid", 1}, {"ts", c.step},
                      {"args",
                       {{"trigger", trigger_name(c.trigger)},
                        {"bytes_before", c.bytes_before},
                        {"bytes_after", c.bytes_after},
                        {"pause_ns (recording machine)", c.pause_ns}}}});
  for (const auto& h : w.heap)
    events.push_back({{"name", "heap"}, {"ph", "C"}, {"pid", 1}, {"ts", h.step},
                      {"args", {{"live_bytes", h.live_bytes}, {"live_objects", h.live_objects}}}});
  return {{"schema", kChromeTraceSchema},
          {"traceEvents", std::move(events)},
          {"otherData",
           {{"trace", shown(timeline.trace().path())},
            {"clock", "1 us = 1 executed instruction"},
            {"from", w.from},
            {"to", w.to},
            {"calls_shorter_than_steps_merged", min_span_steps}}}};
}

}  // namespace pwreplay
