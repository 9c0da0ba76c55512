// The verifier: what it accepts, the stack depths it computes, and every kind of bad code it
// refuses before anything runs.
#include <string>

#include "test_util.h"

namespace {

using pwtest::verify_error;

const pw::Function& fn(const pw::Program& p, const std::string& name) {
  return p.functions[static_cast<std::size_t>(p.find_function(name))];
}

// ---- what it accepts ----------------------------------------------------------------

TEST(Verifier, ComputesTheDeepestOperandStack) {
  pw::Program p = pwtest::mutable_program(R"PWA(
func add2(a, b)
  local t
  get_local a
  get_local b
  add
  return
end
func straight()
  push 1
  push 2
  push 3
  add
  add
  return
end
func dynamic()
  push_func add2
  push 1
  push 2
  call 2
  return
end
func main()
  push 1
  push 2
  call_fn add2
  halt
end
)PWA");
  EXPECT_EQ(fn(p, "add2").max_stack, 2u);
  EXPECT_EQ(fn(p, "straight").max_stack, 3u);
  EXPECT_EQ(fn(p, "dynamic").max_stack, 3u);
  EXPECT_EQ(fn(p, "main").max_stack, 2u);
}

TEST(Verifier, BranchesTakeTheDeeperPath) {
  pw::Program p = pwtest::mutable_program(R"PWA(
func main()
  local c
  get_local c
  jump_if_false shallow
  push 1
  push 2
  push 3
  push 4
  add
  add
  add
  jump done
shallow:
  push 9
done:
  halt
end
)PWA");
  EXPECT_EQ(fn(p, "main").max_stack, 4u);
}

TEST(Verifier, AcceptsLoopsHandlersAndClosures) {
  EXPECT_NO_THROW(pwtest::load(R"PWA(
func body() captures(n)
  get_capture n
  return
end
func main()
  local i, limit, f
  push 1
  set_local i
  push 3
  set_local limit
  push 5
  make_closure body
  set_local f
loop:
  try handler
  get_local f
  call 0
  throw
handler:
  pop
  for_next i, loop
  push 0
  halt
end
)PWA"));
}

TEST(Verifier, CodeEndingInThrowOrTailCallNeedsNoReturn) {
  EXPECT_NO_THROW(pwtest::load(R"PWA(
func thrower()
  push 1
  throw
end
func again(n)
  get_local n
  tail_call_fn again
end
func main()
  push 0
  halt
end
)PWA"));
}

// ---- what it refuses ----------------------------------------------------------------

TEST(VerifierErrors, StackUnderflowOnSomePath) {
  const std::string src = R"PWA(
func main()
  local c
  get_local c
  jump_if_false skip
  push 1
  push 2
  add
  halt
skip:
  add      ; @underflow
  halt
end
)PWA";
  const pw::VerifyError e = verify_error(src);
  EXPECT_EQ(e.function, "main");
  EXPECT_EQ(e.line, pwtest::line_of(src, "@underflow"));
  EXPECT_EQ(e.ip, 6u);
  EXPECT_EQ(e.file, "t.pwa");
  EXPECT_FALSE(e.message.empty());
}

TEST(VerifierErrors, StackUnderflowInStraightLineCode) {
  verify_error("func main()\n  push 1\n  pop\n  pop\n  push 0\n  halt\nend\n");
  verify_error("func main()\n  push 1\n  cons\n  halt\nend\n");
  verify_error("func two(a, b)\n  get_local a\n  return\nend\nfunc main()\n  push 1\n  call_fn two\n  halt\nend\n");
  verify_error("func main()\n  push 1\n  call 1\n  halt\nend\n");
}

TEST(VerifierErrors, InconsistentDepthAtAJoin) {
  const std::string src = R"PWA(
func main()
  local c
  get_local c
  jump_if_false join
  push 1
join:
  push 0   ; @join
  halt
end
)PWA";
  const pw::VerifyError e = verify_error(src);
  EXPECT_EQ(e.function, "main");
}

TEST(VerifierErrors, TryInALoopWithoutEndTry) {
  const pw::VerifyError e = verify_error("func main()\nloop:\n  try h\n  jump loop\nh:\n  halt\nend\n");
  EXPECT_NE(e.message.find("open try"), std::string::npos) << e.message;
}

TEST(VerifierErrors, EndTryWithoutTry) {
  const pw::VerifyError e = verify_error("func main()\n  end_try\n  push 0\n  halt\nend\n");
  EXPECT_NE(e.message.find("end_try without an open try"), std::string::npos) << e.message;
  EXPECT_EQ(e.line, 2u);
}

// A handler restores the stack height its try saved. A value popped inside the try stays in
// its slot, unseen by the collector, and the handler would find it there after the object it
// referred to was freed: so the stack may not stay below the try's height inside it.
TEST(VerifierErrors, PoppingBelowTheTrysHeightInsideIt) {
  const std::string src = R"PWA(
func main()
  push "kept"
  push "x"
  str_concat
  try handler
  pop          ; @pop
  push 'boom
  throw
handler:
  pop
  host print
  halt
end
)PWA";
  const pw::VerifyError e = verify_error(src);
  EXPECT_EQ(e.line, pwtest::line_of(src, "@pop"));
  EXPECT_NE(e.message.find("inside a try opened with 1"), std::string::npos) << e.message;
}

