// `pwreplay perf --baseline` end to end with the built binaries: two versions of a crafted
// program whose instruction counts are known, compared function by function, the gates
// that fail on exact counts, the refusals; and `pwreplay info`'s content key, the same for
// two recordings of one run and different for another input or program.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "trace_test_util.h"

namespace {

using nlohmann::json;
using pwtest::CliResult;

// The crafted program. main calls work, then [other] (2 instructions: push, return), and
// with [extra] > 0 also extra, which loops that many times. work and extra run 6
// instructions of set-up, then a loop of kLoopInstructions per iteration, then 2 to return.
// main runs 6 instructions of its own, 8 with extra.
constexpr std::uint64_t kLoopInstructions = 4;  // get_local, add_imm, set_local, for_next
std::uint64_t looping_function(std::uint64_t iterations) { return 6 + kLoopInstructions * iterations + 2; }

std::string looping_function_text(const std::string& name, int iterations) {
  return fmt::format(R"(func {}()
  local i, limit, acc
  push 0
  set_local acc
  push 1
  set_local i
  push {}
  set_local limit
loop:
  get_local acc
  add_imm 3
  set_local acc
  for_next i, loop
  get_local acc
  return
end

)",
                     name, iterations);
}

std::string program(int iterations, const std::string& other = "other", int extra = 0) {
  std::string text = "; perf_baseline_cli_test.cpp's crafted program\n" + looping_function_text("work", iterations);
  if (extra > 0) text += looping_function_text("extra", extra);
  text += fmt::format("func {}()\n  push 1\n  return\nend\n\n", other);
  text += fmt::format("func main()\n  call_fn work\n  call_fn {}\n  add\n{}  host print\n  return\nend\n", other,
                      extra > 0 ? "  call_fn extra\n  add\n" : "");
  return text;
}

// Runs of work's 100 iterations and of 110: the second does 10 more, 40 instructions.
constexpr int kBaseIterations = 100, kMoreIterations = 110;
const std::uint64_t kWorkBefore = looping_function(kBaseIterations);  // 408
const std::uint64_t kWorkAfter = looping_function(kMoreIterations);   // 448
const std::uint64_t kRunBefore = kWorkBefore + 2 + 5;                 // + other + main: 415
const std::uint64_t kRunAfter = kWorkAfter + 2 + 5;                   // 455

class PerfBaselineCli : public ::testing::Test {
 protected:
  PerfBaselineCli() : dir_("perfbaseline") {
    base_ = record(program(kBaseIterations), "base");
    more_ = record(program(kMoreIterations), "more");
  }
  CliResult pwreplay(const std::vector<std::string>& args) {
    return pwtest::run_binary(PWREPLAY_BINARY, args, "", dir_.dir(), false);
  }
  // Writes [text] as NAME.pwa, records its run as NAME.pwtrace; returns the trace's path.
  std::string record(const std::string& text, const std::string& name, std::vector<std::string> extra_args = {}) {
    const std::string source = dir_.path(name + ".pwa");
    pwtest::write_text_file(source, text);
    const std::string trace = dir_.path(name + ".pwtrace");
    std::vector<std::string> args{"run", source, "--record", trace};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    const CliResult r = pwtest::run_binary(PWVM_BINARY, args, "", dir_.dir(), false);
    EXPECT_EQ(r.code, 0) << r.err;
    return trace;
  }
  json perf_json(const std::vector<std::string>& args, int expected_code = 0) {
    const CliResult r = pwreplay(args);
    EXPECT_EQ(r.code, expected_code) << r.err;
    return json::parse(r.out);
  }
  static const json& function(const json& baseline, const std::string& name) {
    for (const json& f : baseline.at("functions"))
      if (f.at("name") == name) return f;
    static const json none;
    ADD_FAILURE() << "no function " << name << " in " << baseline.dump();
    return none;
  }
  pwtest::ScratchDir dir_;
  std::string base_, more_;
};

TEST_F(PerfBaselineCli, TheCraftedProgramRunsTheInstructionsCounted) {
  const json r = perf_json({"perf", base_, "--json"});
  EXPECT_EQ(r["steps"], kRunBefore);
  for (const json& f : r["functions"]) {
    if (f["name"] == "work") {
      EXPECT_EQ(f["total_steps"], kWorkBefore);
    }
  }
}

