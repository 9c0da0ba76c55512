// pwreplay state, verify, watch, last-write and calls end to end with the built binaries:
// a trace recorded by `pwvm run --record` replays to exactly what `pwvm run --stop-at N
// --dump-state -` prints, and bad input gets one line on stderr and exit code 2.
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "trace_test_util.h"

namespace {

using pwtest::CliResult;

class ReplayCli : public ::testing::Test {
 protected:
  ReplayCli() : dir_("replaycli") {}
  CliResult pwvm(const std::vector<std::string>& args) { return pwtest::run_binary(PWVM_BINARY, args, "", dir_.dir(), false); }
  CliResult pwreplay(const std::vector<std::string>& args) {
    return pwtest::run_binary(PWREPLAY_BINARY, args, "", dir_.dir(), false);
  }
  // Records examples/NAME with pwvm; returns the trace's path.
  std::string record(const std::string& name, std::vector<std::string> extra = {}) {
    const std::string trace = dir_.path(name + ".pwtrace");
    std::vector<std::string> args = {"run", example(name), "--record", trace, "--snapshot-interval", "700"};
    args.insert(args.end(), extra.begin(), extra.end());
    const CliResult r = pwvm(args);
    EXPECT_TRUE(r.code == 0 || r.code == 1) << r.err;
    return trace;
  }
  static std::string example(const std::string& name) { return std::string(EXAMPLES_DIR) + "/" + name + ".pwa"; }
  pwtest::ScratchDir dir_;
};

TEST_F(ReplayCli, StateIsWhatTheLiveRunDumps) {
  for (const std::string name : {"inventory", "exceptions", "closures"}) {
    SCOPED_TRACE(name);
    const std::string trace = record(name);
    const nlohmann::json info = nlohmann::json::parse(pwreplay({"info", trace, "--json"}).out);
    const std::uint64_t steps = info["outcome"]["steps"].get<std::uint64_t>();
    for (std::uint64_t at : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{700}, std::uint64_t{701}, steps / 2, steps}) {
      SCOPED_TRACE(at);
      if (at > steps) continue;
      const CliResult live = pwvm({"run", example(name), "--stop-at", std::to_string(at), "--dump-state", "-"});
      const CliResult replay = pwreplay({"state", trace, "--at", std::to_string(at)});
      ASSERT_EQ(replay.code, 0) << replay.err;
      // The live run's stdout is the dump alone (the program's output goes to stderr).
      EXPECT_TRUE(pwtest::same_text(live.out, replay.out));
    }
  }
}

TEST_F(ReplayCli, StateAtEndOfAFailedRunIsTheFailure) {
  const std::string trace = dir_.path("inv.pwtrace");
  const CliResult rec = pwvm({"run", example("inventory"), "--record-on-failure", trace});
  ASSERT_EQ(rec.code, 1);
  const CliResult end = pwreplay({"state", trace, "--at", "end"});
  ASSERT_EQ(end.code, 0) << end.err;
  const auto j = nlohmann::json::parse(end.out);
  EXPECT_EQ(j["status"], "failed");
  const CliResult live = pwvm({"run", example("inventory"), "--dump-state", "-"});
  EXPECT_TRUE(pwtest::same_text(live.out, end.out));
}

// The number after [pattern]'s group in [text] (0 when it is not there, which no end step is).
std::uint64_t number_in(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? std::stoull(m[1].str()) : 0;
}

