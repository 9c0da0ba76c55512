// Every instruction family, run through the assembler, the verifier and the interpreter.
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <string>

#include "test_util.h"

namespace {

using pwtest::eval;
using pwtest::kRecursiveFib15;
using pwtest::eval_main;
using pwtest::Machine;
using pwtest::main_program;

std::optional<pw::ErrorKind> main_error(std::string_view body, std::string_view locals = "") {
  return pwtest::error_kind_of(main_program(std::string(body) + "\n  halt", locals));
}

// ---- constants ----------------------------------------------------------------------

TEST(Constants, NilTrueFalsePushTheirValues) {
  EXPECT_EQ(eval_main("  nil"), "nil");
  EXPECT_EQ(eval_main("  true"), "true");
  EXPECT_EQ(eval_main("  false"), "false");
}

TEST(Constants, PushIntCoversTheSignedThirtyTwoBitRange) {
  EXPECT_EQ(eval_main("  push_int 0"), "0");
  EXPECT_EQ(eval_main("  push_int -2147483648"), "-2147483648");
  EXPECT_EQ(eval_main("  push_int 2147483647"), "2147483647");
}

TEST(Constants, PushShorthandAcceptsEveryLiteral) {
  EXPECT_EQ(eval_main("  push 42"), "42");
  EXPECT_EQ(eval_main("  push -7"), "-7");
  EXPECT_EQ(eval_main("  push 0x1F"), "31");
  EXPECT_EQ(eval_main("  push 5000000000"), "5000000000");
  EXPECT_EQ(eval_main("  push 9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(eval_main("  push -9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(eval_main("  push 1.5"), "1.5");
  EXPECT_EQ(eval_main("  push -0.5"), "-0.5");
  EXPECT_EQ(eval_main("  push 2.5e-3"), "0.0025");
  EXPECT_EQ(eval_main("  push 1e3"), "1000.0");
  EXPECT_EQ(eval_main("  push 2.0"), "2.0");
  EXPECT_EQ(eval_main("  push \"hello\""), "hello");
  EXPECT_EQ(eval_main("  push 'abc"), "abc");
  EXPECT_EQ(eval_main("  push nil"), "nil");
  EXPECT_EQ(eval_main("  push true"), "true");
  EXPECT_EQ(eval_main("  push false"), "false");
}

TEST(Constants, PushConstTakesALiteral) {
  EXPECT_EQ(eval_main("  push_const 1.25"), "1.25");
  EXPECT_EQ(eval_main("  push_const 7000000000"), "7000000000");
  EXPECT_EQ(eval_main("  push_const \"s\""), "s");
  EXPECT_EQ(eval_main("  push_const 'k"), "k");
}

TEST(Constants, StringEscapesAreDecoded) {
  EXPECT_EQ(eval_main(R"PWA(  push "a\tb\nc\\d\"e\x41")PWA"), "a\tb\nc\\d\"eA");
  EXPECT_EQ(eval_main(R"PWA(  push "x\0y"
  str_len)PWA"),
            "3");
  EXPECT_EQ(eval_main(R"PWA(  push "x\0y"
  push 1
  str_index)PWA"),
            "0");
  EXPECT_EQ(eval_main(R"PWA(  push "\r"
  push 0
  str_index)PWA"),
            "13");
}

TEST(Constants, EqualSymbolsAreTheSameValue) {
  EXPECT_EQ(eval_main("  push 'abc\n  push 'abc\n  eq"), "true");
  EXPECT_EQ(eval_main("  push 'abc\n  push 'abd\n  eq"), "false");
}

TEST(Constants, PushFuncPushesACallableFunction) {
  const char* src = R"PWA(
func seven()
  push 7
  return
end
func main()
  push_func seven
  dup
  is function
  jump_if_false bad
  call 0
  halt
bad:
  pop
  push -1
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "7");
  EXPECT_EQ(eval(R"PWA(
func seven()
  push 7
  return
end
func main()
  push_func seven
  halt
end
)PWA"),
            "<fn seven>");
}

// ---- stack --------------------------------------------------------------------------

TEST(StackOps, PopDiscardsTheTop) { EXPECT_EQ(eval_main("  push 1\n  push 2\n  pop"), "1"); }

TEST(StackOps, DupCopiesTheTop) { EXPECT_EQ(eval_main("  push 21\n  dup\n  add"), "42"); }

TEST(StackOps, SwapExchangesTheTopTwo) {
  EXPECT_EQ(eval_main("  push 10\n  push 3\n  swap\n  sub"), "-7");
  EXPECT_EQ(eval_main("  push 10\n  push 3\n  swap\n  pop"), "3");
}

// ---- variables ----------------------------------------------------------------------

TEST(Locals, LocalsStartNilAndHoldWhatIsSet) {
  EXPECT_EQ(eval_main("  get_local x", "x"), "nil");
  EXPECT_EQ(eval_main("  push 5\n  set_local x\n  push 6\n  set_local y\n  get_local x\n  get_local y\n  sub", "x, y"),
            "-1");
}

TEST(Locals, LocalsMayBeDeclaredOnSeveralLines) {
  EXPECT_EQ(eval(R"PWA(
func main()
  local a
  push 2
  set_local a
  local b, c
  push 3
  set_local b
  push 4
  set_local c
  get_local a
  get_local b
  mul
  get_local c
  mul
  halt
end
)PWA"),
            "24");
}

TEST(Locals, ParametersAreTheFirstLocals) {
  EXPECT_EQ(eval(R"PWA(
func f(a, b)
  local c
  get_local a
  get_local b
  sub
  set_local c
  get_local c
  return
end
func main()
  push 9
  push 4
  call_fn f
  halt
end
)PWA"),
            "5");
}

TEST(Locals, IncLocalAddsItsImmediate) {
  EXPECT_EQ(eval_main("  push 40\n  set_local x\n  inc_local x, 2\n  get_local x", "x"), "42");
  EXPECT_EQ(eval_main("  push 40\n  set_local x\n  inc_local x -50\n  get_local x", "x"), "-10");
}

TEST(Locals, IncLocalRejectsNonIntsAndOverflow) {
  EXPECT_EQ(main_error("  inc_local x, 1\n  get_local x", "x"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  push 9223372036854775807\n  set_local x\n  inc_local x, 1\n  get_local x", "x"),
            pw::ErrorKind::ArithmeticOverflow);
}

TEST(Globals, GlobalsStartAsTheirInitialiserOrNil) {
  const char* src = R"PWA(
global a = 7
global b
global c = "text"
global d = 2.5
global e = 'sym
global f = true
func main()
  get_global a
  get_global b
  cons
  get_global c
  get_global d
  cons
  get_global e
  get_global f
  cons
  nil
  cons
  cons
  cons
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "((7) (\"text\" . 2.5) (sym . true))");
}

TEST(Globals, SetGlobalIsSeenByOtherFunctions) {
  const char* src = R"PWA(
global total = 0
func bump(n)
  get_global total
  get_local n
  add
  set_global total
  nil
  return
end
func main()
  push 5
  call_fn bump
  pop
  push 37
  call_fn bump
  pop
  get_global total
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "42");
}

// ---- closures -----------------------------------------------------------------------

const char* kCounter = R"PWA(
func make_counter(start)
  get_local start
  make_closure counter_step
  return
end

func counter_step() captures(count)
  get_capture count
  add_imm 1
  dup
  set_capture count
  return
end

func main()
  local c, d
  push 0
  call_fn make_counter
  set_local c
  push 100
  call_fn make_counter
  set_local d
  get_local c
  call 0
  pop
  get_local c
  call 0
  pop
  get_local d
  call 0
  pop
  get_local c
  call 0
  get_local d
  call 0
  cons
  halt
end
)PWA";

