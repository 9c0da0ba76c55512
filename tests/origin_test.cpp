// Origin queries on programs written here: a value followed from its store back through
// locals, arguments, returns, globals and heap slots to its constant; arithmetic as a tree;
// a host input and a branch's condition as where the trail goes; the depth bound and the
// place to go on from; a trace that keeps only the end of its run.
#include "origin.h"

#include <gtest/gtest.h>

#include "control_deps.h"
#include "origin_text.h"
#include "replay_test_util.h"
#include "timeline.h"

namespace {

using pw::replay::Expression;
using pw::replay::Origin;
using pw::replay::OriginLink;
using pw::replay::Timeline;
using Kind = OriginLink::Kind;

// A program recorded into a scratch trace with snapshots every [interval] steps.
class Recorded {
 public:
  explicit Recorded(const std::string& source, pw::VmConfig config = pwtest::default_config(),
                    std::uint64_t interval = 4)
      : dir_("origin") {
    const pwtest::Subject s{"origin", pwtest::load(source), config};
    pwtest::record_subject(s, path(), interval, std::max<std::uint64_t>(2, interval / 2));
  }
  std::string path() const { return dir_.path("t.pwtrace"); }
  const pwtest::ScratchDir& dir() const { return dir_; }

 private:
  pwtest::ScratchDir dir_;
};

Origin origin_of(Timeline& t, const std::string& place, std::uint64_t at, pw::replay::OriginOptions options = {}) {
  return pw::replay::origin(t, Expression::compile(place, t.program()), at, options);
}

// The links along the first child of each, from the first.
std::vector<const OriginLink*> path_of(const OriginLink& first) {
  std::vector<const OriginLink*> out;
  for (const OriginLink* l = &first;; l = &l->from.front()) {
    out.push_back(l);
    if (l->from.empty()) return out;
  }
}

std::vector<Kind> kinds(const std::vector<const OriginLink*>& links) {
  std::vector<Kind> out;
  for (const OriginLink* l : links) out.push_back(l->kind);
  return out;
}
std::vector<std::uint64_t> steps(const std::vector<const OriginLink*>& links) {
  std::vector<std::uint64_t> out;
  for (const OriginLink* l : links) out.push_back(l->step);
  return out;
}

// 7 goes into a local, is passed to id as its argument, returned, stored in a global, read
// back into a new pair's car, read from there and stored into an array item.
constexpr const char* kThroughEveryPlace = R"(global g
global p
global arr
func id(x)
  get_local x
  return
end
func main()
  local v
  push 7
  set_local v
  get_local v
  call_fn id
  set_global g
  get_global g
  nil
  cons
  set_global p
  push 3
  array_new
  set_global arr
  get_global arr
  push 1
  get_global p
  car
  array_set
  push 0
  halt
end
)";

TEST(Origin, FollowsAValueThroughLocalsArgumentsReturnsGlobalsAndHeapSlotsToItsConstant) {
  const Recorded rec(kThroughEveryPlace);
  Timeline t(rec.path());
  t.seek(12);
  const Origin o = origin_of(t, "arr[1]", t.end());
  EXPECT_EQ(t.position(), 12u);  // the timeline is back where it was
  EXPECT_EQ(o.value_text, "7");
  EXPECT_FALSE(o.bounded);
  const auto links = path_of(o.chain);
  EXPECT_EQ(kinds(links), (std::vector<Kind>{Kind::Stored, Kind::Read, Kind::Read, Kind::Returned, Kind::Loaded,
                                             Kind::Loaded, Kind::Constant}));
  EXPECT_EQ(steps(links), (std::vector<std::uint64_t>{18, 17, 7, 5, 4, 2, 0}));
  for (const OriginLink* l : links) {
    EXPECT_EQ(l->value_text, "7") << l->instruction;
    EXPECT_EQ(l->from.size(), l == links.back() ? 0u : 1u) << l->instruction;
  }
  EXPECT_EQ(links[0]->instruction, "array_set");
  EXPECT_EQ(links[0]->note, "stored into arr[1]");
  EXPECT_EQ(links[1]->written_at, 9u);  // the cons that made the pair
  EXPECT_NE(links[1]->note.find("read from pair#"), std::string::npos) << links[1]->note;
  EXPECT_NE(links[1]->note.find(".car, made at step 9 by cons in main"), std::string::npos) << links[1]->note;
  EXPECT_EQ(links[2]->note, "read from global g, written at step 6 by set_global g in main (t.pwa:14)");
  EXPECT_EQ(links[3]->note, "returned by id");
  EXPECT_EQ(links[4]->note, "loaded from local x: argument 0 of the call at step 3, call_fn id in main (t.pwa:13)");
  EXPECT_EQ(links[5]->note, "loaded from local v, written at step 1 by set_local v");
  EXPECT_EQ(links[6]->instruction, "push_int 7");
  EXPECT_EQ(links[6]->line, 10u);
  EXPECT_EQ(o.links, 7u);
}

