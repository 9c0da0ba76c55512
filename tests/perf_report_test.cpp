// Performance reports from traces are facts about the run, not samples: they count what the
// live performance monitor counts, add up to the run's steps, give recursive fib's exact
// call count, come out the same however the run is cut into parallel segments or windows,
// and find the deliberate leak (and no leak in the examples). Then `pwreplay perf` end to end.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "perf_profile.h"
#include "performance_monitor.h"
#include "replay_test_util.h"
#include "timeline.h"

namespace {

using pw::replay::PerfOptions;
using pw::replay::PerfProfile;
using pw::replay::WindowProfile;

const std::string kLeakyCache = std::string(PROGRAMS_DIR) + "/leaky_cache.pwa";

PerfProfile profile(const std::string& path, unsigned threads, std::uint64_t from = 0, std::uint64_t to = UINT64_MAX,
                    std::uint64_t leak_min_bytes = pw::replay::kLeakMinBytes) {
  PerfOptions o;
  o.leak_min_bytes = leak_min_bytes;
  o.from = from;
  o.to = to;
  o.threads = threads;
  o.min_span_steps = 1;
  return pw::replay::profile_trace(path, o);
}

// Self steps by function, from the calling-context tree.
std::vector<std::uint64_t> self_by_function(const WindowProfile& w, std::size_t functions) {
  std::vector<std::uint64_t> self(functions, 0);
  for (std::size_t n = 1; n < w.nodes.size(); ++n) self[w.nodes[n].fn] += w.nodes[n].self_steps;
  return self;
}

// Instructions executed in each function's code, from the per-instruction counts.
std::vector<std::uint64_t> instructions_by_function(const pw::Program& p, const WindowProfile& w) {
  std::vector<std::uint64_t> out(p.functions.size(), 0);
  std::size_t flat = 0;
  for (std::size_t f = 0; f < p.functions.size(); ++f)
    for (std::size_t i = 0; i < p.functions[f].code.size(); ++i) out[f] += w.instruction_counts[flat++];
  return out;
}

std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<std::uint64_t, std::uint64_t>> edges(const WindowProfile& w) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<std::uint64_t, std::uint64_t>> out;
  for (const auto& e : w.edges) out[{e.caller, e.callee}] = {e.calls, e.total_steps};
  return out;
}

// Everything two profiles of the same window must agree on.
void expect_same(const PerfProfile& a, const PerfProfile& b, std::size_t functions) {
  const WindowProfile& x = a.window;
  const WindowProfile& y = b.window;
  EXPECT_EQ(self_by_function(x, functions), self_by_function(y, functions));
  EXPECT_EQ(x.fn_calls, y.fn_calls);
  EXPECT_EQ(x.fn_total_steps, y.fn_total_steps);
  EXPECT_EQ(x.fn_allocations, y.fn_allocations);
  EXPECT_EQ(x.instruction_counts, y.instruction_counts);
  EXPECT_EQ(edges(x), edges(y));
  ASSERT_EQ(x.sites.size(), y.sites.size());
  for (const auto& [site, t] : x.sites) {
    SCOPED_TRACE(site);
    ASSERT_TRUE(y.sites.contains(site));
    const auto& u = y.sites.at(site);
    EXPECT_EQ(std::tie(t.objects, t.bytes, t.live_at_end, t.live_bytes_at_end, t.newest_live_id),
              std::tie(u.objects, u.bytes, u.live_at_end, u.live_bytes_at_end, u.newest_live_id));
  }
  ASSERT_EQ(x.census.size(), y.census.size());
  for (std::size_t j = 0; j < x.census.size(); ++j) {
    EXPECT_EQ(x.census[j].live, y.census[j].live) << "census " << j;
    EXPECT_EQ(x.census[j].next_id, y.census[j].next_id) << "census " << j;
  }
  EXPECT_EQ(x.end_sites, y.end_sites);
  EXPECT_EQ(x.collections.size(), y.collections.size());
  ASSERT_EQ(a.leaks.size(), b.leaks.size());
  for (std::size_t i = 0; i < a.leaks.size(); ++i) {
    EXPECT_EQ(a.leaks[i].sample_id, b.leaks[i].sample_id);
    EXPECT_EQ(a.leaks[i].root_path, b.leaks[i].root_path);
  }
  std::vector<std::tuple<std::uint32_t, std::uint64_t, std::uint64_t>> xs, ys;
  for (const auto& s : x.spans) xs.emplace_back(s.fn, s.start, s.end);
  for (const auto& s : y.spans) ys.emplace_back(s.fn, s.start, s.end);
  std::sort(xs.begin(), xs.end());
  std::sort(ys.begin(), ys.end());
  EXPECT_EQ(xs, ys);
}