TEST(Closures, EachClosureKeepsItsOwnCapturedState) { EXPECT_EQ(eval(kCounter), "(3 . 102)"); }

TEST(Closures, MakeClosurePopsCapturesInDeclarationOrder) {
  const char* src = R"PWA(
func diff() captures(a, b)
  get_capture a
  get_capture b
  sub
  return
end
func main()
  push 10
  push 3
  make_closure diff
  call 0
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "7");
}

TEST(Closures, ClosuresTakeArgumentsAndAreClosuresNotFunctions) {
  const char* src = R"PWA(
func adder(x) captures(n)
  get_local x
  get_capture n
  add
  return
end
func main()
  local f
  push 40
  make_closure adder
  set_local f
  get_local f
  is closure
  get_local f
  is function
  cons
  get_local f
  push 2
  call 1
  cons
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "((true . false) . 42)");
}

TEST(Closures, DisplayNamesTheFunction) {
  const char* src = R"PWA(
func body() captures(v)
  get_capture v
  return
end
func main()
  nil
  make_closure body
  halt
end
)PWA";
  const std::string shown = eval(src);
  EXPECT_EQ(shown.rfind("<closure body #", 0), 0u) << shown;
}

// ---- pairs --------------------------------------------------------------------------

TEST(Pairs, ConsCarCdr) {
  EXPECT_EQ(eval_main("  push 1\n  push 2\n  cons"), "(1 . 2)");
  EXPECT_EQ(eval_main("  push 1\n  push 2\n  cons\n  car"), "1");
  EXPECT_EQ(eval_main("  push 1\n  push 2\n  cons\n  cdr"), "2");
}

TEST(Pairs, ProperListsDisplayAsLists) {
  EXPECT_EQ(eval_main("  push 1\n  push 2\n  push 3\n  nil\n  cons\n  cons\n  cons"), "(1 2 3)");
  EXPECT_EQ(eval_main("  push 1\n  push 2\n  push 3\n  cons\n  cons"), "(1 2 . 3)");
  EXPECT_EQ(eval_main("  push \"a\"\n  push 'b\n  nil\n  cons\n  cons"), "(\"a\" b)");
}

TEST(Pairs, SetCarAndSetCdrMutateInPlace) {
  const char* body = R"PWA(
  push 1
  push 2
  cons
  set_local p
  get_local p
  push 10
  set_car
  get_local p
  push 20
  set_cdr
  get_local p)PWA";
  EXPECT_EQ(eval_main(body, "p"), "(10 . 20)");
}

TEST(Pairs, CarOfANonPairIsATypeError) {
  EXPECT_EQ(main_error("  push 1\n  car"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  nil\n  cdr"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  push 1\n  push 2\n  set_car\n  nil"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  push \"s\"\n  push 2\n  set_cdr\n  nil"), pw::ErrorKind::TypeError);
}

// ---- type tests ---------------------------------------------------------------------

TEST(TypeTests, IsRecognisesEveryType) {
  const char* src = R"PWA(
func f()
  nil
  return
end
func g() captures(x)
  nil
  return
end
func main()
  local n
  nil
  is nil
  false
  is bool
  push 1
  is int
  push 1.5
  is float
  push 'a
  is symbol
  push_func f
  is function
  push "s"
  is string
  push 1
  push 2
  cons
  is pair
  push 2
  array_new
  is array
  nil
  make_closure g
  is closure
  push 0
  set_local n
  jump_if_false no
  inc_local n, 1
no:
  jump_if_false no2
  inc_local n, 1
no2:
  jump_if_false no3
  inc_local n, 1
no3:
  jump_if_false no4
  inc_local n, 1
no4:
  jump_if_false no5
  inc_local n, 1
no5:
  jump_if_false no6
  inc_local n, 1
no6:
  jump_if_false no7
  inc_local n, 1
no7:
  jump_if_false no8
  inc_local n, 1
no8:
  jump_if_false no9
  inc_local n, 1
no9:
  jump_if_false no10
  inc_local n, 1
no10:
  get_local n
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "10");
}