TEST(Origin, TheFirstLinkIsWhatLastWroteThePlace) {
  const Recorded rec(kThroughEveryPlace);
  Timeline t(rec.path());
  // A local: its store. An argument: the call that passed it, then the caller's value.
  Origin o = origin_of(t, "main::v", t.end());
  EXPECT_EQ(kinds(path_of(o.chain)), (std::vector<Kind>{Kind::Stored, Kind::Constant}));
  o = origin_of(t, "id::x", 5);
  EXPECT_EQ(kinds(path_of(o.chain)), (std::vector<Kind>{Kind::Argument, Kind::Loaded, Kind::Constant}));
  EXPECT_EQ(o.chain.step, 3u);
  EXPECT_EQ(o.chain.index, 0u);
  EXPECT_EQ(o.chain.value_text, "7");
  // An array item nothing stored into: the array's allocation and its nil.
  o = origin_of(t, "arr[0]", t.end());
  EXPECT_EQ(o.chain.kind, Kind::Initial);
  EXPECT_EQ(o.chain.step, 12u);
  EXPECT_EQ(o.chain.instruction, "array_new");
  EXPECT_EQ(o.chain.value_text, "nil");
  EXPECT_TRUE(o.chain.from.empty());
  // A pair's slot: the cons that made it, then its operand.
  o = origin_of(t, "p.cdr", t.end());
  EXPECT_EQ(kinds(path_of(o.chain)), (std::vector<Kind>{Kind::Made, Kind::Constant}));
  EXPECT_EQ(o.chain.step, 9u);
  EXPECT_EQ(o.chain.from[0].instruction, "nil");
  // A value-stack slot: the instruction that pushed it.
  o = origin_of(t, "$stack[2]", 9);  // the nil about to become the cdr (v is slot 0)
  EXPECT_EQ(o.chain.kind, Kind::Constant);
  EXPECT_EQ(o.chain.step, 8u);
  // A global nothing stored into.
  o = origin_of(t, "p", 5);
  EXPECT_EQ(o.chain.kind, Kind::Initial);
  EXPECT_FALSE(o.chain.has_site);
}

TEST(Origin, AComputationShowsItsOperandsAsATree) {
  const Recorded rec("global r\n" + pwtest::main_program("  push 2\n  push 3\n  add\n  push 4\n  mul\n  set_global r\n"
                                                         "  push 0\n  halt"));
  Timeline t(rec.path());
  const Origin o = origin_of(t, "r", t.end());
  ASSERT_EQ(o.chain.from.size(), 1u);
  const OriginLink& mul = o.chain.from[0];
  EXPECT_EQ(mul.kind, Kind::Computed);
  EXPECT_EQ(mul.instruction, "mul");
  EXPECT_EQ(mul.value_text, "20");
  ASSERT_EQ(mul.from.size(), 2u);
  const OriginLink& add = mul.from[0];
  EXPECT_EQ(add.instruction, "add");
  EXPECT_EQ(add.value_text, "5");
  ASSERT_EQ(add.from.size(), 2u);
  EXPECT_EQ(add.from[0].value_text, "2");
  EXPECT_EQ(add.from[1].value_text, "3");
  EXPECT_EQ(add.from[1].kind, Kind::Constant);
  EXPECT_EQ(mul.from[1].instruction, "push_int 4");
  // As text, the two operands of each sit under it, one level in.
  const std::string text = pw::replay::origin_text(t.program(), o, true);
  EXPECT_NE(text.find("\nstep 4  main (t.pwa:7)  mul -> 20   computed from its operands\n"
                      "  - step 2  main (t.pwa:5)  add -> 5   computed from its operands\n"
                      "      - step 0  main (t.pwa:3)  push_int 2 -> 2   constant\n"
                      "      - step 1  main (t.pwa:4)  push_int 3 -> 3   constant\n"
                      "  - step 3  main (t.pwa:6)  push_int 4 -> 4   constant\n"),
            std::string::npos)
      << text;
}

TEST(Origin, AHostResultIsAnInputWhereTheTrailEnds) {
  pw::VmConfig config = pwtest::default_config();
  config.capabilities = pw::kCapRandom;
  const Recorded rec("global r\n" + pwtest::main_program("  push 10\n  host random\n  add_imm 1\n  set_global r\n"
                                                         "  push 0\n  halt"),
                     config);
  Timeline t(rec.path());
  const Origin o = origin_of(t, "r", t.end());
  const auto links = path_of(o.chain);
  EXPECT_EQ(kinds(links), (std::vector<Kind>{Kind::Stored, Kind::Computed, Kind::Host}));
  EXPECT_EQ(links[2]->note, "host call random returned it: an input, recorded in the trace");
  // Its argument is not where the value came from.
  EXPECT_TRUE(links[2]->from.empty());
  const nlohmann::json j = pw::replay::origin_json(t.program(), o);
  ASSERT_EQ(j["links"].size(), 3u);
  EXPECT_EQ(j["links"][2]["kind"], "host");
  EXPECT_EQ(j["links"][2]["parent"], 1);
  EXPECT_EQ(j["links"][1]["from"], nlohmann::json::array({2}));
}

