// What `pwreplay perf` hands to other programs, end to end with the built binaries: the
// report says how the run ended; every JSON output names its schema; the report reads in
// jq 1.6 however deep the recursion; the Chrome trace gives each function the report's self
// and total steps; folded stacks of a deep recursion keep their leaves' names.
// (tests/exports/ checks the Chrome trace once more with speedscope's own importer.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "trace_test_util.h"

namespace {

using pwtest::CliResult;
using nlohmann::json;

const std::string kDeepRecursion = std::string(PROGRAMS_DIR) + "/deep_recursion.pwa";
const std::string kShortCalls = std::string(PROGRAMS_DIR) + "/short_calls.pwa";
std::string example(const std::string& name) { return std::string(EXAMPLES_DIR) + "/" + name + ".pwa"; }

// [program] found on PATH, or empty.
std::string on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

class PerfExportsCli : public ::testing::Test {
 protected:
  PerfExportsCli() : dir_("perfexports") {}
  CliResult run(const std::string& binary, const std::vector<std::string>& args) {
    return pwtest::run_binary(binary, args, "", dir_.dir(), false);
  }
  CliResult pwreplay(const std::vector<std::string>& args) { return run(PWREPLAY_BINARY, args); }
  // Records [program] (a run that fails is fine); returns the trace's path.
  std::string record(const std::string& program, const std::string& name) {
    const std::string trace = dir_.path(name);
    const CliResult r = run(PWVM_BINARY, {"run", program, "--record", trace, "--snapshot-interval", "50000"});
    EXPECT_TRUE(r.code == 0 || r.code == 1) << r.err;
    return trace;
  }
  std::string read(const std::string& name) { return pwtest::read_text_file(dir_.path(name)); }
  json perf_json(const std::vector<std::string>& args) {
    const CliResult r = pwreplay(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return json::parse(r.out);
  }
  pwtest::ScratchDir dir_;
};

TEST_F(PerfExportsCli, ReportSaysHowTheRunEndedInTextJsonAndHtml) {
  const std::string halted = record(example("fibonacci"), "fib.pwtrace");
  const json fib = perf_json({"perf", halted, "--json"});
  EXPECT_EQ(fib["outcome"]["status"], "halted");
  EXPECT_EQ(fib["outcome"]["steps"], fib["steps"]);
  const CliResult fib_text = pwreplay({"perf", halted, "--top", "1"});
  EXPECT_NE(fib_text.out.find("The run halted at step 1,943,167 with "), std::string::npos) << fib_text.out;

  const std::string failed = record(example("inventory"), "inv.pwtrace");
  const json inv = perf_json({"perf", failed, "--json", "--html", dir_.path("inv.html")});
  const json& error = inv["outcome"]["error"];
  EXPECT_EQ(inv["outcome"]["status"], "failed");
  EXPECT_EQ(error["kind"], "TypeError");
  EXPECT_EQ(error["function"], "purchase_cost");
  EXPECT_EQ(error["line"], 281);
  EXPECT_EQ(error["step"], 10850);
  const std::string said = "The run failed at step 10,850 in purchase_cost (" + example("inventory") +
                           ":281): TypeError: mul expects numbers, got nil and int";
  const CliResult inv_text = pwreplay({"perf", failed, "--top", "1"});
  EXPECT_NE(inv_text.out.find(said), std::string::npos) << inv_text.out;
  EXPECT_NE(read("inv.html").find("<dt>ended</dt><dd>The run failed at step 10,850 in purchase_cost"), std::string::npos);

  // A killed recorder leaves a trace without an outcome: the run was cut short, there.
  const std::string bytes = read("fib.pwtrace");
  pwtest::write_text_file(dir_.path("cut.pwtrace"), bytes.substr(0, bytes.size() / 2));
  const json cut = perf_json({"perf", dir_.path("cut.pwtrace"), "--json"});
  EXPECT_EQ(cut["outcome"]["status"], "cut_short");
  EXPECT_EQ(cut["outcome"]["steps"], cut["to"]);
  EXPECT_LT(cut["to"].get<std::uint64_t>(), 1'943'167u);
  const CliResult cut_text = pwreplay({"perf", dir_.path("cut.pwtrace"), "--top", "1"});
  EXPECT_NE(cut_text.out.find("The run was cut short: the trace ends at step "), std::string::npos) << cut_text.out;
}

TEST_F(PerfExportsCli, EveryJsonOutputNamesItsSchema) {
  const std::string trace = record(example("fibonacci"), "fib.pwtrace");
  const std::regex form(R"(pwvm\.[a-z-]+/[0-9]+\.[0-9]+)");
  const auto expect_schema = [&](const json& j, const std::string& kind, const std::string& what) {
    ASSERT_TRUE(j.is_object() && j.contains("schema")) << what;
    const std::string schema = j["schema"].get<std::string>();
    EXPECT_TRUE(std::regex_match(schema, form)) << what << ": " << schema;
    EXPECT_EQ(schema.substr(0, schema.find('/')), "pwvm." + kind) << what;
  };
  const auto output = [&](const std::vector<std::string>& args) {
    const CliResult r = pwreplay(args);
    EXPECT_EQ(r.code, 0) << args[0] << ": " << r.err;
    return json::parse(r.out);
  };
  expect_schema(output({"info", trace, "--json"}), "info", "info");
  expect_schema(output({"verify", trace, "--json"}), "verify", "verify");
  expect_schema(output({"calls", trace, "fib_iter", "--json"}), "calls", "calls");
  expect_schema(output({"watch", trace, "fib_iter::a", "--json"}), "watch", "watch");
  expect_schema(output({"last-write", trace, "fib_iter::a", "--before", "end", "--json"}), "last-write", "last-write");
  expect_schema(output({"state", trace, "--at", "100"}), "state", "state");
  expect_schema(output({"perf", trace, "--json", "--chrome-trace", dir_.path("t.json")}), "perf", "perf");
  expect_schema(json::parse(read("t.json")), "chrome-trace", "chrome trace");
  const CliResult live = run(PWVM_BINARY, {"run", example("fibonacci"), "--stop-at", "100", "--dump-state", "-"});
  expect_schema(json::parse(live.out), "state", "pwvm run --dump-state");

  // events --json is JSON Lines: a header with the schema, then one event per line.
  const CliResult events = pwreplay({"events", trace, "--json", "--kind", "call", "--to", "500"});
  ASSERT_EQ(events.code, 0) << events.err;
  std::istringstream lines(events.out);
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  const json header = json::parse(line);
  expect_schema(header, "events", "events header");
  EXPECT_EQ(header["kinds"], json::array({"call"}));
  std::size_t n = 0;
  for (; std::getline(lines, line); ++n) {
    const json e = json::parse(line);
    EXPECT_EQ(e["kind"], "call");
    EXPECT_FALSE(e.contains("schema"));
  }
  EXPECT_GT(n, 0u);
}

TEST_F(PerfExportsCli, ReportOfARecursionThreeThousandDeepReadsInJq) {
  const std::string jq = on_path("jq");
  if (jq.empty()) GTEST_SKIP() << "jq is not installed (scripts/setup.sh installs it)";
  const std::string trace = record(kDeepRecursion, "deep.pwtrace");
  const CliResult r = pwreplay({"perf", trace, "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  pwtest::write_text_file(dir_.path("deep.json"), r.out);
  // The flame list: one node per call path, parents by id; the deepest is 3,002 calls down.
  const CliResult deepest = run(jq, {"-e", "[.flame[] | .depth] | max", dir_.path("deep.json")});
  ASSERT_EQ(deepest.code, 0) << deepest.err;
  EXPECT_EQ(deepest.out, "3002\n");
  const CliResult self = run(jq, {"-e", "([.flame[].self_steps] | add) == .steps and .flame[0].parent == null",
                                  dir_.path("deep.json")});
  EXPECT_EQ(self.code, 0) << self.out << self.err;
  // Every parent id names an earlier node, one level up.
  const json report = json::parse(r.out);
  const json& flame = report["flame"];
  for (std::size_t i = 1; i < flame.size(); ++i) {
    const auto parent = flame[i]["parent"].get<std::size_t>();
    ASSERT_LT(parent, i);
    ASSERT_EQ(flame[parent]["depth"].get<int>() + 1, flame[i]["depth"].get<int>());
  }
}

// Reads the Chrome trace as a viewer does: spans nest; a function's self time is its spans'
// time outside their children, its total the time with one of its spans open at least once.
struct ViewerWeights {
  std::map<std::string, std::uint64_t> self, total;
};
ViewerWeights viewer_weights(const json& chrome) {
  struct Span {
    std::string name;
    std::uint64_t ts, end;
  };
  std::vector<Span> spans;
  for (const json& e : chrome["traceEvents"])
    if (e["ph"] == "X")
      spans.push_back({e["name"], e["ts"], e["ts"].get<std::uint64_t>() + e["dur"].get<std::uint64_t>()});
  std::stable_sort(spans.begin(), spans.end(),
                   [](const Span& a, const Span& b) { return a.ts != b.ts ? a.ts < b.ts : a.end > b.end; });
  ViewerWeights w;
  std::vector<const Span*> open;
  std::map<std::string, int> open_by_name;
  const auto close_until = [&](std::uint64_t t) {
    while (!open.empty() && open.back()->end <= t) {
      --open_by_name[open.back()->name];
      open.pop_back();
    }
  };
  for (const Span& s : spans) {
    close_until(s.ts);
    if (!open.empty()) {
      EXPECT_LE(s.end, open.back()->end) << s.name << " at " << s.ts << " overlaps " << open.back()->name;
      w.self[open.back()->name] -= s.end - s.ts;
    }
    w.self[s.name] += s.end - s.ts;
    if (open_by_name[s.name]++ == 0) w.total[s.name] += s.end - s.ts;
    open.push_back(&s);
  }
  return w;
}

TEST_F(PerfExportsCli, ChromeTraceGivesEveryFunctionTheReportsSelfAndTotalSteps) {
  for (const auto& [program, name] : std::vector<std::pair<std::string, std::string>>{
           {example("fibonacci"), "fib"},
           {kShortCalls, "short"},
           {kDeepRecursion, "deep"},
           {example("inventory"), "inv"}}) {
    const std::string trace = record(program, name + ".pwtrace");
    for (const char* threads : {"1", "3"}) {
      SCOPED_TRACE(name + " with threads " + threads);
      const std::string file = name + threads + ".json";
      const json report = perf_json({"perf", trace, "--json", "--threads", threads, "--chrome-trace", dir_.path(file)});
      const json chrome = json::parse(read(file));
      const ViewerWeights w = viewer_weights(chrome);
      std::size_t checked = 0;
      for (const json& f : report["functions"]) {
        const std::string fn = f["name"];
        EXPECT_EQ(w.self.count(fn) ? w.self.at(fn) : 0, f["self_steps"].get<std::uint64_t>()) << fn;
        EXPECT_EQ(w.total.count(fn) ? w.total.at(fn) : 0, f["total_steps"].get<std::uint64_t>()) << fn;
        ++checked;
      }
      EXPECT_EQ(w.self.size(), checked);
      // Bounded: short calls come merged (a direct recursion into the call it is in).
      std::size_t spans = 0, merged = 0;
      for (const json& e : chrome["traceEvents"]) {
        spans += e["ph"] == "X";
        merged += e["ph"] == "X" && e["cat"] == "merged calls";
      }
      if (name == "fib") {
        EXPECT_LT(spans, 30'000u);  // of 242,785 calls
      }
      if (name == "short") {
        EXPECT_GT(merged, 10'000u);
      }
    }
  }
}

TEST_F(PerfExportsCli, FoldedStacksOfADeepRecursionFoldItsMiddleAndKeepTheLeaves) {
  const std::string trace = record(kDeepRecursion, "deep.pwtrace");
  const json report = perf_json({"perf", trace, "--json", "--folded", dir_.path("deep.folded")});
  std::istringstream folded(read("deep.folded"));
  std::uint64_t total = 0;
  std::map<std::string, std::uint64_t> leaf_steps;
  bool bottom_seen = false;
  for (std::string line; std::getline(folded, line);) {
    const auto space = line.rfind(' ');
    const std::string path = line.substr(0, space);
    const std::uint64_t count = std::stoull(line.substr(space + 1));
    total += count;
    EXPECT_LE(std::count(path.begin(), path.end(), ';') + 1, 1000) << path.substr(0, 80);
    EXPECT_EQ(path.find("..."), std::string::npos) << path.substr(0, 80);
    leaf_steps[path.substr(path.rfind(';') + 1)] += count;
    // descend(3000) down to descend(0): 3,001 calls, then bottom.
    bottom_seen = bottom_seen || path == "main;descend;[descend x 2998];descend;descend;bottom";
  }
  EXPECT_EQ(total, report["steps"].get<std::uint64_t>());
  EXPECT_TRUE(bottom_seen);
  // Each leaf keeps its name, and all of its self steps.
  for (const json& f : report["functions"]) {
    const std::string fn = f["name"];
    if (fn == "tick" || fn == "bottom") {
      EXPECT_EQ(leaf_steps[fn], f["self_steps"].get<std::uint64_t>()) << fn;
    }
  }
}

TEST_F(PerfExportsCli, FoldedStacksThatDoNotFoldStopAtAThousandFrames) {
  // ping and pong call each other 1,500 deep: no run of one function to fold.
  pwtest::write_text_file(dir_.path("pingpong.pwa"),
                          "func ping(n)\n  get_local n\n  lt_imm 1\n  jump_if_false more\n  push 0\n  return\n"
                          "more:\n  get_local n\n  sub_imm 1\n  call_fn pong\n  return\nend\n"
                          "func pong(n)\n  get_local n\n  call_fn ping\n  return\nend\n"
                          "func main()\n  push 750\n  call_fn ping\n  return\nend\n");
  const std::string trace = record(dir_.path("pingpong.pwa"), "pingpong.pwtrace");
  const json report = perf_json({"perf", trace, "--json", "--folded", dir_.path("pp.folded")});
  std::istringstream folded(read("pp.folded"));
  std::uint64_t total = 0;
  std::size_t cut = 0;
  for (std::string line; std::getline(folded, line);) {
    total += std::stoull(line.substr(line.rfind(' ') + 1));
    EXPECT_LE(std::count(line.begin(), line.end(), ';') + 1, 1001) << line.substr(0, 80);
    cut += line.find(";... ") != std::string::npos;
  }
  EXPECT_EQ(total, report["steps"].get<std::uint64_t>());  // the deeper frames' steps are on the cut lines
  EXPECT_GE(cut, 1u);
}

}  // namespace