TEST(TypeTests, IsIsFalseForOtherTypes) {
  EXPECT_EQ(eval_main("  push 1\n  is float"), "false");
  EXPECT_EQ(eval_main("  push 1.0\n  is int"), "false");
  EXPECT_EQ(eval_main("  nil\n  is pair"), "false");
  EXPECT_EQ(eval_main("  false\n  is nil"), "false");
  EXPECT_EQ(eval_main("  push \"s\"\n  is symbol"), "false");
  EXPECT_EQ(eval_main("  push 'a\n  is string"), "false");
}

// ---- arrays -------------------------------------------------------------------------

TEST(Arrays, NewArrayHoldsNils) {
  EXPECT_EQ(eval_main("  push 3\n  array_new"), "[nil, nil, nil]");
  EXPECT_EQ(eval_main("  push 0\n  array_new"), "[]");
  EXPECT_EQ(eval_main("  push 4\n  array_new\n  array_len"), "4");
}

TEST(Arrays, SetThenGet) {
  const char* body = R"PWA(
  push 3
  array_new
  set_local a
  get_local a
  push 0
  push 10
  array_set
  get_local a
  push 2
  push "z"
  array_set
  get_local a
  push 1
  get_local a
  push 0
  array_get
  add_imm 1
  array_set
  get_local a)PWA";
  EXPECT_EQ(eval_main(body, "a"), "[10, 11, \"z\"]");
}

TEST(Arrays, OutOfRangeIndexIsAnIndexError) {
  EXPECT_EQ(main_error("  push 2\n  array_new\n  push 2\n  array_get"), pw::ErrorKind::IndexError);
  EXPECT_EQ(main_error("  push 2\n  array_new\n  push -1\n  array_get"), pw::ErrorKind::IndexError);
  EXPECT_EQ(main_error("  push 2\n  array_new\n  push 5\n  push 1\n  array_set\n  nil"), pw::ErrorKind::IndexError);
  EXPECT_EQ(main_error("  push -1\n  array_new"), pw::ErrorKind::IndexError);
}