// A failed run ends at one step in every report: the instructions it executed, the failing
// one included, as executed_steps() counts them and the replay numbers positions.
TEST_F(ReplayCli, AFailedRunEndsAtTheSameStepInEveryReport) {
  pw::ScriptedHost host;
  pw::VmState vm(pw::load_program(example("uncaught")), pwtest::default_config(), &host);
  ASSERT_EQ(pw::run(vm), pw::RunStatus::Failed);
  const std::uint64_t end = pw::executed_steps(vm);
  ASSERT_EQ(end, vm.step + 1);  // the throw that found no handler counts

  const std::string trace = dir_.path("u.pwtrace");
  const CliResult run = pwvm({"run", example("uncaught"), "--record", trace, "--stats"});
  ASSERT_EQ(run.code, 1) << run.err;
  std::map<std::string, std::uint64_t> reported;
  reported["error report"] = number_in(run.err, R"(state: step (\d+),)");
  reported["run --stats"] = number_in(run.err, R"(\nsteps: +(\d+)\n)");
  reported["info"] = number_in(pwreplay({"info", trace}).out, R"(\nsteps: +(\d+)\n)");
  const auto info = nlohmann::json::parse(pwreplay({"info", trace, "--json"}).out);
  reported["info --json steps"] = info["steps"];
  reported["info --json outcome"] = info["outcome"]["steps"];
  reported["info --json error"] = info["outcome"]["error"]["step"];
  reported["state --at end"] = nlohmann::json::parse(pwreplay({"state", trace, "--at", "end"}).out)["step"];
  reported["live dump"] = nlohmann::json::parse(pwvm({"run", example("uncaught"), "--dump-state", "-"}).out)["step"];
  reported["verify"] = number_in(pwreplay({"verify", trace}).out, R"(: (\d+) steps, )");
  reported["verify --json"] = nlohmann::json::parse(pwreplay({"verify", trace, "--json"}).out)["steps"];
  const auto perf = nlohmann::json::parse(pwreplay({"perf", trace, "--json"}).out);
  reported["perf --json to"] = perf["to"];
  reported["perf --json steps"] = perf["steps"];
  const std::string debug = pwreplay({"debug", trace, "--at", "end", "--batch", "-ex", "info program"}).out;
  reported["debug banner"] = number_in(debug, R"(: (\d+) steps, failed)");
  reported["debug position"] = number_in(debug, R"(\[step (\d+)\])");
  const std::string live = pwvm({"debug", example("uncaught"), "--batch", "-ex", "goto end"}).out;
  reported["live debug"] = number_in(live, R"(\[step (\d+)\] check_port)");
  for (const auto& [where, step] : reported) EXPECT_EQ(step, end) << where;
}

