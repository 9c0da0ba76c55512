// Replay expressions: parsing and name resolution, evaluation against paused and halted
// states, reasons for unavailable values, change detection and the text and JSON forms.
#include "expression.h"

#include "active_frames.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <utility>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace {

using pw::replay::EvalResult;
using pw::replay::Expression;
using pw::replay::ExpressionError;
using pwtest::Machine;

// down(3) recurses to down(0), which halts: five frames stay active. Globals hold one value
// of every kind; `n` is both a global and down's parameter.
constexpr const char* kProgram = R"PWA(
entry main
global count = 0
global label = "widget"
global ratio = 1.5
global state = 'idle
global big = 9223372036854775807
global n = 7
global items
global cell
global text
global bytes
global hook
global tick

func down(n)
  local twice
  get_local n
  mul_imm 2
  set_local twice
  get_local n
  eq_imm 0
  jump_if_false more
  push 99
  halt
more:
  get_local n
  sub_imm 1
  call_fn down
  return
end

func counter() captures(c)
  get_capture c
  return
end

func main()
  local arr, lst
  push 3
  array_new
  set_local arr
  get_local arr
  push 0
  push 10
  array_set
  get_local arr
  push 1
  push "two"
  array_set
  get_local arr
  push 2
  push 1
  push 2
  cons
  array_set
  push 1
  push 2
  push 3
  nil
  cons
  cons
  cons
  set_local lst
  get_local arr
  set_global items
  get_local lst
  set_global cell
  push "wid"
  push "get"
  str_concat
  set_global text
  push "ab"
  push "\xff"
  str_concat
  set_global bytes
  push_func down
  set_global hook
  push 5
  make_closure counter
  set_global tick
  push 3
  call_fn down
  halt
end
)PWA";

// The same machine at its halt: main, down(3), down(2), down(1), down(0).
class HaltedInDown : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome(); }

  EvalResult eval(std::string_view text) { return Expression::compile(text, m.vm.program()).evaluate(m.vm); }
  // The value as people read it, or "<unavailable: ...>".
  std::string show(std::string_view text) { return pw::replay::result_text(m.vm, eval(text)); }
  std::string json(std::string_view text) { return pw::replay::result_json(m.vm, eval(text)).dump(); }
  std::uint64_t id_of_global(const char* name) {
    return m.vm.globals[static_cast<std::size_t>(m.vm.program().find_global(name))].obj->id;
  }

  Machine m{kProgram};
};

std::string compile_error(std::string_view text, const pw::Program& p) {
  try {
    Expression::compile(text, p);
  } catch (const ExpressionError& e) {
    return e.what();
  }
  return "compiled";
}

TEST_F(HaltedInDown, GlobalsShowTheirValues) {
  EXPECT_EQ(show("count"), "0");
  EXPECT_EQ(show("ratio"), "1.5");
  EXPECT_EQ(show("state"), "'idle");
  EXPECT_EQ(show("big"), "9223372036854775807");
  EXPECT_EQ(show("label"), "\"widget\" #" + std::to_string(id_of_global("label")));
  EXPECT_EQ(show("hook"), "<function down>");
}

TEST_F(HaltedInDown, BareNameIsTheTopFramesLocalBeforeTheGlobal) {
  EXPECT_EQ(show("n"), "0");       // down(0)'s parameter, not the global
  EXPECT_EQ(show("::n"), "7");     // the global, explicitly
  EXPECT_EQ(show("twice"), "0");
  EXPECT_EQ(show("arr"), "<unavailable: down has no local arr and there is no global arr>");
}

TEST_F(HaltedInDown, ScopedNameReadsTheInnermostActiveFrame) {
  EXPECT_EQ(show("down::n"), "0");
  EXPECT_EQ(show("main::arr"), show("items"));
  EXPECT_EQ(show("main::lst.car"), "1");
}