TEST(Arrays, WrongOperandTypesAreTypeErrors) {
  EXPECT_EQ(main_error("  push \"3\"\n  array_new"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  push 2\n  array_new\n  push 0.0\n  array_get"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  push 1\n  push 0\n  array_get"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  nil\n  array_len"), pw::ErrorKind::TypeError);
}

// ---- strings ------------------------------------------------------------------------

TEST(Strings, LengthConcatAndIndex) {
  EXPECT_EQ(eval_main("  push \"hello\"\n  str_len"), "5");
  EXPECT_EQ(eval_main("  push \"\"\n  str_len"), "0");
  EXPECT_EQ(eval_main("  push \"ab\"\n  push \"cd\"\n  str_concat"), "abcd");
  EXPECT_EQ(eval_main("  push \"ab\"\n  push \"cd\"\n  str_concat\n  str_len"), "4");
  EXPECT_EQ(eval_main("  push \"abc\"\n  push 1\n  str_index"), "98");
}

TEST(Strings, IndexOutOfRangeIsAnIndexError) {
  EXPECT_EQ(main_error("  push \"abc\"\n  push 3\n  str_index"), pw::ErrorKind::IndexError);
  EXPECT_EQ(main_error("  push \"abc\"\n  push -1\n  str_index"), pw::ErrorKind::IndexError);
}

TEST(Strings, WrongOperandTypesAreTypeErrors) {
  EXPECT_EQ(main_error("  push 1\n  str_len"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  push \"a\"\n  push 1\n  str_concat"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  push 'a\n  push 0\n  str_index"), pw::ErrorKind::TypeError);
}

TEST(Strings, ToStringRendersAsPrintDoes) {
  EXPECT_EQ(eval_main("  push 42\n  to_string\n  str_len"), "2");
  EXPECT_EQ(eval_main("  push 2.0\n  to_string\n  push \"!\"\n  str_concat"), "2.0!");
  EXPECT_EQ(eval_main("  push 'sym\n  to_string\n  is string"), "true");
  EXPECT_EQ(eval_main("  push \"s\"\n  nil\n  cons\n  to_string\n  str_len"), "5");  // ("s")
  EXPECT_EQ(eval_main("  push 1\n  push 2\n  nil\n  cons\n  cons\n  to_string\n  push \"<\"\n  swap\n  str_concat"),
            "<(1 2)");
  EXPECT_EQ(eval_main("  nil\n  to_string"), "nil");
}

TEST(Strings, ToStringOfACyclicListIsBounded) {
  const char* body = R"PWA(
  push 1
  nil
  cons
  set_local p
  get_local p
  get_local p
  set_cdr
  get_local p
  to_string
  str_len
  lt_imm 1000)PWA";
  EXPECT_EQ(eval_main(body, "p"), "true");
}

TEST(Strings, ToStringOfSharedNestedListsIsBounded) {
  // Three levels of 100-element lists, each level sharing one list of the level below: 300
  // pairs, but a million leaves when printed in full. Printing must stay bounded, or a small
  // program could make print allocate without limit (no heap or step limit applies to it).
  const char* src = R"PWA(
func repeat(x)
  local i, limit, list
  push 1
  set_local i
  push 100
  set_local limit
loop:
  get_local x
  get_local list
  cons
  set_local list
  for_next i, loop
  get_local list
  return
end
func main()
  push 7
  call_fn repeat
  call_fn repeat
  call_fn repeat
  to_string
  str_len
  lt_imm 100000
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "true");
}

TEST(Strings, PrintingACyclicPairIsBounded) {
  const char* src = R"PWA(
func main()
  local p
  push 0
  nil
  cons
  set_local p
  get_local p
  get_local p
  set_car
  get_local p
  get_local p
  set_cdr
  get_local p
  to_string
  str_len
  lt_imm 100000
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "true");
}

// ---- arithmetic ---------------------------------------------------------------------

TEST(IntArithmetic, AddSubMulNeg) {
  EXPECT_EQ(eval_main("  push 2\n  push 3\n  add"), "5");
  EXPECT_EQ(eval_main("  push 2\n  push 3\n  sub"), "-1");
  EXPECT_EQ(eval_main("  push -4\n  push 3\n  mul"), "-12");
  EXPECT_EQ(eval_main("  push 4\n  neg"), "-4");
  EXPECT_EQ(eval_main("  push 3000000000\n  push 3\n  mul"), "9000000000");
}

TEST(IntArithmetic, DivisionIsFloored) {
  EXPECT_EQ(eval_main("  push 7\n  push 2\n  div"), "3");
  EXPECT_EQ(eval_main("  push -7\n  push 2\n  div"), "-4");
  EXPECT_EQ(eval_main("  push 7\n  push -2\n  div"), "-4");
  EXPECT_EQ(eval_main("  push -7\n  push -2\n  div"), "3");
  EXPECT_EQ(eval_main("  push 6\n  push -3\n  div"), "-2");
}

TEST(IntArithmetic, ModTakesTheSignOfTheDivisor) {
  EXPECT_EQ(eval_main("  push 7\n  push 2\n  mod"), "1");
  EXPECT_EQ(eval_main("  push -7\n  push 2\n  mod"), "1");
  EXPECT_EQ(eval_main("  push 7\n  push -2\n  mod"), "-1");
  EXPECT_EQ(eval_main("  push -7\n  push -2\n  mod"), "-1");
  EXPECT_EQ(eval_main("  push 6\n  push 3\n  mod"), "0");
  EXPECT_EQ(eval_main("  push -6\n  push 3\n  mod"), "0");
}

TEST(IntArithmetic, ImmediateForms) {
  EXPECT_EQ(eval_main("  push 40\n  add_imm 2"), "42");
  EXPECT_EQ(eval_main("  push 40\n  sub_imm 50"), "-10");
  EXPECT_EQ(eval_main("  push 21\n  mul_imm -2"), "-42");
  EXPECT_EQ(eval_main("  push -7\n  div_imm 2"), "-4");
  EXPECT_EQ(eval_main("  push -7\n  mod_imm 2"), "1");
  EXPECT_EQ(eval_main("  push 7\n  mod_imm -2"), "-1");
}

TEST(IntArithmetic, OverflowIsAnError) {
  const auto overflow = pw::ErrorKind::ArithmeticOverflow;
  EXPECT_EQ(main_error("  push 9223372036854775807\n  push 1\n  add"), overflow);
  EXPECT_EQ(main_error("  push -9223372036854775808\n  push 1\n  sub"), overflow);
  EXPECT_EQ(main_error("  push 9223372036854775807\n  push 2\n  mul"), overflow);
  EXPECT_EQ(main_error("  push -9223372036854775808\n  neg"), overflow);
  EXPECT_EQ(main_error("  push -9223372036854775808\n  push -1\n  div"), overflow);
  EXPECT_EQ(main_error("  push 9223372036854775807\n  add_imm 1"), overflow);
  EXPECT_EQ(main_error("  push -9223372036854775808\n  sub_imm 1"), overflow);
  EXPECT_EQ(main_error("  push 4611686018427387904\n  mul_imm 2"), overflow);
  EXPECT_EQ(main_error("  push -9223372036854775808\n  div_imm -1"), overflow);
}

TEST(IntArithmetic, LimitsThemselvesDoNotOverflow) {
  EXPECT_EQ(eval_main("  push 9223372036854775806\n  add_imm 1"), "9223372036854775807");
  EXPECT_EQ(eval_main("  push -9223372036854775807\n  sub_imm 1"), "-9223372036854775808");
  EXPECT_EQ(eval_main("  push -9223372036854775807\n  neg"), "9223372036854775807");
}

TEST(IntArithmetic, DivisionByZeroIsAnError) {
  EXPECT_EQ(main_error("  push 1\n  push 0\n  div"), pw::ErrorKind::DivisionByZero);
  EXPECT_EQ(main_error("  push 1\n  push 0\n  mod"), pw::ErrorKind::DivisionByZero);
}

TEST(IntArithmetic, WrongTypesAreTypeErrors) {
  EXPECT_EQ(main_error("  push 1\n  push \"2\"\n  add"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  nil\n  push 1\n  sub"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  push 'a\n  neg"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  true\n  add_imm 1"), pw::ErrorKind::TypeError);
}

TEST(FloatArithmetic, BasicOperations) {
  EXPECT_EQ(eval_main("  push 1.5\n  push 2.25\n  add"), "3.75");
  EXPECT_EQ(eval_main("  push 1.5\n  push 2.25\n  sub"), "-0.75");
  EXPECT_EQ(eval_main("  push 1.5\n  push 2.0\n  mul"), "3.0");
  EXPECT_EQ(eval_main("  push 7.0\n  push 2.0\n  div"), "3.5");
  EXPECT_EQ(eval_main("  push 1.5\n  neg"), "-1.5");
  EXPECT_EQ(eval_main("  push 1.5\n  push 2.0\n  mul\n  is float"), "true");
}

TEST(FloatArithmetic, MixedIntAndFloatOperandsGiveFloats) {
  EXPECT_EQ(eval_main("  push 1\n  push 0.5\n  add"), "1.5");
  EXPECT_EQ(eval_main("  push 0.5\n  push 3\n  mul"), "1.5");
  EXPECT_EQ(eval_main("  push 7\n  push 2.0\n  div"), "3.5");
  EXPECT_EQ(eval_main("  push 2.5\n  add_imm 1"), "3.5");
}

TEST(FloatArithmetic, FloatModIsFloored) {
  EXPECT_EQ(eval_main("  push -7.5\n  push 2.0\n  mod"), "0.5");
  EXPECT_EQ(eval_main("  push 7.5\n  push -2.0\n  mod"), "-0.5");
}

// ---- comparison and logic -----------------------------------------------------------

TEST(Comparisons, IntComparisons) {
  EXPECT_EQ(eval_main("  push 1\n  push 2\n  lt"), "true");
  EXPECT_EQ(eval_main("  push 2\n  push 2\n  lt"), "false");
  EXPECT_EQ(eval_main("  push 2\n  push 2\n  le"), "true");
  EXPECT_EQ(eval_main("  push 3\n  push 2\n  le"), "false");
  EXPECT_EQ(eval_main("  push 3\n  push 2\n  gt"), "true");
  EXPECT_EQ(eval_main("  push 2\n  push 2\n  gt"), "false");
  EXPECT_EQ(eval_main("  push 2\n  push 2\n  ge"), "true");
  EXPECT_EQ(eval_main("  push 1\n  push 2\n  ge"), "false");
  EXPECT_EQ(eval_main("  push 5\n  push 5\n  eq"), "true");
  EXPECT_EQ(eval_main("  push 5\n  push 6\n  eq"), "false");
  EXPECT_EQ(eval_main("  push 5\n  push 6\n  ne"), "true");
  EXPECT_EQ(eval_main("  push 5\n  push 5\n  ne"), "false");
  EXPECT_EQ(eval_main("  push -9223372036854775808\n  push 9223372036854775807\n  lt"), "true");
}

TEST(Comparisons, FloatComparisons) {
  EXPECT_EQ(eval_main("  push 1.5\n  push 2.5\n  lt"), "true");
  EXPECT_EQ(eval_main("  push 2.5\n  push 2.5\n  le"), "true");
  EXPECT_EQ(eval_main("  push 2.5\n  push 1.5\n  gt"), "true");
  EXPECT_EQ(eval_main("  push 2.5\n  push 2.5\n  ge"), "true");
  EXPECT_EQ(eval_main("  push 2.5\n  push 2.5\n  eq"), "true");
  EXPECT_EQ(eval_main("  push 2.5\n  push 1.5\n  ne"), "true");
}

TEST(Comparisons, ImmediateForms) {
  EXPECT_EQ(eval_main("  push 3\n  eq_imm 3"), "true");
  EXPECT_EQ(eval_main("  push 3\n  eq_imm 4"), "false");
  EXPECT_EQ(eval_main("  push 3\n  ne_imm 4"), "true");
  EXPECT_EQ(eval_main("  push 3\n  lt_imm 4"), "true");
  EXPECT_EQ(eval_main("  push 4\n  lt_imm 4"), "false");
  EXPECT_EQ(eval_main("  push 4\n  le_imm 4"), "true");
  EXPECT_EQ(eval_main("  push 5\n  gt_imm 4"), "true");
  EXPECT_EQ(eval_main("  push 4\n  gt_imm 4"), "false");
  EXPECT_EQ(eval_main("  push 4\n  ge_imm 4"), "true");
  EXPECT_EQ(eval_main("  push -5\n  ge_imm -4"), "false");
}

TEST(Comparisons, EqualityOfOtherValues) {
  EXPECT_EQ(eval_main("  nil\n  nil\n  eq"), "true");
  EXPECT_EQ(eval_main("  true\n  true\n  eq"), "true");
  EXPECT_EQ(eval_main("  true\n  false\n  eq"), "false");
  EXPECT_EQ(eval_main("  push 1\n  nil\n  eq"), "false");
  EXPECT_EQ(eval_main("  push 1\n  nil\n  ne"), "true");
  EXPECT_EQ(eval_main("  push 1\n  push 2\n  cons\n  dup\n  eq"), "true");
}

TEST(Comparisons, StringsCompareByContent) {
  // The concatenation makes a second string object with the same bytes.
  EXPECT_EQ(eval_main("  push \"ab\"\n  push \"a\"\n  push \"b\"\n  str_concat\n  eq"), "true");
  EXPECT_EQ(eval_main("  push \"ab\"\n  push \"a\"\n  push \"c\"\n  str_concat\n  ne"), "true");
  EXPECT_EQ(eval_main("  push \"abc\"\n  push \"abd\"\n  lt"), "true");
  EXPECT_EQ(eval_main("  push \"b\"\n  push \"abc\"\n  gt"), "true");
}

TEST(Comparisons, IntsAndFloatsCompareByValue) {
  EXPECT_EQ(eval_main("  push 1\n  push 1.0\n  eq"), "true");
  EXPECT_EQ(eval_main("  push 1\n  push 1.5\n  lt"), "true");
  EXPECT_EQ(eval_main("  push 2.0\n  eq_imm 2"), "true");
}

TEST(Comparisons, OrderingNonNumbersIsATypeError) {
  EXPECT_EQ(main_error("  push 1\n  nil\n  lt"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  push 'a\n  push 1\n  ge"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  nil\n  gt_imm 1"), pw::ErrorKind::TypeError);
}

TEST(Logic, NotFollowsTruthiness) {
  EXPECT_EQ(eval_main("  nil\n  not"), "true");
  EXPECT_EQ(eval_main("  false\n  not"), "true");
  EXPECT_EQ(eval_main("  true\n  not"), "false");
  EXPECT_EQ(eval_main("  push 0\n  not"), "false");
  EXPECT_EQ(eval_main("  push \"\"\n  not"), "false");
  EXPECT_EQ(eval_main("  push 0\n  array_new\n  not"), "false");
}

// ---- control ------------------------------------------------------------------------

TEST(Jumps, JumpSkipsCode) {
  EXPECT_EQ(eval_main("  push 1\n  jump over\n  pop\n  push 2\nover:\n  add_imm 10"), "11");
}

TEST(Jumps, ConditionalJumpsFollowTruthiness) {
  // Zero and the empty string are true; only nil and false are false.
  auto branch = [](const std::string& cond, const std::string& op) {
    return eval_main("  " + cond + "\n  " + op + " yes\n  push 0\n  halt\nyes:\n  push 1");
  };
  EXPECT_EQ(branch("push 0", "jump_if_true"), "1");
  EXPECT_EQ(branch("push \"\"", "jump_if_true"), "1");
  EXPECT_EQ(branch("nil", "jump_if_true"), "0");
  EXPECT_EQ(branch("false", "jump_if_true"), "0");
  EXPECT_EQ(branch("push 0", "jump_if_false"), "0");
  EXPECT_EQ(branch("nil", "jump_if_false"), "1");
  EXPECT_EQ(branch("false", "jump_if_false"), "1");
  EXPECT_EQ(branch("true", "jump_if_false"), "0");
}

TEST(Jumps, BackwardJumpMakesALoop) {
  const char* body = R"PWA(
  push 0
  set_local acc
  push 10
  set_local n
top:
  get_local acc
  get_local n
  add
  set_local acc
  inc_local n, -1
  get_local n
  gt_imm 0
  jump_if_true top
  get_local acc)PWA";
  EXPECT_EQ(eval_main(body, "acc, n"), "55");
}

TEST(ForNext, CountsUpToAndIncludingTheLimit) {
  const char* body = R"PWA(
  push 0
  set_local sum
  push 1
  set_local i
  push 10
  set_local limit
loop:
  get_local sum
  get_local i
  add
  set_local sum
  for_next i, loop
  get_local sum
  get_local i
  cons)PWA";
  EXPECT_EQ(eval_main(body, "sum, i, limit"), "(55 . 11)");
}

TEST(ForNext, BodyRunsOnceWhenStartIsPastTheLimit) {
  const char* body = R"PWA(
  push 0
  set_local n
  push 5
  set_local i
  push 3
  set_local limit
loop:
  inc_local n, 1
  for_next i, loop
  get_local n)PWA";
  EXPECT_EQ(eval_main(body, "n, i, limit"), "1");
}

TEST(ForNext, CounterMustBeAnInt) {
  EXPECT_EQ(main_error("  push 3\n  set_local limit\nloop:\n  for_next i, loop\n  nil", "i, limit"),
            pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  push 9223372036854775807\n  dup\n  set_local i\n  set_local limit\nloop:\n  for_next i, loop\n  nil",
                       "i, limit"),
            pw::ErrorKind::ArithmeticOverflow);
}

// ---- functions ----------------------------------------------------------------------

TEST(Calls, DirectCallPassesArgumentsInOrder) {
  const char* src = R"PWA(
func sub3(a, b, c)
  get_local a
  get_local b
  sub
  get_local c
  sub
  return
end
func main()
  push 100
  push 30
  push 8
  call_fn sub3
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "62");
}