TEST(Origin, AConstantLeadsToTheBranchThatChoseItAndItsCondition) {
  const Recorded rec(R"(global r
func pick(x)
  get_local x
  lt_imm 5
  jump_if_false big
  push 'small
  return
big:
  push 'big
  return
end
func main()
  push 9
  call_fn pick
  set_global r
  push 0
  halt
end
)");
  Timeline t(rec.path());
  const Origin o = origin_of(t, "r", t.end());
  const auto links = path_of(o.chain);
  EXPECT_EQ(kinds(links), (std::vector<Kind>{Kind::Stored, Kind::Returned, Kind::Constant, Kind::Branch, Kind::Computed,
                                             Kind::Loaded, Kind::Constant}));
  EXPECT_EQ(steps(links), (std::vector<std::uint64_t>{7, 6, 5, 4, 3, 2, 0}));
  EXPECT_EQ(links[2]->note, "constant, on the path the branch at step 4 chose");
  EXPECT_EQ(links[3]->note, "the branch jumped, on this value");
  EXPECT_EQ(links[3]->value_text, "false");
}

TEST(Origin, AThrownValueIsFollowedToTheThrow) {
  const Recorded rec("global r\n" + pwtest::main_program("  try caught\n  push 5\n  throw\ncaught:\n  set_global r\n"
                                                         "  push 0\n  halt"));
  Timeline t(rec.path());
  const Origin o = origin_of(t, "r", t.end());
  EXPECT_EQ(kinds(path_of(o.chain)), (std::vector<Kind>{Kind::Stored, Kind::Thrown, Kind::Constant}));
}

TEST(Origin, TheDepthBoundStopsEachPathAndNamesThePlaceToGoOnFrom) {
  const Recorded rec(kThroughEveryPlace);
  Timeline t(rec.path());
  pw::replay::OriginOptions options;
  options.depth = 3;
  const Origin o = origin_of(t, "arr[1]", t.end(), options);
  EXPECT_TRUE(o.bounded);
  const auto links = path_of(o.chain);
  ASSERT_EQ(links.size(), 3u);
  ASSERT_EQ(links[2]->go_on.size(), 1u);
  EXPECT_EQ(links[2]->go_on[0].step, 7u);
  EXPECT_EQ(links[2]->go_on[0].place, "::g");
  const std::string text = pw::replay::origin_text(t.program(), o, true);
  EXPECT_NE(text.find("\n... (--depth 3 reached; origin 7 ::g to go on)\n"), std::string::npos) << text;
  // Going on from there finds the rest of the whole chain.
  const Origin rest = origin_of(t, links[2]->go_on[0].place, links[2]->go_on[0].step);
  const Origin whole = origin_of(t, "arr[1]", t.end());
  EXPECT_EQ(steps(path_of(rest.chain)), (std::vector<std::uint64_t>{6, 5, 4, 2, 0}));
  EXPECT_EQ(steps(path_of(whole.chain)), (std::vector<std::uint64_t>{18, 17, 7, 5, 4, 2, 0}));
  // A computation cut short names its operands as value-stack slots.
  const Recorded tree("global r\n" +
                      pwtest::main_program("  push 2\n  push 3\n  add\n  set_global r\n  push 0\n  halt"));
  Timeline u(tree.path());
  options.depth = 2;
  const Origin cut = origin_of(u, "r", u.end(), options);
  ASSERT_EQ(cut.chain.from.size(), 1u);
  const auto& go_on = cut.chain.from[0].go_on;
  ASSERT_EQ(go_on.size(), 2u);
  EXPECT_EQ(go_on[0].place, "$stack[0]");
  EXPECT_EQ(go_on[1].place, "$stack[1]");
  EXPECT_EQ(origin_of(u, go_on[1].place, go_on[1].step).chain.value_text, "3");
}

TEST(Origin, ALimitOnLinksKeepsAWideTreeShort) {
  std::string body = "  push 1\n";
  for (int i = 0; i < 20; ++i) body += "  push 1\n  add\n";
  const Recorded rec("global r\n" + pwtest::main_program(body + "  set_global r\n  push 0\n  halt"));
  Timeline t(rec.path());
  pw::replay::OriginOptions options;
  options.depth = 100;
  options.max_links = 10;
  const Origin o = origin_of(t, "r", t.end(), options);
  EXPECT_TRUE(o.bounded);
  EXPECT_LE(o.links, 12u);
  EXPECT_NE(pw::replay::origin_text(t.program(), o, true).find("(10 links shown; origin "), std::string::npos);
}