TEST_F(HaltedInDown, StackSlotsCountFromBottomOrTop) {
  // main's arr, lst; then n and twice of down(3), down(2), down(1), down(0). halt popped 99.
  EXPECT_EQ(show("$sp"), "10");
  EXPECT_EQ(show("$depth"), "5");
  EXPECT_EQ(show("$stack[0]"), show("items"));
  EXPECT_EQ(show("$stack[2]"), "3");
  EXPECT_EQ(show("$stack[3]"), "6");
  EXPECT_EQ(show("$stack[-2]"), "0");
  EXPECT_EQ(show("$stack[-1]"), "0");
  EXPECT_EQ(show("$stack[-3]"), "2");
  EXPECT_EQ(show("$stack[$sp - 4]"), "1");
  EXPECT_EQ(show("$stack[10]"), "<unavailable: stack slot 10 is out of range for a stack of 10>");
  EXPECT_EQ(show("$stack[-11]"), "<unavailable: stack slot -11 is out of range for a stack of 10>");
  EXPECT_EQ(show("$stack[nil]"), "<unavailable: a stack index must be an int, not nil>");
  EXPECT_EQ(show("$step"), std::to_string(m.vm.step));
}

TEST_F(HaltedInDown, PathsFollowPairsArraysAndStrings) {
  EXPECT_EQ(show("items[0]"), "10");
  EXPECT_EQ(show("items[2].car"), "1");
  EXPECT_EQ(show("items[-1].cdr"), "2");
  EXPECT_EQ(show("items.length"), "3");
  EXPECT_EQ(show("cell.cdr.car"), "2");
  EXPECT_EQ(show("cell.cdr.cdr.cdr"), "nil");
  EXPECT_EQ(show("label[0]"), "119");  // 'w'
  EXPECT_EQ(show("label[-1]"), "116");  // 't'
  EXPECT_EQ(show("label.length"), "6");
  EXPECT_EQ(show("bytes[2]"), "255");
  EXPECT_EQ(show("items[1][1]"), "119");
  EXPECT_EQ(show("items [ 1 + 1 ] . car"), "1");
}

TEST_F(HaltedInDown, UnavailableValuesSayWhy) {
  EXPECT_EQ(show("count.car"), "<unavailable: car of an int>");
  EXPECT_EQ(show("label.cdr"), "<unavailable: cdr of a string>");
  EXPECT_EQ(show("cell.cdr.cdr.cdr.car"), "<unavailable: car of nil>");
  EXPECT_EQ(show("ratio.length"), "<unavailable: length of a float>");
  EXPECT_EQ(show("count[0]"), "<unavailable: cannot index an int>");
  EXPECT_EQ(show("items[3]"), "<unavailable: index 3 is out of range for an array of 3>");
  EXPECT_EQ(show("items[-4]"), "<unavailable: index -4 is out of range for an array of 3>");
  EXPECT_EQ(show("label[6]"), "<unavailable: index 6 is out of range for a string of 6>");
  EXPECT_EQ(show("items[1.0]"), "<unavailable: an index must be an int, not a float>");
  EXPECT_EQ(show("-label"), "<unavailable: - needs a number, not a string>");
  EXPECT_EQ(show("label + 1"), "<unavailable: + needs two numbers, not a string and an int>");
  EXPECT_EQ(show("items[9].car + 1"), "<unavailable: index 9 is out of range for an array of 3>");
  EXPECT_EQ(show("\"abc\""), "<unavailable: a string literal is only usable in comparisons>");
}