TEST(Calls, RecursionComputesFibonacci) {
  EXPECT_EQ(eval(kRecursiveFib15), "610");
}

TEST(Calls, DynamicCallOfFunctionsAndClosures) {
  const char* src = R"PWA(
func twice(f, x)
  get_local f
  get_local f
  get_local x
  call 1
  call 1
  return
end
func inc(x)
  get_local x
  add_imm 1
  return
end
func scale(x) captures(k)
  get_local x
  get_capture k
  mul
  return
end
func main()
  push_func inc
  push 5
  call_fn twice
  push 3
  make_closure scale
  push 5
  call_fn twice
  cons
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "(7 . 45)");
}

TEST(Calls, DynamicCallOfANonFunctionIsATypeError) {
  EXPECT_EQ(main_error("  push 1\n  call 0"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  nil\n  push 1\n  call 1"), pw::ErrorKind::TypeError);
  EXPECT_EQ(main_error("  push \"f\"\n  call 0"), pw::ErrorKind::TypeError);
}

TEST(Calls, DynamicCallWithTheWrongArgumentCountIsATypeError) {
  const char* src = R"PWA(
func two(a, b)
  get_local a
  return
end
func main()
  push_func two
  push 1
  call 1
  halt
end
)PWA";
  EXPECT_EQ(pwtest::error_kind_of(src), pw::ErrorKind::TypeError);
  const char* closure_src = R"PWA(
func one() captures(c)
  get_capture c
  return
end
func main()
  push 1
  make_closure one
  push 1
  push 2
  call 2
  halt
end
)PWA";
  EXPECT_EQ(pwtest::error_kind_of(closure_src), pw::ErrorKind::TypeError);
}