TEST_F(PerfBaselineCli, ARunAgainstItselfChangesNothingAndPassesEveryGate) {
  const CliResult text =
      pwreplay({"perf", base_, "--baseline", base_, "--max-regression", "0", "--max-function-regression", "0"});
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_EQ(text.err, "");
  EXPECT_NE(text.out.find("The same program in both runs."), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(fmt::format("  {:<16} {:>16} {:>16} {:>14} {:>9}\n", "instructions", kRunBefore, kRunBefore,
                                      0, "0.0%")),
            std::string::npos)
      << text.out;

  const json r = perf_json(
      {"perf", base_, "--baseline", base_, "--json", "--max-regression", "0", "--max-function-regression", "0"});
  const json& b = r.at("baseline");
  EXPECT_EQ(b["relation"], "same");
  for (const auto& [name, total] : b["totals"].items()) EXPECT_EQ(total["change"], 0) << name;
  ASSERT_EQ(b["functions"].size(), 3u);
  for (const json& f : b["functions"]) {
    EXPECT_EQ(f["in"], "both");
    for (const char* figure : {"self_steps", "total_steps", "calls", "allocations", "allocated_bytes"})
      EXPECT_EQ(f[figure]["change"], 0) << f["name"] << " " << figure;
  }
  ASSERT_EQ(b["gates"].size(), 2u);
  for (const json& g : b["gates"]) {
    EXPECT_TRUE(g["passed"].get<bool>()) << g;
    EXPECT_TRUE(g["over_limit"].empty()) << g;
  }
  EXPECT_TRUE(b["passed"].get<bool>());
}

TEST_F(PerfBaselineCli, TheFunctionThatDidMoreWorkComesFirstWithItsExactDelta) {
  const std::uint64_t delta = (kMoreIterations - kBaseIterations) * kLoopInstructions;  // 40
  const json r = perf_json({"perf", more_, "--baseline", base_, "--json"});
  const json& b = r.at("baseline");
  EXPECT_EQ(b["relation"], "versions");
  EXPECT_EQ(b["totals"]["steps"]["before"], kRunBefore);
  EXPECT_EQ(b["totals"]["steps"]["after"], kRunAfter);
  EXPECT_EQ(b["totals"]["steps"]["change"], delta);
  const json& first = b["functions"][0];
  EXPECT_EQ(first["name"], "work");
  EXPECT_EQ(first["total_steps"]["before"], kWorkBefore);
  EXPECT_EQ(first["total_steps"]["after"], kWorkAfter);
  EXPECT_EQ(first["total_steps"]["change"], delta);
  EXPECT_EQ(first["self_steps"]["change"], delta);
  EXPECT_EQ(first["calls"]["change"], 0);
  // main's total grew as much (work runs inside it), its self steps did not: it comes second.
  EXPECT_EQ(b["functions"][1]["name"], "main");
  EXPECT_EQ(b["functions"][1]["total_steps"]["change"], delta);
  EXPECT_EQ(b["functions"][1]["self_steps"]["change"], 0);

  const CliResult text = pwreplay({"perf", more_, "--baseline", base_});
  EXPECT_EQ(text.code, 0) << text.err;
  const std::size_t table = text.out.find("Functions, by the change in total");
  ASSERT_NE(table, std::string::npos) << text.out;
  const std::size_t row = text.out.find('\n', text.out.find('\n', table) + 1) + 1;  // past the column titles
  const std::string first_row = text.out.substr(row, text.out.find('\n', row) - row);
  EXPECT_EQ(first_row, fmt::format("  {:>14} {:>12} {:>8} {:>14} {:>12} {:>11} {:>9} {:>9} {:>11}  work", kWorkAfter,
                                   "+40", "+9.8%", kWorkAfter, "+40", 1, 0, 0, 0))
      << text.out;
}