TEST(PerfReport, CountsWhatTheLiveMonitorCountsOnEverySubjectInOneOrThreeSegments) {
  for (const pwtest::Subject& s : pwtest::subjects()) {
    SCOPED_TRACE(s.name);
    pwtest::ScratchDir dir("perf");
    const std::string path = dir.path("t.pwtrace");
    const std::uint64_t steps = pwtest::record_in_pieces(s, path);
    const pwtest::MonitoredRun live(s);
    const pw::PerformanceMonitor& monitor = live.monitor;

    const PerfProfile one = profile(path, 1);
    const PerfProfile three = profile(path, 3);
    EXPECT_GT(three.segments, 1u);
    const WindowProfile& w = one.window;
    ASSERT_EQ(w.to - w.from, steps);
    EXPECT_EQ(monitor.counter(pw::Counter::Instructions), steps);

    std::array<std::uint64_t, pw::kOpCount> by_kind{};
    for (std::size_t i = 0; i < w.instruction_counts.size(); ++i)
      by_kind[static_cast<std::size_t>(live.live.machine.vm.code[i].op)] += w.instruction_counts[i];
    EXPECT_EQ(by_kind, monitor.by_kind());
    EXPECT_EQ(w.counts.calls, monitor.counter(pw::Counter::Calls));
    EXPECT_EQ(w.counts.tail_calls, monitor.counter(pw::Counter::TailCalls));
    EXPECT_EQ(w.counts.returns, monitor.counter(pw::Counter::Returns));
    EXPECT_EQ(w.counts.allocations, monitor.counter(pw::Counter::Allocations));
    EXPECT_EQ(w.counts.allocated_bytes, monitor.counter(pw::Counter::AllocatedBytes));
    EXPECT_EQ(w.counts.collections, monitor.counter(pw::Counter::Collections));
    EXPECT_EQ(w.counts.throws, monitor.counter(pw::Counter::Throws));
    EXPECT_EQ(w.counts.catches, monitor.counter(pw::Counter::Catches));

    // Self steps add up to the run, and each function's are the instructions of its code.
    const std::size_t fns = s.program->functions.size();
    const auto self = self_by_function(w, fns);
    EXPECT_EQ(std::accumulate(self.begin(), self.end(), std::uint64_t{0}), steps);
    EXPECT_EQ(self, instructions_by_function(*s.program, w));
    EXPECT_EQ(w.fn_total_steps[s.program->entry], steps);  // the entry function runs throughout
    EXPECT_GE(w.fn_calls[s.program->entry], 1u);  // the run's start is a call of it
    EXPECT_TRUE(one.leaks.empty()) << "a leak reported in " << s.name;
    expect_same(one, three, fns);
  }
}

// Threads share the snapshot intervals as ranges and take over parts of each other's: with
// many intervals and more threads than cores, ranges are split wherever a thread came free.
TEST(PerfReport, ThreadsTakingOverEachOthersIntervalsGiveTheOneThreadReport) {
  for (const pwtest::Subject& s : pwtest::subjects()) {
    SCOPED_TRACE(s.name);
    pwtest::ScratchDir dir("perf");
    const std::string path = dir.path("t.pwtrace");
    const std::uint64_t steps = pwtest::steps_of(s);
    pwtest::record_subject(s, path, std::max<std::uint64_t>(3, steps / 40), std::max<std::uint64_t>(2, steps / 60));
    PerfOptions o;
    o.threads = 1;
    const PerfProfile one = pw::replay::profile_trace(path, o);
    o.threads = 6;
    o.count_restores = false;  // these runs are short: cut them anyway
    const PerfProfile six = pw::replay::profile_trace(path, o);
    EXPECT_GT(six.segments, 1u);
    expect_same(one, six, s.program->functions.size());
  }
}