TEST(Calls, ReturnFromEntryEndsTheProgramWithItsValue) {
  Machine m(main_program("  push 9\n  return"));
  EXPECT_EQ(m.run(), pw::RunStatus::Halted);
  EXPECT_EQ(m.result(), "9");
}

TEST(Calls, HaltInANestedFunctionStopsEverything) {
  const char* src = R"PWA(
func deep(n)
  get_local n
  halt
end
func mid()
  push 5
  call_fn deep
  add_imm 1000
  return
end
func main()
  call_fn mid
  add_imm 1000
  halt
end
)PWA";
  Machine m(src);
  EXPECT_EQ(m.run(), pw::RunStatus::Halted);
  EXPECT_EQ(m.result(), "5");
  EXPECT_EQ(m.host.output, "");
}

TEST(TailCalls, TailCallFnComputesTheSameAsACall) {
  const char* src = R"PWA(
func sum_to(n, acc)
  get_local n
  eq_imm 0
  jump_if_false more
  get_local acc
  return
more:
  get_local n
  sub_imm 1
  get_local acc
  get_local n
  add
  tail_call_fn sum_to
end
func main()
  push 100
  push 0
  call_fn sum_to
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "5050");
}

TEST(TailCalls, TailCallToAFunctionWithMoreLocals) {
  const char* src = R"PWA(
func small(x)
  get_local x
  push 1
  push 2
  tail_call_fn big
end
func big(a, b, c)
  local d, e, f
  get_local a
  get_local b
  add
  get_local c
  add
  set_local f
  get_local f
  get_local d
  cons
  return
end
func main()
  push 100
  call_fn small
  push 7
  cons
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "((103) . 7)");
}