TEST_F(HaltedInDown, ArithmeticIsCheckedAndFlooredLikeTheVm) {
  EXPECT_EQ(show("2 * 3 + 4 * 5"), "26");
  EXPECT_EQ(show("(2 + 3) * 4"), "20");
  EXPECT_EQ(show("10 - 2 - 3"), "5");
  EXPECT_EQ(show("7 / 2"), "3");
  EXPECT_EQ(show("-7 / 2"), "-4");
  EXPECT_EQ(show("-7 % 2"), "1");
  EXPECT_EQ(show("7 % -2"), "-1");
  EXPECT_EQ(show("ratio * 2"), "3.0");
  EXPECT_EQ(show("1 + 0.25"), "1.25");
  EXPECT_EQ(show("7.5 % 2"), "1.5");
  EXPECT_EQ(show("-ratio"), "-1.5");
  EXPECT_EQ(show("0x10 + 1e2"), "116.0");
  EXPECT_EQ(show("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(show("big + 1"), "<unavailable: 9223372036854775807 + 1 does not fit in a 64-bit int>");
  EXPECT_EQ(show("big * -2"), "<unavailable: 9223372036854775807 * -2 does not fit in a 64-bit int>");
  EXPECT_EQ(show("-(-big - 1)"), "<unavailable: -(-9223372036854775808) does not fit in a 64-bit int>");
  EXPECT_EQ(show("(-big - 1) / -1"),
            "<unavailable: -9223372036854775808 / -1 does not fit in a 64-bit int>");
  EXPECT_EQ(show("(-big - 1) % -1"), "0");
  EXPECT_EQ(show("1 / 0"), "<unavailable: division by zero>");
  EXPECT_EQ(show("1 % count"), "<unavailable: modulo by zero>");
  EXPECT_EQ(show("ratio / 0.0"), "<unavailable: division by zero>");
}

// The same operands through the VM's instructions and through expressions.
TEST(Expression, ArithmeticAgreesWithTheVm) {
  Machine m(kProgram);
  const char* operands[][2] = {{"-7", "2"}, {"7", "-2"}, {"-7", "-2"}, {"7", "2"},   {"0", "3"},
                               {"-1", "5"}, {"7.5", "2"}, {"-7.5", "2"}, {"7", "2.5"}, {"-0.5", "-2"}};
  const std::pair<const char*, const char*> ops[] = {{"div", "/"}, {"mod", "%"}, {"add", "+"},
                                                     {"sub", "-"}, {"mul", "*"}, {"lt", "<"}, {"eq", "=="}};
  for (const auto& [a, b] : operands) {
    for (const auto& [instr, sym] : ops) {
      const std::string vm_text = pwtest::eval_main(fmt::format("  push {}\n  push {}\n  {}", a, b, instr));
      const std::string expr = fmt::format("{} {} {}", a, sym, b);
      EXPECT_EQ(pw::replay::result_text(m.vm, Expression::compile(expr, m.vm.program()).evaluate(m.vm)), vm_text)
          << expr;
    }
  }
}

TEST_F(HaltedInDown, ComparisonsFollowTheVm) {
  EXPECT_EQ(show("label == \"widget\""), "true");
  EXPECT_EQ(show("\"widget\" == text"), "true");  // by content
  EXPECT_EQ(show("label == text"), "true");
  EXPECT_EQ(show("label != \"widge\""), "true");
  EXPECT_EQ(show("label < \"x\""), "true");
  EXPECT_EQ(show("label >= \"widgets\""), "false");
  EXPECT_EQ(show("\"ab\\xff\" == bytes"), "true");
  EXPECT_EQ(show("state == 'idle"), "true");
  EXPECT_EQ(show("items == main::arr"), "true");
  EXPECT_EQ(show("items[2] == cell"), "false");  // pairs by identity
  EXPECT_EQ(show("1 == 1.0"), "true");
  EXPECT_EQ(show("nil == false"), "false");
  EXPECT_EQ(show("hook == hook"), "true");
  EXPECT_EQ(show("ratio <= 1.5"), "true");
  EXPECT_EQ(show("count > -1"), "true");
  EXPECT_EQ(show("label < 3"), "<unavailable: < compares two numbers or two strings, not a string and an int>");
}

TEST_F(HaltedInDown, AndOrShortCircuitAndOnlyNilAndFalseAreFalse) {
  EXPECT_EQ(show("false && 1 / 0 == 1"), "false");
  EXPECT_EQ(show("true || items[99] == 1"), "true");
  EXPECT_EQ(show("items[99] == 1 || true"), "<unavailable: index 99 is out of range for an array of 3>");
  EXPECT_EQ(show("true && 1 / 0 == 1"), "<unavailable: division by zero>");
  EXPECT_EQ(show("count && label"), "true");  // 0 is true
  EXPECT_EQ(show("nil || false"), "false");
  EXPECT_EQ(show("!nil"), "true");
  EXPECT_EQ(show("!count"), "false");
  EXPECT_EQ(show("!!\"x\""), "true");
  EXPECT_EQ(show("n == 0 && down::twice == 0 || false"), "true");
}

TEST_F(HaltedInDown, ValuesAsText) {
  const std::string items_id = std::to_string(id_of_global("items"));
  EXPECT_EQ(show("items"), "[10, \"two\", (1 . 2)] #" + items_id);
  EXPECT_EQ(show("cell"), "(1 2 3) #" + std::to_string(id_of_global("cell")));
  EXPECT_EQ(show("bytes"), "\"ab\\xff\" #" + std::to_string(id_of_global("bytes")));
  EXPECT_EQ(show("tick"), "<closure counter> #" + std::to_string(id_of_global("tick")));
  EXPECT_EQ(show("nil"), "nil");
  EXPECT_EQ(show("1 < 2"), "true");
  EXPECT_EQ(show("2.0"), "2.0");
  // Long texts are cut; the id stays.
  EXPECT_EQ(pw::replay::result_text(m.vm, eval("items"), 8), "[10, \"tw... #" + items_id);
  EXPECT_EQ(pw::replay::result_text(m.vm, eval("label"), 4), "\"wid... #" + std::to_string(id_of_global("label")));
  // The exact ids are reproducible: constants first, then allocations in order.
  EXPECT_EQ(show("label"), "\"widget\" #1");
}

TEST_F(HaltedInDown, ValuesAsJson) {
  EXPECT_EQ(json("count + 5"), R"({"type":"int","value":5})");
  EXPECT_EQ(json("ratio"), R"({"type":"float","value":1.5})");
  EXPECT_EQ(json("nil"), R"({"type":"nil"})");
  EXPECT_EQ(json("count == 0"), R"({"type":"bool","value":true})");
  EXPECT_EQ(json("state"), R"({"type":"symbol","value":"idle"})");
  EXPECT_EQ(json("hook"), R"({"type":"function","value":"down"})");
  EXPECT_EQ(json("label"), R"({"id":1,"type":"string","value":"widget"})");
  EXPECT_EQ(json("bytes"), "{\"id\":" + std::to_string(id_of_global("bytes")) +
                               ",\"type\":\"string\",\"value\":\"ab\xC3\xBF\"}");
  EXPECT_EQ(json("items"),
            "{\"id\":" + std::to_string(id_of_global("items")) + R"(,"text":"[10, \"two\", (1 . 2)]","type":"array"})");
  EXPECT_EQ(json("tick"),
            "{\"id\":" + std::to_string(id_of_global("tick")) + R"(,"text":"<closure counter>","type":"closure"})");
  EXPECT_EQ(json("items[2]").substr(0, 5), R"({"id")");
  EXPECT_EQ(json("1 / 0"), R"({"unavailable":"division by zero"})");
}

TEST_F(HaltedInDown, SameResultComparesPayloadsAndIdentity) {
  using pw::replay::same_result;
  EXPECT_TRUE(same_result(eval("count"), eval("0")));
  EXPECT_FALSE(same_result(eval("count"), eval("1")));
  EXPECT_FALSE(same_result(eval("1"), eval("1.0")));    // not the same type
  EXPECT_FALSE(same_result(eval("0.0"), eval("-0.0")));  // bitwise
  EXPECT_TRUE(same_result(eval("ratio"), eval("1.5")));
  EXPECT_TRUE(same_result(eval("state"), eval("'idle")));
  EXPECT_TRUE(same_result(eval("items"), eval("main::arr")));
  EXPECT_FALSE(same_result(eval("label"), eval("text")));  // equal bytes, another object
  EXPECT_TRUE(same_result(eval("1 / 0"), eval("items[7]")));  // both unavailable
  EXPECT_FALSE(same_result(eval("1 / 0"), eval("nil")));
  EXPECT_FALSE(same_result(eval("nil"), eval("false")));
}

TEST_F(HaltedInDown, LocateGivesTheSlotAPlaceReads) {
  const auto at = [&](std::string_view text) { return Expression::compile(text, m.vm.program()).locate(m.vm); };
  const pw::Program& p = m.vm.program();
  const pw::Value& items = m.vm.globals[static_cast<std::size_t>(p.find_global("items"))];
  const pw::Value& cell = m.vm.globals[static_cast<std::size_t>(p.find_global("cell"))];
  EXPECT_EQ(at("count"), &m.vm.globals[static_cast<std::size_t>(p.find_global("count"))]);
  EXPECT_EQ(at("(::n)"), &m.vm.globals[static_cast<std::size_t>(p.find_global("n"))]);
  EXPECT_EQ(at("n"), m.vm.top().base);          // down(0)'s parameter
  EXPECT_EQ(at("down::twice"), m.vm.top().base + 1);
  EXPECT_EQ(at("main::lst"), m.vm.stack + 1);
  EXPECT_EQ(at("$stack[-1]"), m.vm.sp - 1);
  EXPECT_EQ(at("items[-1]"), pw::as_array(items)->items() + 2);
  EXPECT_EQ(at("items[2].cdr"), &pw::as_pair(pw::as_array(items)->items()[2])->cdr);
  EXPECT_EQ(at("cell.cdr.car"), &pw::as_pair(pw::as_pair(cell)->cdr)->car);
  EXPECT_EQ(at("count + 0"), nullptr);
  EXPECT_EQ(at("label[0]"), nullptr);   // string bytes are not slots
  EXPECT_EQ(at("items[3]"), nullptr);
  EXPECT_EQ(at("count.car"), nullptr);
  EXPECT_EQ(at("arr"), nullptr);        // not a local of down, not a global
  EXPECT_EQ(at("7"), nullptr);
}

TEST_F(HaltedInDown, EvaluationLeavesTheVmAlone) {
  const std::string before = m.dump();
  for (const char* e : {"items", "items[2].car + count", "label == \"x\"", "$stack[-1]", "down::n", "1 / 0",
                        "tick", "cell.cdr"})
    pw::replay::result_text(m.vm, eval(e));
  EXPECT_EQ(m.dump(), before);
}

TEST(Expression, PausedRunsShowTheValuesOfTheirStep) {
  Machine m(R"PWA(
global count = 0
func main()
  local i
loop:
  get_global count
  add_imm 1
  set_global count
  jump loop
end
)PWA");
  const Expression count = Expression::compile("count", m.vm.program());
  const Expression top = Expression::compile("$stack[-1]", m.vm.program());
  EXPECT_EQ(count.text(), "count");
  ASSERT_EQ(pw::run(m.vm, 40), pw::RunStatus::Paused);
  EXPECT_EQ(pw::replay::result_text(m.vm, count.evaluate(m.vm)), "10");
  EXPECT_EQ(pw::replay::result_text(m.vm, top.evaluate(m.vm)), "nil");  // i
  ASSERT_EQ(pw::run(m.vm, 2), pw::RunStatus::Paused);
  EXPECT_EQ(m.vm.step, 42u);
  EXPECT_EQ(pw::replay::result_text(m.vm, count.evaluate(m.vm)), "10");
  EXPECT_EQ(pw::replay::result_text(m.vm, top.evaluate(m.vm)), "11");  // the incremented copy
  EXPECT_EQ(pw::replay::result_text(m.vm, Expression::compile("$sp", m.vm.program()).evaluate(m.vm)), "2");
}

TEST(Expression, ScopedNameFollowsTheRecursion) {
  Machine m(kProgram);
  const pw::Program& p = m.vm.program();
  const Expression n = Expression::compile("down::n", p);
  const Expression bare = Expression::compile("n", p);
  EXPECT_EQ(n.evaluate(m.vm).reason, "no active frame of down");
  EXPECT_EQ(pw::replay::result_text(m.vm, bare.evaluate(m.vm)), "7");  // main has no local n
  // One instruction at a time until down(2) is the top frame.
  while (m.vm.depth < 3) ASSERT_EQ(pw::run(m.vm, 1), pw::RunStatus::Paused);
  const EvalResult r = n.evaluate(m.vm);
  ASSERT_TRUE(r.available) << r.reason;
  EXPECT_EQ(r.value.type, pw::ValueType::Int);
  EXPECT_EQ(r.value.i, 2);
  EXPECT_EQ(pw::replay::result_text(m.vm, bare.evaluate(m.vm)), "2");
  EXPECT_EQ(pw::replay::result_text(m.vm, Expression::compile("down::twice", p).evaluate(m.vm)), "nil");
  EXPECT_EQ(pw::replay::result_text(m.vm, Expression::compile("$depth", p).evaluate(m.vm)), "3");
}

TEST(Expression, SyntaxErrorsNameTheColumn) {
  Machine m(kProgram);
  const pw::Program& p = m.vm.program();
  EXPECT_EQ(compile_error("items[", p), "expression 'items[': expected an expression at column 7");
  EXPECT_EQ(compile_error("", p), "expression '': expected an expression at column 1");
  EXPECT_EQ(compile_error("1 +", p), "expression '1 +': expected an expression at column 4");
  EXPECT_EQ(compile_error("(1", p), "expression '(1': expected ')' at column 3");
  EXPECT_EQ(compile_error("items[0", p), "expression 'items[0': expected ']' at column 8");
  EXPECT_EQ(compile_error("1 2", p), "expression '1 2': unexpected '2' at column 3");
  EXPECT_EQ(compile_error("count = 1", p), "expression 'count = 1': unexpected '=' (compare with '==') at column 7");
  EXPECT_EQ(compile_error("1 < 2 < 3", p),
            "expression '1 < 2 < 3': comparisons do not chain: join them with && at column 7");
  EXPECT_EQ(compile_error("count.size", p),
            "expression 'count.size': expected car, cdr or length after '.' at column 7");
  EXPECT_EQ(compile_error("\"abc", p), "expression '\"abc': unterminated string: expected a closing '\"' at column 1");
  EXPECT_EQ(compile_error("\"a\\q\"", p), "expression '\"a\\q\"': unknown escape '\\q' at column 3");
  EXPECT_EQ(compile_error("99999999999999999999", p),
            "expression '99999999999999999999': integer literal 99999999999999999999 does not fit in 64 bits "
            "at column 1");
  EXPECT_EQ(compile_error("9223372036854775808", p),
            "expression '9223372036854775808': integer literal 9223372036854775808 does not fit in 64 bits "
            "at column 1");
  EXPECT_EQ(compile_error("12ab", p), "expression '12ab': malformed number '12ab' at column 1");
  EXPECT_EQ(compile_error("a @ b", p), "expression 'a @ b': unexpected character '@' at column 3");
  EXPECT_EQ(compile_error("1 &", p), "expression '1 &': unexpected character '&' at column 3");
  EXPECT_EQ(compile_error("x\n\x01", p), "expression 'x\\x0a\\x01': unexpected byte 0x01 at column 3");
  // The escape's own byte is quoted printably too: the error stays on one line.
  EXPECT_EQ(compile_error("\"\\\n\"", p),
            "expression '\"\\\\x0a\"': unknown escape: a backslash before byte 0x0a at column 2");
  EXPECT_EQ(compile_error("$foo", p),
            "expression '$foo': unknown variable '$foo' (there are $stack[i], $step, $depth and $sp) at column 1");
  EXPECT_EQ(compile_error("$stack", p), "expression '$stack': expected '[' after $stack at column 7");
  EXPECT_EQ(compile_error("'nope == state", p),
            "expression ''nope == state': the program has no symbol 'nope' at column 1");
}

TEST(Expression, UnknownNamesAreCompileErrors) {
  Machine m(kProgram);
  const pw::Program& p = m.vm.program();
  EXPECT_EQ(compile_error("count + nosuch", p),
            "expression 'count + nosuch': no global, local or capture is named 'nosuch' at column 9");
  EXPECT_EQ(compile_error("nofn::x", p), "expression 'nofn::x': no function is named 'nofn' at column 1");
  EXPECT_EQ(compile_error("down::zz", p), "expression 'down::zz': function down has no local 'zz' at column 7");
  EXPECT_EQ(compile_error("::arr", p), "expression '::arr': no global is named 'arr' at column 3");
  EXPECT_EQ(compile_error("::", p), "expression '::': expected a global name after '::' at column 3");
  EXPECT_EQ(compile_error("arr", p), "compiled");  // main has it: resolved at evaluation
  EXPECT_EQ(compile_error("down", p), "expression 'down': no global, local or capture is named 'down' at column 1");
}

TEST(Expression, DeepNestingIsRefused) {
  Machine m(kProgram);
  const pw::Program& p = m.vm.program();
  const auto nested = [](int levels) { return std::string(levels, '(') + "1" + std::string(levels, ')'); };
  EXPECT_EQ(pw::replay::result_text(m.vm, Expression::compile(nested(100), p).evaluate(m.vm)), "1");
  EXPECT_EQ(compile_error(nested(101), p).substr(compile_error(nested(101), p).find("': ")),
            "': expression nested more than 100 levels deep at column 101");
  EXPECT_NE(compile_error(std::string(200000, '('), p).find("nested more than 100 levels"), std::string::npos);
  EXPECT_NE(compile_error(std::string(200000, '-') + "1", p).find("nested more than 100 levels"), std::string::npos);
  EXPECT_NE(compile_error(std::string(200000, '!') + "1", p).find("nested more than 100 levels"), std::string::npos);
  std::string indexes;
  for (int i = 0; i < 20000; ++i) indexes += "items[";
  EXPECT_NE(compile_error(indexes, p).find("nested more than 100 levels"), std::string::npos);
  // Long chains are flat to parse but deep to evaluate: bounded too.
  std::string chain = "1";
  for (int i = 0; i < 5000; ++i) chain += "+1";
  EXPECT_NE(compile_error(chain, p).find("more than 1000 operations deep"), std::string::npos);
  std::string path = "cell";
  for (int i = 0; i < 5000; ++i) path += ".cdr";
  EXPECT_NE(compile_error(path, p).find("more than 1000 operations deep"), std::string::npos);
  std::string ok = "1";
  for (int i = 0; i < 500; ++i) ok += "+1";
  EXPECT_EQ(pw::replay::result_text(m.vm, Expression::compile(ok, p).evaluate(m.vm)), "501");
}

TEST(Expression, NamesMayHoldTheAssemblersPunctuation) {
  Machine m(R"PWA(
global a = 10
global b = 3
global a-b = 99
global done? = true
global p.x = 4
func main()
  local x
  push 0
  halt
end
)PWA");
  const auto show = [&](std::string_view text) {
    return pw::replay::result_text(m.vm, Expression::compile(text, m.vm.program()).evaluate(m.vm));
  };
  EXPECT_EQ(show("a-b"), "99");      // the longest name the program knows
  EXPECT_EQ(show("a - b"), "7");
  EXPECT_EQ(show("b-a"), "-7");      // no name b-a
  EXPECT_EQ(show("done?"), "true");
  EXPECT_EQ(show("!done?"), "false");
  EXPECT_EQ(show("a!=b"), "true");
  EXPECT_EQ(show("p.x * 2"), "8");
  EXPECT_EQ(show("a-b-1"), "98");
  EXPECT_EQ(show("x"), "nil");
}

TEST(Expression, GarbageNeverCrashes) {
  Machine m(kProgram);
  ASSERT_EQ(m.run(), pw::RunStatus::Halted);
  const pw::Program& p = m.vm.program();
  static const char* kPieces[] = {"items", "cell", "label", "n",    "down::n", "::n", "$stack", "$sp", "[",  "]",
                                  "(",     ")",    ".car",  ".cdr", ".length", "+",   "-",      "*",   "/",  "%",
                                  "==",    "<",    "&&",    "||",   "!",       "0",   "-1",     "2.5", "\"", "\"s\"",
                                  "'idle", "nil",  "::",    ".",    "\\",      "\xff", "9223372036854775808", " "};
  std::mt19937 rng(12345);
  int compiled = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const int len = static_cast<int>(rng() % 8) + 1;
    for (int k = 0; k < len; ++k) text += kPieces[rng() % std::size(kPieces)];
    try {
      const Expression e = Expression::compile(text, p);
      ++compiled;
      const EvalResult r = e.evaluate(m.vm);
      pw::replay::result_text(m.vm, r);
      pw::replay::result_json(m.vm, r).dump();
    } catch (const ExpressionError&) {
    }
  }
  EXPECT_GT(compiled, 100);
}

// Recursion with a try in every frame, tail calls and throws that unwind two frames.
constexpr const char* kFrameChurn = R"PWA(
func leaf(n)
  get_local n
  push 3
  mod
  jump_if_true ok
  push 'boom
  throw
ok:
  get_local n
  return
end
func hop(n)
  get_local n
  tail_call_fn leaf
end
func down(n)
  get_local n
  lt_imm 1
  jump_if_true base
  try caught
  get_local n
  call_fn hop
  pop
  end_try
  jump rec
caught:
  pop
rec:
  get_local n
  sub_imm 1
  call_fn down
  return
base:
  push 0
  return
end
func main()
  local x
  push 30
  call_fn down
  set_local x
  push 7
  call_fn down
  halt
end
)PWA";