TEST(PerfReport, RecursiveFibMakesExactlyTwiceFibPlusOneMinusOneCalls) {
  pwtest::ScratchDir dir("perffib");
  const pwtest::Subject s{"fib15", pwtest::load(pwtest::kRecursiveFib15), pwtest::default_config()};
  const std::string path = dir.path("fib.pwtrace");
  pwtest::record_subject(s, path, 2000, 500);
  const PerfProfile p = profile(path, 2);
  const int fib = s.program->find_function("fib");
  const int main = s.program->find_function("main");
  ASSERT_GE(fib, 0);
  const WindowProfile& w = p.window;
  EXPECT_EQ(w.fn_calls[fib], 1973u);  // 2 * fib(16) - 1
  EXPECT_EQ(w.fn_calls[main], 1u);
  const auto e = edges(w);
  EXPECT_EQ(e.at({main, fib}).first, 1u);
  EXPECT_EQ(e.at({fib, fib}).first, 1972u);
  // fib's one outermost call covers all of fib's time: recursion is counted once.
  const auto self = self_by_function(w, s.program->functions.size());
  EXPECT_EQ(e.at({main, fib}).second, w.fn_total_steps[fib]);
  EXPECT_EQ(w.fn_total_steps[fib], self[fib]);
  EXPECT_EQ(w.fn_total_steps[main], w.to);
  EXPECT_EQ(self[main] + self[fib], w.to);
}

TEST(PerfReport, WindowsOfTheRunAddUpToTheWhole) {
  pwtest::ScratchDir dir("perfwin");
  const std::string name = "fibonacci.pwa";
  const auto subjects = pwtest::subjects();
  const auto s = std::find_if(subjects.begin(), subjects.end(), [&](const auto& x) { return x.name == name; });
  ASSERT_NE(s, subjects.end());
  const std::string path = dir.path("t.pwtrace");
  pwtest::record_subject(*s, path, 100'000, 20'000);
  const std::uint64_t end = pw::replay::Timeline(path).end();
  const std::uint64_t a = end / 3 + 17, b = 2 * end / 3 + 5;  // not at snapshots
  const PerfProfile whole = profile(path, 1);
  std::vector<PerfProfile> parts;
  for (const auto& [from, to] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, a}, {a, b}, {b, end}}) {
    parts.push_back(profile(path, 2, from, to));
    EXPECT_EQ(parts.back().window.from, from);
    EXPECT_EQ(parts.back().window.to, to);
  }
  const std::size_t fns = s->program->functions.size();
  std::vector<std::uint64_t> self(fns, 0), calls(fns, 0), instructions(whole.window.instruction_counts.size(), 0);
  for (const auto& p : parts) {
    const auto part_self = self_by_function(p.window, fns);
    EXPECT_EQ(std::accumulate(part_self.begin(), part_self.end(), std::uint64_t{0}), p.window.to - p.window.from);
    for (std::size_t f = 0; f < fns; ++f) {
      self[f] += part_self[f];
      calls[f] += p.window.fn_calls[f];
    }
    for (std::size_t i = 0; i < instructions.size(); ++i) instructions[i] += p.window.instruction_counts[i];
  }
  EXPECT_EQ(self, self_by_function(whole.window, fns));
  EXPECT_EQ(calls, whole.window.fn_calls);
  EXPECT_EQ(instructions, whole.window.instruction_counts);
}