TEST(TailCalls, DynamicTailCallOfAClosure) {
  const char* src = R"PWA(
func add_k(x) captures(k)
  get_local x
  get_capture k
  add
  return
end
func apply(f, x)
  get_local f
  get_local x
  tail_call 1
end
func main()
  push_func apply
  push 40
  make_closure add_k
  push 2
  call 2
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "42");
}

TEST(TailCalls, DynamicTailCallWithTheWrongArgumentCountIsATypeError) {
  const char* src = R"PWA(
func one(x)
  get_local x
  return
end
func main()
  push_func one
  tail_call 0
end
)PWA";
  EXPECT_EQ(pwtest::error_kind_of(src), pw::ErrorKind::TypeError);
}

TEST(TailCalls, MillionIterationLoopRunsInConstantFrames) {
  const char* src = R"PWA(
func count(n, acc)
  get_local n
  eq_imm 0
  jump_if_false more
  get_local acc
  return
more:
  get_local n
  sub_imm 1
  get_local acc
  add_imm 2
  tail_call_fn count
end
func main()
  push 1000000
  push 0
  call_fn count
  halt
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_depth = 10;
  cfg.limits.max_stack = 64;
  Machine m(src, cfg);
  std::uint32_t max_depth = 0;
  pw::RunStatus st;
  while ((st = m.run(250'000)) == pw::RunStatus::Paused) max_depth = std::max(max_depth, m.vm.depth);
  ASSERT_EQ(st, pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.result(), "2000000");
  EXPECT_LE(max_depth, 2u);
  EXPECT_GT(m.vm.step, 6'000'000u);
}

TEST(TailCalls, DynamicTailCallLoopRunsInConstantFrames) {
  const char* src = R"PWA(
func step(self, n) captures(unit)
  get_local n
  eq_imm 0
  jump_if_false more
  get_capture unit
  return
more:
  get_local self
  get_local self
  get_local n
  sub_imm 1
  tail_call 2
end
func main()
  local f
  push 'done
  make_closure step
  set_local f
  get_local f
  get_local f
  push 100000
  call 2
  halt
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_depth = 10;
  Machine m(src, cfg);
  pw::RunStatus st;
  while ((st = m.run(50'000)) == pw::RunStatus::Paused) ASSERT_LE(m.vm.depth, 2u);
  ASSERT_EQ(st, pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.result(), "done");
}

// ---- exceptions ---------------------------------------------------------------------

TEST(Exceptions, ThrowInTheSameFrameIsCaught) {
  const char* body = R"PWA(
  try handler
  push 5
  throw
handler:
  add_imm 1)PWA";
  EXPECT_EQ(eval_main(body), "6");
}

TEST(Exceptions, ThrowUnwindsAcrossFrames) {
  const char* src = R"PWA(
func thrower(x)
  get_local x
  throw
end
func middle(x)
  get_local x
  mul_imm 10
  call_fn thrower
  add_imm 1000
  return
end
func main()
  try caught
  push 4
  call_fn middle
  end_try
  halt
caught:
  add_imm 2
  halt
end
)PWA";
  Machine m(src);
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.result(), "42");
  EXPECT_EQ(m.vm.depth, 1u);
}

TEST(Exceptions, EndTryRemovesTheInnermostHandler) {
  const char* body = R"PWA(
  try outer
  try inner
  end_try
  push 'x
  throw
inner:
  pop
  push 'wrong
  halt
outer:
  push 'right
  cons)PWA";
  EXPECT_EQ(eval_main(body), "(x . right)");
}

TEST(Exceptions, NestedHandlersCatchInnermostFirstAndMayRethrow) {
  const char* src = R"PWA(
func inner()
  try h
  push 1
  throw
h:
  add_imm 10
  throw
end
func main()
  try outer
  call_fn inner
  halt
outer:
  add_imm 100
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "111");
}

TEST(Exceptions, AnyValueMayBeThrown) {
  const char* body = R"PWA(
  try h
  push 1
  push 2
  cons
  throw
h:
  cdr)PWA";
  EXPECT_EQ(eval_main(body), "2");
}

TEST(Exceptions, CatchingRestoresTheStackAndFrames) {
  // 500 throws from three frames deep, each caught in main: if a catch left values or frames
  // behind, the small limits below would be hit.
  const char* src = R"PWA(
func deep(n)
  push 1
  push 2
  push 3
  get_local n
  throw
end
func mid(n)
  push 9
  get_local n
  call_fn deep
  return
end
func main()
  local i, limit, sum
  push 0
  set_local sum
  push 1
  set_local i
  push 500
  set_local limit
loop:
  try caught
  push 7
  get_local i
  call_fn mid
  pop
  pop
  end_try
  jump next
caught:
  get_local sum
  add
  set_local sum
next:
  for_next i, loop
  get_local sum
  halt
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_stack = 64;
  cfg.limits.max_depth = 8;
  Machine m(src, cfg);
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.result(), "125250");
}

TEST(Exceptions, ATailCallDropsTheHandlersOfTheFrameItReplaces) {
  const char* src = R"PWA(
func thrower(x)
  get_local x
  throw
end
func guarded(x)
  try wrong
  get_local x
  tail_call_fn thrower
wrong:
  pop
  push 'wrong
  return
end
func main()
  try right
  push 1
  call_fn guarded
  halt
right:
  pop
  push 'right
  halt
end
)PWA";
  EXPECT_EQ(eval(src), "right");
}

TEST(Exceptions, ReturningDropsTheHandlersOfTheFrame) {
  const char* src = R"PWA(
func leaves_a_handler()
  try stale
  push 1
  return
stale:
  pop
  push 'stale
  halt
end
func main()
  call_fn leaves_a_handler
  throw
end
)PWA";
  EXPECT_EQ(pwtest::error_kind_of(src), pw::ErrorKind::UncaughtException);
}

TEST(Exceptions, UncaughtThrowFails) {
  const pw::VmError e = pwtest::run_error(main_program("  push 'oops\n  throw"));
  EXPECT_EQ(e.kind, pw::ErrorKind::UncaughtException);
  EXPECT_NE(e.message.find("oops"), std::string::npos) << e.message;
}