TEST(Verifier, InsideATryValuesBelowItsHeightMayBeReplacedOrThrown) {
  // add pops the value pushed before the try but leaves the height as it was; throw and
  // return leave the try, whatever they pop.
  pwtest::load(R"PWA(
func f(a)
  get_local a
  try h
  push 1
  add
  dup
  throw
h:
  return
end
func main()
  push 1
  try h
  call_fn f
  end_try
  halt
h:
  halt
end
)PWA");
}

TEST(VerifierErrors, PathsJoiningInsideDifferentTrys) {
  const pw::VerifyError e = verify_error(R"PWA(
func main()
  local c
  get_local c
  jump_if_false other
  try h1
  jump join
other:
  try h2
join:
  end_try
  push 0
  halt
h1:
  halt
h2:
  halt
end
)PWA");
  EXPECT_NE(e.message.find("paths join inside different try blocks"), std::string::npos) << e.message;
}

TEST(VerifierErrors, LoopThatGrowsTheStack) {
  verify_error("func main()\nloop:\n  push 1\n  jump loop\nend\n");
}

TEST(VerifierErrors, FallingOffTheEnd) {
  verify_error("func main()\n  push 1\n  pop\nend\n");
  verify_error("func f()\n  push 1\nend\nfunc main()\n  call_fn f\n  halt\nend\n");
  verify_error(R"PWA(
func main()
  local c
  get_local c
  jump_if_true out
  push 0
  halt
out:
  push 1
  pop
end
)PWA");
}

TEST(VerifierErrors, EmptyFunctionIsRefused) {
  // The assembler may refuse it already; either way it never runs.
  bool refused = false;
  try {
    pwtest::load("func main()\nend\n");
  } catch (const pw::AssemblyError&) {
    refused = true;
  } catch (const pw::VerifyError&) {
    refused = true;
  }
  EXPECT_TRUE(refused);
}

TEST(VerifierErrors, CallFnOfAFunctionWithCaptures) {
  const pw::VerifyError e = verify_error(R"PWA(
func body() captures(x)
  get_capture x
  return
end
func main()
  call_fn body
  halt
end
)PWA");
  EXPECT_EQ(e.function, "main");
}

TEST(VerifierErrors, TailCallFnOfAFunctionWithCaptures) {
  verify_error(R"PWA(
func body() captures(x)
  get_capture x
  return
end
func main()
  tail_call_fn body
end
)PWA");
}

TEST(VerifierErrors, PushFuncOfAFunctionWithCaptures) {
  verify_error(R"PWA(
func body() captures(x)
  get_capture x
  return
end
func main()
  push_func body
  halt
end
)PWA");
}

TEST(VerifierErrors, ForNextOnTheLastLocal) {
  const pw::VerifyError e = verify_error(R"PWA(
func main()
  local i
loop:
  for_next i, loop
  push 0
  halt
end
)PWA");
  EXPECT_EQ(e.function, "main");
}

TEST(VerifierErrors, EntryFunctionWithParameters) {
  verify_error("func main(a)\n  get_local a\n  halt\nend\n");
  verify_error("entry start\nfunc start(a, b)\n  push 0\n  halt\nend\nfunc main()\n  push 0\n  halt\nend\n");
}