TEST(PerfReport, FindsTheDeliberateLeakAndThePathThatKeepsItAlive) {
  pwtest::ScratchDir dir("perfleak");
  pw::VmConfig config;  // never GC stress: the census after every allocation would be slow
  config.gc.min_threshold = 64 << 10;
  const pwtest::Subject s{"leaky_cache", pw::load_program(kLeakyCache), config};
  const std::string path = dir.path("leak.pwtrace");
  // The whole run, even in the slow modes: its config has no GC stress.
  pwtest::record_subject(s, path, 100'000, 20'000, std::nullopt);
  const std::uint64_t min_bytes = pw::replay::kLeakMinBytes;
  const PerfProfile one = profile(path, 1, 0, UINT64_MAX, min_bytes);
  const PerfProfile two = profile(path, 2, 0, UINT64_MAX, min_bytes);
  expect_same(one, two, s.program->functions.size());
  ASSERT_FALSE(one.leaks.empty());
  const int remember = s.program->find_function("remember");
  for (const auto& l : one.leaks) {
    // Every suspect grows and hangs off the global cache.
    EXPECT_GT(l.live_last, l.live_first);
    EXPECT_GT(l.growth_objects_per_mstep, 0);
    ASSERT_FALSE(l.root_path.empty());
    EXPECT_EQ(l.root_path.front(), "global cache");
    EXPECT_EQ(l.root_path.back(), l.sample);
    EXPECT_NE(l.sample.find(fmt::format("#{}", l.sample_id)), std::string::npos);
  }
  // Sites are flat instruction indices: remember's array_new and cons are among them (the
  // request strings it keeps, made in serve, may be too).
  std::uint32_t first = 0;
  for (int f = 0; f < remember; ++f) first += static_cast<std::uint32_t>(s.program->functions[f].code.size());
  const auto last = first + static_cast<std::uint32_t>(s.program->functions[remember].code.size());
  EXPECT_EQ(std::count_if(one.leaks.begin(), one.leaks.end(), [&](const auto& l) { return l.site >= first && l.site < last; }), 2);
  // The scratch lists are garbage: their site is no suspect, however many it allocates.
  const auto biggest = std::max_element(one.window.sites.begin(), one.window.sites.end(),
                                        [](const auto& a, const auto& b) { return a.second.objects < b.second.objects; });
  for (const auto& l : one.leaks) EXPECT_NE(l.site, biggest->first);
}

class PerfCli : public ::testing::Test {
 protected:
  PerfCli() : dir_("perfcli") {}
  pwtest::CliResult run(const char* binary, const std::vector<std::string>& args) {
    return pwtest::run_binary(binary, args, "", dir_.dir(), false);
  }
  std::string record(const std::string& program, const std::string& name) {
    const std::string trace = dir_.path(name);
    const pwtest::CliResult r = run(PWVM_BINARY, {"run", program, "--record", trace, "--snapshot-interval", "50000"});
    EXPECT_EQ(r.code, 0) << r.err;
    return trace;
  }
  std::string read(const std::string& name) { return pwtest::read_text_file(dir_.path(name)); }
  pwtest::ScratchDir dir_;
};