TEST_F(PerfBaselineCli, MaxRegressionFailsOnTheRunsTotalAndSaysByHowMuch) {
  // 415 -> 455 is +9.64%.
  const CliResult r = pwreplay({"perf", more_, "--baseline", base_, "--max-regression", "9.5"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.err, fmt::format("pwreplay: perf regression: total instructions +9.6% ({} -> {}), over --max-regression "
                               "9.5\n",
                               kRunBefore, kRunAfter));
  EXPECT_NE(r.out.find("--max-regression 9.5: FAILED: total instructions +9.6%"), std::string::npos) << r.out;

  const json j = perf_json({"perf", more_, "--baseline", base_, "--max-regression", "9.5", "--json"}, 1);
  const json& gate = j["baseline"]["gates"][0];
  EXPECT_EQ(gate["gate"], "max_regression");
  EXPECT_FALSE(gate["passed"].get<bool>());
  EXPECT_EQ(gate["over_limit"][0]["after"], kRunAfter);
  EXPECT_FALSE(j["baseline"]["passed"].get<bool>());

  // Just above the growth, it passes.
  EXPECT_EQ(pwreplay({"perf", more_, "--baseline", base_, "--max-regression", "9.7"}).code, 0);
}

TEST_F(PerfBaselineCli, MaxFunctionRegressionNamesTheFunctionThatGrew) {
  // work: 408 -> 448 is +9.80%; main: 415 -> 455, +9.64%. Between the two only work fails.
  const CliResult one = pwreplay({"perf", more_, "--baseline", base_, "--max-function-regression", "9.7"});
  EXPECT_EQ(one.code, 1) << one.err;
  EXPECT_EQ(one.err, fmt::format("pwreplay: perf regression: function work: total instructions +9.8% ({} -> {}), over "
                                 "--max-function-regression 9.7\n",
                                 kWorkBefore, kWorkAfter));
  // Under both, the one that grew most is named, and the other counted.
  const CliResult two = pwreplay({"perf", more_, "--baseline", base_, "--max-function-regression", "5"});
  EXPECT_EQ(two.code, 1) << two.err;
  EXPECT_EQ(pwtest::count_lines(two.err), 1u) << two.err;
  EXPECT_NE(two.err.find("function work: total instructions +9.8%"), std::string::npos) << two.err;
  EXPECT_NE(two.err.find("(and 1 more function)"), std::string::npos) << two.err;
}

TEST_F(PerfBaselineCli, GenerousThresholdsPass) {
  const CliResult r =
      pwreplay({"perf", more_, "--baseline", base_, "--max-regression", "10", "--max-function-regression", "10"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("--max-regression 10: passed: total instructions +9.6%"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--max-function-regression 10: passed, largest growth function work: total instructions +9.8%"),
            std::string::npos)
      << r.out;
}

TEST_F(PerfBaselineCli, NewAndRenamedFunctionsAreNamedButNotGated) {
  // other renamed helper, and a new function extra of 50 iterations called from main.
  const std::string changed = record(program(kBaseIterations, "helper", 50), "changed");
  const json r = perf_json({"perf", changed, "--baseline", base_, "--json", "--max-function-regression", "0"}, 1);
  const json& b = r.at("baseline");
  EXPECT_EQ(b["relation"], "versions");
  const json& extra = function(b, "extra");
  EXPECT_EQ(extra["in"], "new");
  EXPECT_FALSE(extra["gated"].get<bool>());
  EXPECT_EQ(extra["total_steps"]["after"], looping_function(50));
  EXPECT_TRUE(extra["total_steps"]["percent"].is_null());
  EXPECT_EQ(function(b, "helper")["in"], "new");
  const json& other = function(b, "other");
  EXPECT_EQ(other["in"], "baseline");
  EXPECT_EQ(other["total_steps"]["after"], 0);
  EXPECT_EQ(other["total_steps"]["change"], -2);
  // The new function's cost counts in the run's total and in its caller's, not as its own.
  EXPECT_EQ(b["totals"]["steps"]["change"], looping_function(50) + 2);
  const json& gate = b["gates"][0];
  ASSERT_EQ(gate["over_limit"].size(), 1u) << gate;
  EXPECT_EQ(gate["over_limit"][0]["name"], "main");

  const CliResult text = pwreplay({"perf", changed, "--baseline", base_});
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find(fmt::format("New in this version, counted in the run's total only: extra ({} instructions), "
                                      "helper (2 instructions)\n",
                                      looping_function(50))),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("Not in this version: other\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  extra (new)\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  other (not in this version)\n"), std::string::npos) << text.out;
}

TEST_F(PerfBaselineCli, JsonCarriesTheComparisonBesideTheWholeReport) {
  const json r = perf_json({"perf", more_, "--baseline", base_, "--json"});
  EXPECT_EQ(r["schema"], "pwvm.perf/1.3");
  // The report of the new run, whole.
  EXPECT_EQ(r["steps"], kRunAfter);
  EXPECT_TRUE(r["flame"].is_array() && !r["flame"].empty());
  EXPECT_TRUE(r["functions"].is_array());
  const json& b = r.at("baseline");
  EXPECT_EQ(b["trace"], base_);
  EXPECT_EQ(b["functions_matched"], 3);
  for (const char* key : {"steps", "calls", "tail_calls", "allocations", "allocated_bytes", "collections"})
    EXPECT_TRUE(b["totals"].contains(key)) << key;
  EXPECT_NEAR(b["totals"]["steps"]["percent"].get<double>(), 100.0 * 40 / kRunBefore, 1e-9);
  EXPECT_TRUE(b["gates"].empty());
  EXPECT_TRUE(b["passed"].get<bool>());
  // Without --baseline there is no such field.
  EXPECT_FALSE(perf_json({"perf", more_, "--json"}).contains("baseline"));
}

TEST_F(PerfBaselineCli, HtmlHasTheComparisonSectionWithRegressionsMarked) {
  const std::string page = dir_.path("report.html");
  const CliResult r = pwreplay({"perf", more_, "--baseline", base_, "--html", page, "--max-regression", "1"});
  EXPECT_EQ(r.code, 1) << r.err;
  const std::string html = pwtest::read_text_file(page);
  EXPECT_NE(html.find(R"(<section id="baseline"><h2>Compared with the baseline</h2>)"), std::string::npos);
  EXPECT_NE(html.find(R"(<a href="#baseline">baseline</a>)"), std::string::npos);
  EXPECT_NE(html.find(R"(<tr class="worse"><td><code>work</code></td>)"), std::string::npos);
  EXPECT_NE(html.find(R"(<li class="worse"><b>failed</b> <code>--max-regression 1</code>)"), std::string::npos);
  // The rest of the report is still there.
  EXPECT_NE(html.find(R"(<section id="flame-graph">)"), std::string::npos);

  const std::string plain = dir_.path("plain.html");
  EXPECT_EQ(pwreplay({"perf", more_, "--html", plain}).code, 0);
  EXPECT_EQ(pwtest::read_text_file(plain).find(R"(id="baseline")"), std::string::npos);
}

TEST_F(PerfBaselineCli, AnUnrelatedBaselineIsRefusedInOneLine) {
  const std::string unrelated = record(
      "func square(x)\n  get_local x\n  get_local x\n  mul\n  return\nend\n\n"
      "func cube(x)\n  get_local x\n  call_fn square\n  get_local x\n  mul\n  return\nend\n\n"
      "func main()\n  push 7\n  call_fn cube\n  host print\n  return\nend\n",
      "unrelated");
  const CliResult r = pwreplay({"perf", more_, "--baseline", unrelated, "--max-regression", "5"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(pwtest::count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(more_ + " cannot be compared with the baseline " + unrelated + ": "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("no function in common"), std::string::npos) << r.err;
}

TEST_F(PerfBaselineCli, OptionsThatNeedOneRunOrABaselineAreRefused) {
  const CliResult window = pwreplay({"perf", more_, "--baseline", base_, "--from", "10"});
  EXPECT_EQ(window.code, 2);
  EXPECT_EQ(window.err,
            "pwreplay: error: --from and --to select steps of one run: with --baseline both runs are compared whole\n");
  const CliResult gate = pwreplay({"perf", more_, "--max-regression", "5"});
  EXPECT_EQ(gate.code, 2);
  EXPECT_EQ(pwtest::count_lines(gate.err), 1u) << gate.err;
  EXPECT_NE(gate.err.find("--max-regression requires --baseline"), std::string::npos) << gate.err;
  const CliResult negative = pwreplay({"perf", more_, "--baseline", base_, "--max-function-regression", "-1"});
  EXPECT_EQ(negative.code, 2);

  const std::string windowed = record(program(5000), "windowed", {"--record-last", "1000"});
  const CliResult last = pwreplay({"perf", more_, "--baseline", windowed});
  EXPECT_EQ(last.code, 2);
  EXPECT_EQ(last.err, "pwreplay: error: " + windowed +
                          " holds only the end of its run (--record-last): a comparison needs both runs whole\n");
}

class ContentKeyCli : public ::testing::Test {
 protected:
  ContentKeyCli() : dir_("contentkey") {}
  // Records `pwvm run ARGS` into NAME.pwtrace and returns its `info --json`.
  json recorded(const std::string& name, std::vector<std::string> args) {
    const std::string trace = dir_.path(name + ".pwtrace");
    // The program's arguments, after "--", stay last.
    args.insert(args.begin(), {"run", "--record", trace});
    const CliResult run = pwtest::run_binary(PWVM_BINARY, args, "", dir_.dir(), false);
    EXPECT_EQ(run.code, 0) << run.err;
    const CliResult info = pwtest::run_binary(PWREPLAY_BINARY, {"info", trace, "--json"}, "", dir_.dir(), false);
    EXPECT_EQ(info.code, 0) << info.err;
    const json j = json::parse(info.out);
    EXPECT_EQ(j["schema"], "pwvm.info/1.2");
    EXPECT_EQ(j["content_key"].get<std::string>().size(), 32u);
    EXPECT_EQ(j["program_key"].get<std::string>().size(), 32u);
    const CliResult text = pwtest::run_binary(PWREPLAY_BINARY, {"info", trace}, "", dir_.dir(), false);
    EXPECT_NE(text.out.find(fmt::format("content key:   {} (program key {})\n", j["content_key"].get<std::string>(),
                                        j["program_key"].get<std::string>())),
              std::string::npos)
        << text.out;
    return j;
  }
  static std::string example(const std::string& name) { return std::string(EXAMPLES_DIR) + "/" + name + ".pwa"; }
  pwtest::ScratchDir dir_;
};

TEST_F(ContentKeyCli, TheSameRunRecordedTwiceHasOneKey) {
  // Collections (whose recorded pauses differ run to run) and snapshots at other steps.
  const json a = recorded("a", {example("lists"), "--snapshot-interval", "20000"});
  const json b = recorded("b", {example("lists"), "--snapshot-interval", "70000"});
  EXPECT_NE(a["snapshots"], b["snapshots"]);
  EXPECT_EQ(a["content_key"], b["content_key"]);
  EXPECT_EQ(a["program_key"], b["program_key"]);
  // Random numbers recorded from the same seed.
  const json r1 = recorded("r1", {example("random_walk"), "--allow", "random", "--seed", "7"});
  const json r2 =
      recorded("r2", {example("random_walk"), "--allow", "random", "--seed", "7", "--snapshot-interval", "3000"});
  EXPECT_EQ(r1["content_key"], r2["content_key"]);
}

TEST_F(ContentKeyCli, AnotherSeedArgumentsOrProgramGiveAnotherKey) {
  const json seed1 = recorded("seed1", {example("random_walk"), "--allow", "random", "--seed", "1"});
  const json seed2 = recorded("seed2", {example("random_walk"), "--allow", "random", "--seed", "2"});
  EXPECT_NE(seed1["content_key"], seed2["content_key"]);
  EXPECT_EQ(seed1["program_key"], seed2["program_key"]);

  const json args1 = recorded("args1", {example("hello"), "--", "one"});
  const json args2 = recorded("args2", {example("hello"), "--", "two"});
  EXPECT_NE(args1["content_key"], args2["content_key"]);

  const json limited = recorded("limited", {example("hello"), "--max-heap", "100000000", "--", "one"});
  EXPECT_NE(limited["content_key"], args1["content_key"]);

  const json other = recorded("other", {example("factorial")});
  EXPECT_NE(other["program_key"], args1["program_key"]);
  EXPECT_NE(other["content_key"], args1["content_key"]);
}

}  // namespace