TEST(VerifierErrors, LoadProgramTextThrowsVerifyErrors) {
  EXPECT_THROW(pwtest::load("func main()\n  pop\n  push 0\n  halt\nend\n"), pw::VerifyError);
}

// ---- bytecode that no assembler writes ------------------------------------------------

const char* kGood = R"PWA(
global g
func f(a)
  get_local a
  return
end
func c() captures(x)
  get_capture x
  return
end
func main()
  local i, limit
  get_local i
  pop
  push_const 5000000000
  pop
  get_global g
  pop
  push 1
  call_fn f
  pop
  push 1
  is int
  pop
  push 1
  host print
  pop
  jump next
next:
  push 0
  halt
end
)PWA";

void expect_rejected(pw::Program p, const char* what) {
  EXPECT_THROW(pw::verify(p), pw::VerifyError) << what;
}

TEST(VerifierErrors, OperandsOutOfRange) {
  pw::Program good = pw::assemble(kGood, pwtest::kFile);
  {
    pw::Program copy = good;
    ASSERT_NO_THROW(pw::verify(copy));
  }
  const auto main_index = static_cast<std::size_t>(good.find_function("main"));
  const auto c_index = static_cast<std::size_t>(good.find_function("c"));
  auto mutated = [&](std::size_t f, std::size_t ip, auto&& change) {
    pw::Program p = good;
    change(p.functions[f].code[ip]);
    return p;
  };
  ASSERT_EQ(good.functions[main_index].code[0].op, pw::Op::GET_LOCAL);
  expect_rejected(mutated(main_index, 0, [](pw::Instr& i) { i.a = 99; }), "local");
  ASSERT_EQ(good.functions[main_index].code[2].op, pw::Op::PUSH_CONST);
  expect_rejected(mutated(main_index, 2, [](pw::Instr& i) { i.b = 999; }), "constant");
  expect_rejected(mutated(main_index, 2, [](pw::Instr& i) { i.b = -1; }), "negative constant");
  ASSERT_EQ(good.functions[main_index].code[4].op, pw::Op::GET_GLOBAL);
  expect_rejected(mutated(main_index, 4, [](pw::Instr& i) { i.a = 99; }), "global");
  ASSERT_EQ(good.functions[main_index].code[7].op, pw::Op::CALL_FN);
  expect_rejected(mutated(main_index, 7, [](pw::Instr& i) { i.b = 99; }), "function");
  ASSERT_EQ(good.functions[main_index].code[10].op, pw::Op::IS);
  expect_rejected(mutated(main_index, 10, [](pw::Instr& i) { i.a = pw::kValueTypeCount; }), "type");
  ASSERT_EQ(good.functions[main_index].code[13].op, pw::Op::HOST);
  expect_rejected(mutated(main_index, 13, [](pw::Instr& i) { i.a = pw::kHostFnCount; }), "host function");
  ASSERT_EQ(good.functions[main_index].code[15].op, pw::Op::JUMP);
  expect_rejected(mutated(main_index, 15, [](pw::Instr& i) { i.b = 999; }), "jump target");
  expect_rejected(mutated(main_index, 15, [](pw::Instr& i) { i.b = -1; }), "negative jump target");
  expect_rejected(mutated(main_index, 1, [](pw::Instr& i) { i.op = static_cast<pw::Op>(pw::kOpCount); }),
                  "opcode");
  expect_rejected(mutated(main_index, 1, [](pw::Instr& i) { i.op = static_cast<pw::Op>(255); }), "opcode 255");
  ASSERT_EQ(good.functions[c_index].code[0].op, pw::Op::GET_CAPTURE);
  expect_rejected(mutated(c_index, 0, [](pw::Instr& i) { i.a = 1; }), "capture");
  expect_rejected(mutated(main_index, 0, [](pw::Instr& i) { i.op = pw::Op::GET_CAPTURE; i.a = 0; }),
                  "capture in a plain function");
}

TEST(VerifierErrors, BadEntryIndex) {
  pw::Program p = pw::assemble(kGood, pwtest::kFile);
  p.entry = 99;
  EXPECT_THROW(pw::verify(p), pw::VerifyError);
}

}  // namespace