// ---- host calls ---------------------------------------------------------------------

TEST(HostCalls, PrintWritesTheValueAndANewline) {
  const char* body = R"PWA(
  push 42
  host print
  pop
  push "text"
  host print
  pop
  push 1
  push "a"
  nil
  cons
  cons
  host print
  pop
  push 2.0
  host print)PWA";
  EXPECT_EQ(pwtest::output_of(main_program(std::string(body) + "\n  halt")), "42\ntext\n(1 \"a\")\n2.0\n");
}

TEST(HostCalls, PrintReturnsNil) { EXPECT_EQ(eval_main("  push 1\n  host print"), "nil"); }

TEST(HostCalls, WriteAddsNoNewline) {
  EXPECT_EQ(pwtest::output_of(main_program("  push \"a\"\n  host write\n  pop\n  push 1\n  host write\n  halt")), "a1");
}

TEST(HostCalls, PrintAndWriteNeedNoCapability) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.capabilities = pw::kCapNone;
  EXPECT_EQ(pwtest::output_of(main_program("  push 1\n  host print\n  host write\n  halt"), cfg), "1\nnil");
}

TEST(HostCalls, ReadLineReturnsLinesThenNil) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.capabilities = pw::kCapIo;
  Machine m(main_program("  host read_line\n  host read_line\n  host read_line\n  cons\n  cons\n  halt"), cfg);
  m.host.input_lines = {"first", "second"};
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.result(), "(\"first\" \"second\")");
}

// A read the host could not finish because of a signal did not happen: the run pauses before
// the host instruction, with the stack as it was, and reads when it goes on.
TEST(HostCalls, InterruptedReadPausesBeforeTheCallAndReadsWhenTheRunGoesOn) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.capabilities = pw::kCapIo;
  char input[] = "first\n";
  std::FILE* in = fmemopen(input, sizeof input - 1, "r");
  std::FILE* out = std::tmpfile();
  ASSERT_TRUE(in && out);
  pw::SystemHost host({}, 1, out, in);
  std::atomic<int> stop{SIGTERM};
  host.interrupt_reads_on(&stop);
  pw::VmState vm(pwtest::load(main_program("  push 7\n  host read_line\n  cons\n  halt")), cfg, &host);
  ASSERT_EQ(pw::run(vm, 1), pw::RunStatus::Paused);
  const std::size_t stack = vm.stack_size();
  EXPECT_EQ(pw::run(vm), pw::RunStatus::Paused);
  EXPECT_EQ(vm.step, 1u) << "paused before read_line, the second instruction";
  EXPECT_FALSE(vm.error.has_value());
  EXPECT_EQ(vm.stack_size(), stack) << "the stack as before the call";
  stop = 0;
  EXPECT_EQ(pw::run(vm), pw::RunStatus::Halted);
  EXPECT_EQ(pw::display(vm, vm.result), "(7 . \"first\")");
  std::fclose(in);
  std::fclose(out);
}

TEST(HostCalls, ArgsReturnsAnArrayOfStrings) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.capabilities = pw::kCapIo;
  Machine m(main_program("  host args\n  halt"), cfg);
  m.host.program_args = {"a", "bc"};
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.result(), "[\"a\", \"bc\"]");
}

TEST(HostCalls, ClockReadsTheHostClock) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.capabilities = pw::kCapClock;
  Machine m(main_program("  host clock\n  host clock\n  cons\n  halt"), cfg);
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.result(), "(1000 . 2000)");
}

TEST(HostCalls, RandomIsTheSeededStream) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.capabilities = pw::kCapRandom;
  Machine m(main_program("  push 1000\n  host random\n  push 1000\n  host random\n  cons\n  halt"), cfg);
  m.host.seed = 12345;
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  std::uint64_t state = 12345;
  const std::int64_t a = pw::random_uniform(state, 1000);
  const std::int64_t b = pw::random_uniform(state, 1000);
  EXPECT_EQ(m.result(), std::string("(").append(std::to_string(a)).append(" . ").append(std::to_string(b)).append(")"));
}

TEST(HostCalls, RandomNeedsAPositiveIntBound) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.capabilities = pw::kCapRandom;
  EXPECT_EQ(pwtest::error_kind_of(main_program("  push 0\n  host random\n  halt"), cfg), pw::ErrorKind::TypeError);
  EXPECT_EQ(pwtest::error_kind_of(main_program("  push -3\n  host random\n  halt"), cfg), pw::ErrorKind::TypeError);
  EXPECT_EQ(pwtest::error_kind_of(main_program("  push 1.5\n  host random\n  halt"), cfg), pw::ErrorKind::TypeError);
  EXPECT_EQ(pwtest::eval(main_program("  push 1\n  host random\n  halt"), cfg), "0");
}

TEST(HostCalls, EachCapabilityGuardsItsCalls) {
  struct Case {
    const char* body;
    std::uint32_t needs;
  };
  const Case cases[] = {
      {"  host read_line", pw::kCapIo},
      {"  host args", pw::kCapIo},
      {"  host clock", pw::kCapClock},
      {"  push 10\n  host random", pw::kCapRandom},
  };
  for (const Case& c : cases) {
    const std::uint32_t all = pw::kCapIo | pw::kCapClock | pw::kCapRandom;
    pw::VmConfig denied = pwtest::default_config();
    denied.capabilities = all & ~c.needs;
    EXPECT_EQ(pwtest::error_kind_of(main_program(std::string(c.body) + "\n  halt"), denied),
              pw::ErrorKind::CapabilityDenied)
        << c.body;
    pw::VmConfig granted = pwtest::default_config();
    granted.capabilities = c.needs;
    Machine m(main_program(std::string(c.body) + "\n  halt"), granted);
    EXPECT_EQ(m.run(), pw::RunStatus::Halted) << c.body << ": " << m.outcome();
  }
}

}  // namespace