// main's k holds 42 from step 1; a loop of 20000 steps follows, then k is stored in h.
constexpr const char* kLongLoop = R"(global g
global h
global c
func main()
  local k, i, limit
  push 42
  set_local k
  push 5
  set_global g
  push 1
  set_local i
  push 20000
  set_local limit
loop:
  for_next i, loop
  get_local k
  set_global h
  get_global g
  set_global c
  push 0
  halt
end
)";

TEST(Origin, AWindowedTraceEndsTheTrailAtItsStart) {
  pwtest::ScratchDir dir("origin");
  const pwtest::Subject s{"loop", pwtest::load(kLongLoop), pwtest::default_config()};
  const std::string whole = dir.path("whole.pwtrace");
  const std::string windowed = dir.path("windowed.pwtrace");
  pwtest::record_subject(s, whole, 2000, 700);
  pwtest::write_text_file(windowed, pwtest::windowed_copy(pwtest::read_text_file(whole), 5000, 3));
  Timeline t(windowed);
  ASSERT_EQ(t.start(), 6000u);
  // A local written before the window.
  Origin o = origin_of(t, "h", t.end());
  auto links = path_of(o.chain);
  EXPECT_EQ(kinds(links), (std::vector<Kind>{Kind::Stored, Kind::Loaded, Kind::BeforeWindow}));
  EXPECT_EQ(links[2]->note, "made before step 6000, where the recorded window starts");
  // A global written before it.
  o = origin_of(t, "c", t.end());
  links = path_of(o.chain);
  EXPECT_EQ(kinds(links), (std::vector<Kind>{Kind::Stored, Kind::Read}));
  EXPECT_EQ(links[1]->note, "read from global g, not written after step 6000, where the recorded window starts");
  // A loop counter: its increments in the window are one link, then the window's start.
  o = origin_of(t, "main::i", t.end());
  links = path_of(o.chain);
  EXPECT_EQ(kinds(links), (std::vector<Kind>{Kind::Computed, Kind::BeforeWindow}));
  EXPECT_NE(links[0]->note.find("the loop counter main::i, counted on "), std::string::npos) << links[0]->note;

  // The whole trace follows the same values to their constants.
  Timeline full(whole);
  o = origin_of(full, "h", full.end());
  EXPECT_EQ(kinds(path_of(o.chain)), (std::vector<Kind>{Kind::Stored, Kind::Loaded, Kind::Constant}));
  EXPECT_EQ(path_of(o.chain).back()->step, 0u);
  o = origin_of(full, "main::i", full.end());
  links = path_of(o.chain);
  EXPECT_EQ(kinds(links), (std::vector<Kind>{Kind::Computed, Kind::Stored, Kind::Constant}));
  EXPECT_EQ(links[0]->note, "computed: the loop counter main::i, counted on 20000 times since step 8");
}

TEST(Origin, APlaceThatIsNoneAtTheStepIsRefusedInOneLine) {
  const Recorded rec(kThroughEveryPlace);
  Timeline t(rec.path());
  t.seek(3);
  try {
    origin_of(t, "arr[9]", t.end());
    FAIL() << "an index out of range was followed";
  } catch (const pw::replay::OriginError& e) {
    EXPECT_STREQ(e.what(), "arr[9] has no value at step 21: index 9 is out of range for an array of 3");
  }
  EXPECT_THROW(origin_of(t, "g + 1", t.end()), pw::replay::OriginError);
  EXPECT_THROW(origin_of(t, "id::x", t.end()), pw::replay::OriginError);  // no active frame of id
  EXPECT_EQ(t.position(), 3u);
}

TEST(ControlDeps, AnInstructionDependsOnTheBranchesThatDecideWhetherItRuns) {
  const auto program = pwtest::load(R"(func f(x)
  get_local x
  jump_if_false other
  push 1
  jump join
other:
  push 2
join:
  return
end
func main()
  push 0
  call_fn f
  halt
end
)");
  pw::replay::ControlDeps deps(*program);
  const auto f = static_cast<std::uint32_t>(program->find_function("f"));
  EXPECT_TRUE(deps.of(f, 0).empty());                       // get_local x: always
  EXPECT_EQ(deps.of(f, 2), std::vector<std::uint32_t>{1});  // push 1: when it falls through
  EXPECT_EQ(deps.of(f, 4), std::vector<std::uint32_t>{1});  // push 2: when it jumps
  EXPECT_TRUE(deps.of(f, 5).empty());                       // return: after the join
}

}  // namespace