TEST_F(ReplayCli, LastWriteFindsTheCulpritOfTheInventoryFailure) {
  const std::string trace = dir_.path("inv.pwtrace");
  ASSERT_EQ(pwvm({"run", example("inventory"), "--record-on-failure", trace}).code, 1);
  const CliResult text = pwreplay({"last-write", trace, "reorder_qty[6]", "--before", "end"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("by array_set at load_supplier_sheet+"), std::string::npos) << text.out;
  const CliResult json = pwreplay({"last-write", trace, "reorder_qty[6]", "--before", "end", "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["found"], true);
  EXPECT_EQ(j["write"]["by"]["function"], "load_supplier_sheet");
  EXPECT_EQ(j["write"]["new"], (nlohmann::json{{"type", "nil"}}));
  const std::uint64_t by = j["write"]["by"]["step"].get<std::uint64_t>();
  // The state just after it holds the nil; the state at the failure still does.
  const auto after = nlohmann::json::parse(pwreplay({"state", trace, "--at", std::to_string(by + 1)}).out);
  EXPECT_EQ(after["step"], by + 1);
}

TEST_F(ReplayCli, VerifyPassesOnAGoodTraceAndCountsWhatItChecked) {
  const std::string trace = record("factorial");
  const CliResult r = pwreplay({"verify", trace});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("match the recording"), std::string::npos);
  const auto j = nlohmann::json::parse(pwreplay({"verify", trace, "--json"}).out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_GT(j["snapshots"].get<int>(), 2);
  EXPECT_GT(j["steps"].get<int>(), 1000);
}

TEST_F(ReplayCli, VerifyReportsADivergenceAndFails) {
  // A trace of one program with the header (the program) of another: a different build.
  const std::string a = dir_.path("a.pwa");
  const std::string b = dir_.path("b.pwa");
  const std::string body = "global x\nfunc main()\n  local i\n  push 0\n  set_local i\n  push %\n  set_global x\nloop:\n  inc_local i 1\n"
                           "  get_local i\n  push 5000\n  lt\n  jump_if_true loop\n  get_global x\n  halt\nend\n";
  std::string sa = body, sb = body;
  sa[sa.find('%')] = '1';
  sb[sb.find('%')] = '2';
  pwtest::write_text_file(a, sa);
  pwtest::write_text_file(b, sb);
  ASSERT_EQ(pwvm({"run", a, "--record", dir_.path("a.pwtrace"), "--snapshot-interval", "1000"}).code, 0);
  ASSERT_EQ(pwvm({"run", b, "--record", dir_.path("b.pwtrace"), "--snapshot-interval", "1000"}).code, 0);
  const std::string ta = pwtest::read_text_file(dir_.path("a.pwtrace"));
  const std::string tb = pwtest::read_text_file(dir_.path("b.pwtrace"));
  pwtest::write_text_file(dir_.path("mixed.pwtrace"), pwtest::with_header_of(ta, tb));
  const CliResult r = pwreplay({"verify", dir_.path("mixed.pwtrace")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(pwtest::count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("divergence at step 1000: the state differs from snapshot 1: global 'x' is int 2 in the replay but int 1 in the recording"),
            std::string::npos)
      << r.err;
  const CliResult j = pwreplay({"verify", dir_.path("mixed.pwtrace"), "--json"});
  EXPECT_EQ(j.code, 1);
  EXPECT_EQ(nlohmann::json::parse(j.out)["divergence"]["step"], 1000);
}

TEST_F(ReplayCli, WatchListsEveryChangeInTextAndJson) {
  const std::string trace = record("inventory");
  const CliResult text = pwreplay({"watch", trace, "restocks"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_EQ(text.out.rfind("restocks = 0 at step 0\n", 0), 0u) << text.out;
  EXPECT_NE(text.out.find(": 0 -> 1   by set_global restocks at restock+"), std::string::npos) << text.out;
  const auto j = nlohmann::json::parse(pwreplay({"watch", trace, "restocks", "--json"}).out);
  ASSERT_FALSE(j["changes"].empty());
  std::int64_t previous = 0;
  for (const auto& c : j["changes"]) {
    EXPECT_EQ(c["old"]["value"].get<std::int64_t>(), previous);
    previous = c["new"]["value"].get<std::int64_t>();
    EXPECT_EQ(c["by"]["step"].get<std::uint64_t>() + 1, c["step"].get<std::uint64_t>());
  }
  EXPECT_NE(text.out.find(std::to_string(j["changes"].size()) + " changes in steps 0.."), std::string::npos);
  // A window sees only its changes.
  const auto w = nlohmann::json::parse(pwreplay({"watch", trace, "restocks", "--from", "3000", "--to", "6000", "--json"}).out);
  for (const auto& c : w["changes"]) EXPECT_TRUE(c["step"] > 3000 && c["step"] <= 6000);
}

TEST_F(ReplayCli, CallsListsArgumentsAndResults) {
  const std::string trace = record("factorial");
  const auto j = nlohmann::json::parse(pwreplay({"calls", trace, "fact", "--json"}).out);
  ASSERT_FALSE(j["calls"].empty());
  const auto& first = j["calls"][0];
  EXPECT_EQ(first["ending"], "returned");
  EXPECT_EQ(first["arguments"].size(), 1u);
  const CliResult text = pwreplay({"calls", trace, "fact"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("fact(1) -> 1"), std::string::npos) << text.out.substr(0, 400);
  EXPECT_NE(text.out.find(" calls of fact in steps 0.."), std::string::npos);
}

// Traces of earlier format versions replay and verify too.
TEST_F(ReplayCli, EveryCommittedTraceVerifies) {
  std::size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(TRACES_DIR)) {
    if (entry.path().extension() != ".pwtrace") continue;
    ++seen;
    SCOPED_TRACE(entry.path().filename().string());
    const CliResult r = pwreplay({"verify", entry.path().string()});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("match the recording"), std::string::npos);
    const CliResult end = pwreplay({"state", entry.path().string(), "--at", "end"});
    EXPECT_EQ(end.code, 0) << end.err;
  }
  EXPECT_GE(seen, 5u);
}

// A killed recorder leaves a trace cut anywhere: it replays up to its last whole chunk.
TEST_F(ReplayCli, ATruncatedTraceReplaysUpToItsLastWholeChunk) {
  const std::string full = dir_.path("full.pwtrace");
  ASSERT_EQ(pwvm({"run", example("fibonacci"), "--record", full, "--snapshot-interval", "100000"}).code, 0);
  const std::string bytes = pwtest::read_text_file(full);
  const std::string cut = dir_.path("cut.pwtrace");
  pwtest::write_text_file(cut, bytes.substr(0, bytes.size() * 2 / 3));
  const CliResult end = pwreplay({"state", cut, "--at", "end"});
  ASSERT_EQ(end.code, 0) << end.err;
  const std::uint64_t step = nlohmann::json::parse(end.out)["step"].get<std::uint64_t>();
  EXPECT_GT(step, 0u);
  const CliResult live = pwvm({"run", example("fibonacci"), "--stop-at", std::to_string(step), "--dump-state", "-"});
  EXPECT_TRUE(pwtest::same_text(live.out, end.out));
}

// A killed recorder stops between two frames or in the middle of one: either way verify
// checks what is there, says the trace is incomplete and exits 0, the torn last frame left
// out. Damage that is not a torn tail is an error (exit 2).
TEST_F(ReplayCli, VerifyTreatsACutInsideTheLastFrameAsACutBetweenFrames) {
  const std::string full = dir_.path("full.pwtrace");
  ASSERT_EQ(pwvm({"run", example("fibonacci"), "--record", full, "--snapshot-interval", "100000"}).code, 0);
  const std::string bytes = pwtest::read_text_file(full);
  // A chunk of events half way through the file: cut just before it, or inside it.
  std::vector<pwtest::FrameSpan> chunks;
  for (const auto& f : pwtest::frame_spans(bytes))
    if (f.kind == pw::trace::RecordKind::EventChunk) chunks.push_back(f);
  ASSERT_GE(chunks.size(), 3u);
  const pwtest::FrameSpan& victim = chunks[chunks.size() / 2];
  const std::string between = dir_.path("between.pwtrace");
  const std::string inside = dir_.path("inside.pwtrace");
  const std::string in_header = dir_.path("in_header.pwtrace");
  pwtest::write_text_file(between, bytes.substr(0, victim.offset));
  pwtest::write_text_file(inside, bytes.substr(0, victim.payload_offset + victim.payload_bytes / 2));
  pwtest::write_text_file(in_header, bytes.substr(0, victim.offset + 5));

  const CliResult b = pwreplay({"verify", between});
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(b.err, "");
  EXPECT_NE(b.out.find("verified"), std::string::npos) << b.out;
  EXPECT_NE(b.out.find("note: the trace is incomplete"), std::string::npos) << b.out;
  const auto bj = nlohmann::json::parse(pwreplay({"verify", between, "--json"}).out);
  EXPECT_EQ(bj["ok"], true);
  EXPECT_EQ(bj["complete"], false);
  EXPECT_EQ(bj["torn_tail"], false);
  for (const std::string& cut : {inside, in_header}) {
    SCOPED_TRACE(cut);
    const CliResult c = pwreplay({"verify", cut});
    EXPECT_EQ(c.code, 0) << c.err;
    EXPECT_EQ(c.err, "");
    EXPECT_NE(c.out.find("note: the trace is incomplete"), std::string::npos) << c.out;
    const CliResult cjson = pwreplay({"verify", cut, "--json"});
    EXPECT_EQ(cjson.code, 0) << cjson.err;
    const auto cj = nlohmann::json::parse(cjson.out);
    EXPECT_EQ(cj["ok"], true);
    EXPECT_EQ(cj["complete"], false);
    EXPECT_EQ(cj["torn_tail"], true);
    EXPECT_FALSE(cj.contains("damage"));
    // The torn frame is left out: what is verified is what the cut between frames holds.
    EXPECT_EQ(cj["steps"], bj["steps"]);
    EXPECT_EQ(cj["events"], bj["events"]);
  }

  // Real damage: a payload byte changed in a frame before the end (a checksum mismatch),
  // or in the last frame of a cut trace, whose length is whole.
  std::string flipped = bytes;
  flipped[chunks[1].payload_offset + chunks[1].payload_bytes / 2] ^= 0x20;
  std::string last_flipped = bytes.substr(0, victim.end());
  last_flipped[victim.payload_offset + victim.payload_bytes / 2] ^= 0x20;
  for (const auto& [name, damaged] : {std::pair{"flipped", flipped}, std::pair{"last_flipped", last_flipped}}) {
    SCOPED_TRACE(name);
    const std::string path = dir_.path(std::string(name) + ".pwtrace");
    pwtest::write_text_file(path, damaged);
    const CliResult d = pwreplay({"verify", path});
    EXPECT_EQ(d.code, 2);
    EXPECT_EQ(pwtest::count_lines(d.err), 1u) << d.err;
    EXPECT_NE(d.err.find("checksum mismatch"), std::string::npos) << d.err;
    const CliResult djson = pwreplay({"verify", path, "--json"});
    EXPECT_EQ(djson.code, 2);
    const auto dj = nlohmann::json::parse(djson.out);
    EXPECT_EQ(dj["ok"], false);
    EXPECT_EQ(dj["torn_tail"], false);
    EXPECT_NE(dj["damage"].get<std::string>().find("checksum mismatch"), std::string::npos);
  }
}

TEST_F(ReplayCli, BadInputGetsOneLineAndExitCode2) {
  const std::string trace = record("hello");
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"state", trace, "--at", "999999"}, "past the end of the run"},
      {{"state", trace, "--at", "soon"}, "not a step number"},
      {{"state", dir_.path("missing.pwtrace"), "--at", "0"}, "missing.pwtrace"},
      {{"watch", trace, "x +"}, "expression"},
      {{"watch", trace, "no_such_name"}, "no_such_name"},
      {{"watch", trace, "$step", "--from", "4", "--to", "3"}, "not within the run"},
      {{"last-write", trace, "(", "--before", "end"}, "expression"},
      {{"calls", trace, "nope"}, "no function named 'nope'"},
      {{"verify"}, "trace"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args[0] + " " + (c.args.size() > 2 ? c.args[2] : ""));
    const CliResult r = pwreplay(c.args);
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(pwtest::count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
}

}  // namespace
