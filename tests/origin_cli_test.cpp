// pwreplay origin and the debugger's origin command, through the built binaries: the
// inventory examples' nil followed back to the end of the supplier sheet (.pwa and .pwl),
// JSON for programs, the depth bound and how to go on, bad places and traces.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "debugger_cli_fixture.h"

namespace {

using pwdebugtest::DebuggerCli;
using pwdebugtest::expect_lines_in_order;
using pwtest::CliResult;

// [text] holds [parts] in this order.
void expect_in_order(const std::string& text, const std::vector<std::string>& parts) {
  std::size_t from = 0;
  for (const std::string& part : parts) {
    const std::size_t at = text.find(part, from);
    if (at == std::string::npos) {
      ADD_FAILURE() << "missing, or out of order: \"" << part << "\"\nin:\n" << text;
      return;
    }
    from = at + part.size();
  }
}

std::size_t lines_of(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

class OriginCli : public ::testing::Test {
 protected:
  OriginCli() : dir_("origincli") {}
  CliResult pwvm(const std::vector<std::string>& args) {
    return pwtest::run_binary(PWVM_BINARY, args, "", dir_.dir(), false);
  }
  CliResult pwreplay(const std::vector<std::string>& args) {
    return pwtest::run_binary(PWREPLAY_BINARY, args, "", dir_.dir(), false);
  }
  static std::string example(const std::string& name) { return std::string(EXAMPLES_DIR) + "/" + name; }
  // The example recorded; it fails with a TypeError by design.
  std::string record(const std::string& name) {
    const std::string trace = dir_.path(name + ".pwtrace");
    const CliResult r = pwvm({"run", example(name), "--record", trace});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("TypeError: mul expects numbers"), std::string::npos) << r.err;
    return trace;
  }
  pwtest::ScratchDir dir_;
};

TEST_F(OriginCli, TheInventoryNilComesFromTheEndOfTheSupplierSheet) {
  const std::string trace = record("inventory.pwa");
  const CliResult r = pwreplay({"origin", trace, "reorder_qty[6]", "--at", "end"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string file = example("inventory.pwa");
  expect_lines_in_order(
      r.out, {"reorder_qty[6] is nil at step 10850. It came from:",
              "step 764  load_supplier_sheet (" + file + ":203)  array_set -> nil   stored into reorder_qty[6]",
              "step 763  lookup (" + file + ":183)  return -> nil   returned by lookup",
              "step 762  lookup (" + file + ":182)  nil -> nil   constant, on the path the branch at step 761 chose",
              "step 761  lookup (" + file + ":164)  jump_if_false missing -> nil   the branch jumped, on this value",
              "step 760  lookup (" + file +
                  ":163)  get_local alist -> nil   loaded from local alist, written at step "
                  "758 by set_local alist"});
  // The nil at the end of the list: the cdr of its last pair, made by cons from the nil
  // supplier_sheet starts the list with, passed to sheet_entry as its argument.
  expect_in_order(r.out, {"  cdr -> nil   read from pair#", ".cdr, made at step 165 by cons in sheet_entry (" + file,
                          "step 164  sheet_entry (" + file +
                              ":128)  get_local sheet -> nil   loaded from local sheet: "
                              "argument 0 of the call at step 160, call_fn sheet_entry in supplier_sheet",
                          "step 157  supplier_sheet (" + file + ":134)  nil -> nil   constant\n"});
  EXPECT_EQ(r.out.find("..."), std::string::npos) << r.out;  // no bound reached
  EXPECT_EQ(lines_of(r.out), 9u) << r.out;
}

TEST_F(OriginCli, TheLispInventorysFalseComesFromTheEndOfItsSupplierSheet) {
  const std::string trace = record("inventory.pwl");
  const CliResult r = pwreplay({"origin", trace, "reorder-qty[6]", "--at", "end"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string file = example("inventory.pwl");
  // Source names and positions, the language's values; lookup's #f is chosen by an `if`
  // on what the prelude's assq returned, which is #f because the list ended: its last cdr.
  expect_in_order(r.out, {"reorder-qty[6] is #f at step ",
                          ". It came from:\n",
                          "  load-supplier-sheet (" + file + ":71:5)  array_set -> #f   stored into reorder-qty[6]\n",
                          "  lookup (" + file + ":66:27)  return -> #f   returned by lookup\n",
                          "  lookup (" + file + ":66:27)  false -> #f   constant, on the path the branch at step",
                          "jump_if_true L1 -> #t   the branch jumped, on this value\n",
                          "eq -> #t   computed from its operands\n",
                          "  - step ",
                          "get_local _entry -> #f   loaded from local entry, written at step",
                          "  assq (library)  return -> #f   returned by assq\n",
                          "  assq (library)  false -> #f   constant, on the path the branch at step",
                          "jump_if_false L1 -> #t   the branch fell through, on this value\n",
                          "is nil -> #t",
                          "get_local l -> ()   loaded from local l: argument 1 of the tail call at step",
                          "cdr -> ()   read from pair#",
                          ", made at step",
                          "by cons in supplier-sheet (" + file + ":55:3)\n",
                          "  supplier-sheet (" + file + ":55:3)  nil -> ()   constant\n",
                          "  - step ",
                          "  lookup (" + file + ":66:9)  false -> #f   constant\n"});
  EXPECT_EQ(r.out.find("..."), std::string::npos) << r.out;
}

TEST_F(OriginCli, JsonIsOneObjectWithTheChainAsATree) {
  const std::string trace = record("inventory.pwa");
  const CliResult r = pwreplay({"origin", trace, "reorder_qty[6]", "--at", "end", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(lines_of(r.out), 1u);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "pwvm.origin/1.0");
  EXPECT_EQ(j["place"], "reorder_qty[6]");
  EXPECT_EQ(j["at"], 10850);
  EXPECT_EQ(j["value"], (nlohmann::json{{"type", "nil"}}));
  EXPECT_EQ(j["bounded"], false);
  // A flat list, depth first: each link names its parent and the links under it.
  const nlohmann::json& links = j["links"];
  std::vector<std::string> kinds;
  for (std::size_t i = 0; i < links.size(); ++i) {
    const nlohmann::json& link = links[i];
    kinds.push_back(link["kind"]);
    EXPECT_EQ(link["id"], i);
    EXPECT_EQ(link.contains("parent"), i > 0);
    if (i > 0) {
      EXPECT_EQ(link["parent"], i - 1);
    }
    EXPECT_EQ(link["from"], i + 1 < links.size() ? nlohmann::json::array({i + 1}) : nlohmann::json::array());
    for (const char* field : {"step", "function", "file", "line", "instruction", "value", "note"})
      EXPECT_TRUE(link.contains(field)) << field << " in " << link.dump();
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"stored", "returned", "constant", "branch", "loaded", "read", "loaded",
                                             "constant"}));
  EXPECT_EQ(links.back()["function"], "supplier_sheet");
  EXPECT_EQ(links.back()["instruction"], "nil");
  EXPECT_EQ(links[4]["written_at"], 758);
  EXPECT_EQ(links[4]["place"], "local alist");
}

TEST_F(OriginCli, TheDepthBoundSaysHowToGoOnAndThatGoesOn) {
  const std::string trace = record("inventory.pwa");
  const CliResult r = pwreplay({"origin", trace, "reorder_qty[6]", "--at", "end", "--depth", "3"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out), 5u) << r.out;
  const std::string hint = "... (--depth 3 reached; origin 761 '$stack[10]' to go on)\n";
  ASSERT_NE(r.out.find(hint), std::string::npos) << r.out;
  // The hint's place at its step: the branch's condition, loaded from alist.
  const CliResult next = pwreplay({"origin", trace, "$stack[10]", "--at", "761", "--depth", "2"});
  ASSERT_EQ(next.code, 0) << next.err;
  expect_in_order(next.out, {"$stack[10] is nil at step 761. It came from:\n", "get_local alist -> nil", "cdr -> nil",
                             "(--depth 2 reached; origin 757 '#24.cdr' to go on)"});
  const CliResult json = pwreplay({"origin", trace, "reorder_qty[6]", "--at", "end", "--depth", "3", "--json"});
  const nlohmann::json j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["bounded"], true);
  EXPECT_EQ(j["depth"], 3);
  EXPECT_EQ(j["links"][2]["go_on"], nlohmann::json::parse(R"([{"step":761,"place":"$stack[10]"}])"));
  // Out of range, refused by the flag's check.
  EXPECT_EQ(pwreplay({"origin", trace, "seed", "--at", "end", "--depth", "0"}).code, 2);
}

TEST_F(OriginCli, BadPlacesStepsAndTracesGetOneLineAndExitTwo) {
  const std::string trace = record("inventory.pwa");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"nosuch", "--at", "end"},
       "pwreplay: error: expression 'nosuch': no global, local or capture is named 'nosuch' at column 1\n"},
      {{"reorder_qty[99]", "--at", "end"},
       "pwreplay: error: reorder_qty[99] has no value at step 10850: index 99 is out of range for an array of 7\n"},
      {{"nosuchfn::x", "--at", "end"},
       "pwreplay: error: expression 'nosuchfn::x': no function is named 'nosuchfn' at column 1\n"},
      {{"lookup::alist", "--at", "end"},
       "pwreplay: error: lookup::alist has no value at step 10850: no active frame of lookup\n"},
      {{"revenue + 1", "--at", "end"},
       "pwreplay: error: revenue + 1 is not a place: origin follows a global, a local, an array item, a pair's car or "
       "cdr, "
       "or a value-stack slot\n"},
      {{"seed", "--at", "soon"}, "pwreplay: error: --at: 'soon' is not a step number, 'start' or 'end'\n"},
      {{"seed", "--at", "20000"}, "pwreplay: error: --at: step 20000 is past the end of the run (the last is 10850)\n"},
  };
  for (const auto& [args, err] : cases) {
    std::vector<std::string> all = {"origin", trace};
    all.insert(all.end(), args.begin(), args.end());
    const CliResult r = pwreplay(all);
    EXPECT_EQ(r.code, 2) << args[0];
    EXPECT_EQ(r.out, "") << args[0];
    EXPECT_EQ(r.err, err) << args[0];
  }
  // Not a trace, and a trace cut short inside its header.
  const std::string junk = dir_.path("junk.pwtrace");
  pwtest::write_text_file(junk, "not a trace at all, just some text\n");
  const std::string cut = dir_.path("cut.pwtrace");
  pwtest::write_text_file(cut, pwtest::read_text_file(trace).substr(0, 40));
  for (const std::string& bad : {junk, cut}) {
    const CliResult r = pwreplay({"origin", bad, "seed", "--at", "end"});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(lines_of(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("pwreplay: error: ", 0), 0u) << r.err;
  }
}

// The debugger's origin, in a live run (pwvm debug) and on its recording (pwreplay debug):
// the same chain, from the place in the selected frame, and the session stays where it is.
TEST_F(DebuggerCli, OriginFollowsTheInventoryNilInBothBackEnds) {
  const std::string script =
      "origin qty\nup\norigin qty\norigin --depth 2 reorder_qty[6]\norigin 761 $stack[10]\nwhen\norigin\n"
      "origin nosuch\nhelp origin\n";
  const auto [live, replay] = both(example("inventory"), script, "end", {"continue"});
  EXPECT_EQ(live.code, 1) << live.err;  // the last commands fail (and say so)
  EXPECT_EQ(replay.code, 1) << replay.err;
  const std::string file = example("inventory");
  for (const CliResult* r : {&live, &replay}) {
    expect_lines_in_order(
        r->out, {"(pwdb) origin qty", "qty is nil at step 10850. It came from:",
                 "step 10844  restock (" + file +
                     ":297)  call_fn purchase_cost -> nil   passed as argument 1 (qty) of purchase_cost",
                 "step 10843  restock (" + file +
                     ":296)  get_local qty -> nil   loaded from local qty, written at step 10840 by "
                     "set_local qty",
                 "step 157  supplier_sheet (" + file + ":134)  nil -> nil   constant", "(pwdb) up",
                 // restock's own qty: its store is the first link.
                 "(pwdb) origin qty", "qty is nil at step 10850. It came from:",
                 "step 10840  restock (" + file + ":293)  set_local qty -> nil   stored into qty",
                 "(pwdb) origin --depth 2 reorder_qty[6]",
                 "step 764  load_supplier_sheet (" + file + ":203)  array_set -> nil   stored into reorder_qty[6]",
                 "... (--depth 2 reached; origin 763 $stack[10] to go on)", "(pwdb) origin 761 $stack[10]",
                 "$stack[10] is nil at step 761. It came from:", "(pwdb) when", "Current step: 10850 of 10850",
                 "(pwdb) origin", "(pwdb) origin nosuch", "(pwdb) help origin", "origin [--depth N] [STEP] PLACE"});
    EXPECT_NE(r->err.find("\"origin\" needs a place"), std::string::npos) << r->err;
    EXPECT_NE(r->err.find("expression 'nosuch': no global, local or capture is named 'nosuch'"), std::string::npos)
        << r->err;
  }
  EXPECT_EQ(pwdebugtest::without_back_end_lines(live.out.substr(live.out.find("(pwdb) origin qty"))),
            pwdebugtest::without_back_end_lines(replay.out.substr(replay.out.find("(pwdb) origin qty"))));
}

TEST_F(DebuggerCli, OriginSpeaksTheSourceOfALispProgramInBothBackEnds) {
  const std::string program = std::string(EXAMPLES_DIR) + "/inventory.pwl";
  const auto [live, replay] = both(program, "origin reorder-qty[6]\n", "end", {"continue"});
  EXPECT_EQ(live.code, 0) << live.err;
  EXPECT_EQ(replay.code, 0) << replay.err;
  for (const CliResult* r : {&live, &replay}) {
    expect_in_order(r->out, {"reorder-qty[6] is #f at step ", "array_set -> #f   stored into reorder-qty[6]\n",
                             "assq (library)  return -> #f   returned by assq\n",
                             "supplier-sheet (" + program + ":55:3)  nil -> ()   constant\n"});
  }
}

// A value set with `set var` in a live session came from no instruction: the chain says so.
TEST_F(DebuggerCli, OriginSaysWhereALiveSessionsDebuggerSetAValue) {
  const std::string program = dir_.path("set.pwa");
  pwtest::write_text_file(program, R"(global total = 0
func main()
  local x
  push 5
  set_local x
  push 1
  set_global total
  get_local x
  push 2
  add
  set_global total
  get_global total
  halt
end
)");
  const CliResult r =
      pwvm({"debug", program, "--batch", "-ex", "stepi 2", "-ex", "set var x = 8", "-ex", "stepi 2", "-ex",
            "set var total = 99", "-ex", "origin total", "-ex", "stepi 4", "-ex", "origin total"});
  ASSERT_EQ(r.code, 0) << r.err;
  expect_lines_in_order(
      local(r.out),
      {"(pwdb) origin total", "total is 99 at step 4. It came from:", "step 4  set by the debugger at step 4",
       "(pwdb) origin total",
       "total is 10 at step 8. It came from:", "step 7  main (set.pwa:11)  set_global total -> 10   stored into total",
       "  - step 4  main (set.pwa:8)  get_local x -> 8   loaded from local x",
       "    step 2  set by the debugger at step 2", "  - step 5  main (set.pwa:9)  push_int 2 -> 2   constant"});
}

}  // namespace