// What a scan of the call stack finds: the innermost frame of [fn] below [depth].
const pw::Frame* scanned(const pw::VmState& vm, std::uint32_t fn, std::uint32_t depth) {
  for (std::uint32_t d = depth; d-- > 0;)
    if (vm.frames[d].fn == fn) return &vm.frames[d];
  return nullptr;
}

TEST(ActiveFrames, FindsWhatAScanOfTheStackFindsAtEveryPosition) {
  Machine m{kFrameChurn};
  const auto functions = static_cast<std::uint32_t>(m.vm.program().functions.size());
  pw::replay::ActiveFrames frames, for_expressions;
  const std::vector<Expression> expressions = {Expression::compile("down::n", m.vm.program()),
                                               Expression::compile("leaf::n * 10 + down::n", m.vm.program())};
  std::uint64_t positions = 0;
  do {
    frames.follow(m.vm);
    for (std::uint32_t fn = 0; fn < functions; ++fn)
      for (std::uint32_t depth = 0; depth <= m.vm.depth; ++depth)
        ASSERT_EQ(frames.innermost(fn, depth), scanned(m.vm, fn, depth)) << "step " << m.vm.step << " fn " << fn;
    for (const Expression& e : expressions)
      ASSERT_TRUE(pw::replay::same_result(e.evaluate(m.vm, &for_expressions), e.evaluate(m.vm)))
          << e.text() << " at step " << m.vm.step;
    ++positions;
  } while (m.run(1) == pw::RunStatus::Paused);
  EXPECT_EQ(m.vm.status, pw::RunStatus::Halted) << m.outcome();
  EXPECT_GT(positions, 500u);
}

// Followed position after position, the index looks at the frames that changed, not at the
// whole stack: a recursion 20,000 deep costs about two looks per position, where scanning
// for main's frame from the top would cost 20,000 at the bottom of it.
TEST(ActiveFrames, FollowingARunLooksAtAFewFramesPerPosition) {
  Machine m{"func down(n)\n  get_local n\n  lt_imm 1\n  jump_if_true base\n  get_local n\n  sub_imm 1\n"
            "  call_fn down\n  return\nbase:\n  push 0\n  return\nend\n"
            "func main()\n  local x\n  push 20000\n  call_fn down\n  halt\nend\n"};
  const auto main_fn = static_cast<std::uint32_t>(m.vm.program().find_function("main"));
  pw::replay::ActiveFrames frames;
  std::uint64_t positions = 0;
  do {
    frames.follow(m.vm);
    ASSERT_EQ(frames.innermost(main_fn, m.vm.depth), &m.vm.frames[0]);
    ++positions;
  } while (m.run(1) == pw::RunStatus::Paused);
  EXPECT_GT(positions, 100'000u);
  EXPECT_LE(frames.frames_looked_at(), 3 * positions);
}

}  // namespace