TEST_F(PerfCli, JsonFoldedChromeTraceAndHtmlSayTheSame) {
  const std::string trace = record(std::string(EXAMPLES_DIR) + "/fibonacci.pwa", "fib.pwtrace");
  const pwtest::CliResult r = run(PWREPLAY_BINARY, {"perf", trace, "--json", "--folded", dir_.path("fib.folded"),
                                                   "--chrome-trace", dir_.path("fib.trace.json"), "--html",
                                                   dir_.path("fib.html")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  const std::uint64_t steps = report["steps"].get<std::uint64_t>();
  EXPECT_EQ(steps, 1'943'167u);
  std::uint64_t self = 0;
  for (const auto& f : report["functions"]) {
    self += f["self_steps"].get<std::uint64_t>();
    if (f["name"] == "fib_rec") {
      EXPECT_EQ(f["calls"], 242'785);  // 2 * fib(26) - 1
    }
    EXPECT_TRUE(f.contains("total_steps"));
  }
  EXPECT_EQ(self, steps);
  for (const char* key : {"call_graph", "hot_lines", "hot_instructions", "allocation_sites", "gc", "heap", "leak_suspects",
                          "instruction_mix", "flame"})
    EXPECT_TRUE(report.contains(key)) << key;

  // Folded stacks: "main;fib_rec;fib_rec COUNT", adding up to the run.
  std::istringstream folded(read("fib.folded"));
  std::uint64_t folded_total = 0;
  bool deep = false;
  for (std::string line; std::getline(folded, line);) {
    const auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    folded_total += std::stoull(line.substr(space + 1));
    deep = deep || line.starts_with("main;fib_rec;fib_rec;fib_rec ");
  }
  EXPECT_EQ(folded_total, steps);
  EXPECT_TRUE(deep);

  // Trace Event Format: function spans, nested, on the instruction clock.
  const auto chrome = nlohmann::json::parse(read("fib.trace.json"));
  std::size_t spans = 0;
  for (const auto& e : chrome["traceEvents"]) {
    if (e["ph"] != "X") continue;
    ++spans;
    if (e["name"] == "main") {
      EXPECT_EQ(e["ts"], 0);
      EXPECT_EQ(e["dur"], steps);
    }
  }
  EXPECT_GT(spans, 100u);

  // One page, nothing fetched from elsewhere.
  const std::string html = read("fib.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("fib_rec"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
}

TEST_F(PerfCli, TextReportShowsTheLeakGcAndAWindow) {
  const std::string trace = record(kLeakyCache, "leak.pwtrace");
  const pwtest::CliResult text = run(PWREPLAY_BINARY, {"perf", trace, "--chrome-trace", dir_.path("leak.json")});
  ASSERT_EQ(text.code, 0) << text.err;
  for (const char* line : {"Functions (by self instructions", "Call graph", "Hot lines", "Hot instructions",
                           "Allocation sites", "Garbage collection: 9 cycles", "Heap over time", "Leak suspects",
                           "remember+1 (line 13) array_new", "kept alive by: global cache -> pair #"})
    EXPECT_NE(text.out.find(line), std::string::npos) << line << "\n" << text.out;
  // With three rows a table: the text report holds only the start of the long series, and
  // says how much more there is. The heap has a point at each end, collection and snapshot.
  const auto full = nlohmann::json::parse(run(PWREPLAY_BINARY, {"perf", trace, "--json"}).out);
  const std::size_t heap_points = full["heap"].size();
  EXPECT_EQ(full["heap_points"], heap_points);
  EXPECT_GT(heap_points, 11u);
  const pwtest::CliResult short_text = run(PWREPLAY_BINARY, {"perf", trace, "--top", "3"});
  ASSERT_EQ(short_text.code, 0) << short_text.err;
  const std::string gc_part = short_text.out.substr(short_text.out.find("Garbage collection"));
  EXPECT_NE(gc_part.find("  ... 6 more (--top 0 shows all)\n\nHeap over time"), std::string::npos) << gc_part;
  const std::string heap_note = "  (3 of " + std::to_string(heap_points) + " points, evenly spread; --top 0 shows all)";
  EXPECT_NE(gc_part.find(heap_note), std::string::npos) << gc_part;

  const auto chrome = nlohmann::json::parse(read("leak.json"));
  std::size_t gcs = 0, heap = 0;
  for (const auto& e : chrome["traceEvents"]) {
    gcs += e["ph"] == "i" && e["name"] == "gc";
    heap += e["ph"] == "C" && e["name"] == "heap";
  }
  EXPECT_EQ(gcs, 9u);
  EXPECT_GE(heap, 11u);

  const pwtest::CliResult window = run(PWREPLAY_BINARY, {"perf", trace, "--from", "1000", "--to", "5000", "--json"});
  ASSERT_EQ(window.code, 0) << window.err;
  const auto w = nlohmann::json::parse(window.out);
  EXPECT_EQ(w["steps"], 4000);
  EXPECT_EQ(w["from"], 1000);

  // A trace cut short, as by a killed run: reported up to where it ends, and said so.
  const std::string bytes = read("leak.pwtrace");
  pwtest::write_text_file(dir_.path("cut.pwtrace"), bytes.substr(0, bytes.size() / 2));
  const pwtest::CliResult cut = run(PWREPLAY_BINARY, {"perf", dir_.path("cut.pwtrace")});
  ASSERT_EQ(cut.code, 0) << cut.err;
  EXPECT_NE(cut.out.find("The trace is incomplete ("), std::string::npos) << cut.out;
}

TEST_F(PerfCli, FoldedStacksOfARunawayRecursionFoldItsMiddle) {
  // Recursion 1,500 deep, then back: the folded lines would hold a million frames.
  pwtest::write_text_file(dir_.path("deep.pwa"), "func down(n)\n  get_local n\n  lt_imm 1\n  jump_if_false more\n"
                                                 "  push 0\n  return\nmore:\n  get_local n\n  sub_imm 1\n"
                                                 "  call_fn down\n  return\nend\nfunc main()\n  push 1500\n"
                                                 "  call_fn down\n  return\nend\n");
  const std::string trace = record(dir_.path("deep.pwa"), "deep.pwtrace");
  const pwtest::CliResult r = run(PWREPLAY_BINARY, {"perf", trace, "--json", "--folded", dir_.path("deep.folded")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto steps = nlohmann::json::parse(r.out)["steps"].get<std::uint64_t>();
  std::istringstream folded(read("deep.folded"));
  std::uint64_t total = 0;
  std::size_t lines = 0;
  bool deepest = false;
  for (std::string line; std::getline(folded, line); ++lines) {
    total += std::stoull(line.substr(line.rfind(' ') + 1));
    const auto frames = std::count(line.begin(), line.end(), ';') + 1;
    EXPECT_LE(frames, 1000) << line.substr(0, 80);
    EXPECT_EQ(line.find(";..."), std::string::npos) << line.substr(0, 80);
    deepest = deepest || line.starts_with("main;down;[down x 1498];down;down ");
  }
  EXPECT_EQ(total, steps);
  EXPECT_EQ(lines, 1502u);  // main and each of the 1,501 calls of down, deepest folded
  EXPECT_TRUE(deepest);
}

TEST_F(PerfCli, BadInputGetsOneLineAndExitCode2) {
  const std::string trace = record(std::string(EXAMPLES_DIR) + "/closures.pwa", "c.pwtrace");
  pwtest::write_text_file(dir_.path("junk.pwtrace"), "not a trace at all");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"perf", trace, "--from", "100", "--to", "50"},
           {"perf", trace, "--to", "99999999"},
           {"perf", trace, "--threads", "0"},
           {"perf", dir_.path("junk.pwtrace")},
           {"perf", dir_.path("missing.pwtrace")},
           {"perf", trace, "--top", "many"}}) {
    const pwtest::CliResult r = run(PWREPLAY_BINARY, args);
    EXPECT_EQ(r.code, 2) << args.back() << ": " << r.err;
    EXPECT_EQ(pwtest::count_lines(r.err), 1u) << r.err;
  }
  // An output file that cannot be written is exit code 3.
  const pwtest::CliResult r = run(PWREPLAY_BINARY, {"perf", trace, "--html", dir_.path("no/such/dir/x.html")});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(pwtest::count_lines(r.err), 1u) << r.err;
}

}  // namespace

namespace {

TEST_F(PerfCli, OutputFilesThatCannotBeWrittenAreRefusedBeforeTheReplay) {
  // The trace does not even exist: the output files are looked at first, and nothing is created.
  const std::string trace = dir_.path("missing.pwtrace");
  const pwtest::CliResult html = run(PWREPLAY_BINARY, {"perf", trace, "--html", "/nonexistent/x.html"});
  EXPECT_EQ(html.code, 3);
  EXPECT_EQ(html.err, "pwreplay: error: cannot write /nonexistent/x.html: no directory /nonexistent\n");
  const pwtest::CliResult folded = run(PWREPLAY_BINARY, {"perf", trace, "--folded", dir_.dir().string()});
  EXPECT_EQ(folded.code, 3);
  EXPECT_NE(folded.err.find("it is a directory"), std::string::npos) << folded.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.path("missing.pwtrace")));
  // A writable place gets past the check to the trace, which is the next error.
  const pwtest::CliResult ok = run(PWREPLAY_BINARY, {"perf", trace, "--chrome-trace", dir_.path("t.json")});
  EXPECT_EQ(ok.code, 2) << ok.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.path("t.json")));
}

}  // namespace
