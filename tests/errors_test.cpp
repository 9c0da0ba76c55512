// Every ErrorKind raised by a real program, each with the context a person needs: the
// failing function and line, the call stack with a line per frame, and a state summary.
#include <set>
#include <stdexcept>
#include <string>

#include "test_util.h"

namespace {

using namespace std::string_literals;
using pwtest::line_of;
using pwtest::Machine;

// Checks that hold for every error: the context agrees with itself, with the program's line
// tables and with the VM it came from.
void expect_consistent_context(const Machine& m) {
  ASSERT_EQ(m.vm.status, pw::RunStatus::Failed) << m.outcome();
  ASSERT_TRUE(m.vm.error.has_value());
  const pw::VmError& e = *m.vm.error;
  const pw::ErrorContext& c = e.context;
  const pw::Program& p = *m.program;
  ASSERT_FALSE(c.call_stack.empty());
  EXPECT_EQ(c.function, c.call_stack.front().function);
  EXPECT_EQ(c.ip, c.call_stack.front().ip);
  EXPECT_EQ(c.line, c.call_stack.front().line);
  EXPECT_EQ(c.file, p.source_name);
  EXPECT_EQ(c.source_line, pwtest::trim(p.source_line(c.line)));
  EXPECT_EQ(c.state.call_depth, c.call_stack.size());
  EXPECT_EQ(c.state.heap_objects, m.vm.heap.stats().live_objects);
  EXPECT_EQ(c.state.heap_bytes, m.vm.heap.stats().live_bytes);
  // The end step: the failing instruction counts, as the replay numbers positions.
  EXPECT_EQ(c.state.step, pw::executed_steps(m.vm));
  for (const pw::FrameInfo& f : c.call_stack) {
    const int index = p.find_function(f.function);
    ASSERT_GE(index, 0) << f.function;
    const pw::Function& fn = p.functions[static_cast<std::size_t>(index)];
    ASSERT_LT(f.ip, fn.code.size()) << f.function;
    EXPECT_EQ(f.line, fn.lines[f.ip]) << f.function << " ip " << f.ip;
    EXPECT_GT(f.line, 0u);
  }
  const std::string kind(pw::error_kind_name(e.kind));
  EXPECT_EQ(e.headline(), kind + ": " + e.message);
  EXPECT_FALSE(e.message.empty());
  const std::string text = e.format();
  EXPECT_EQ(text.rfind(e.headline() + "\n", 0), 0u) << text;
  for (const pw::FrameInfo& f : c.call_stack) {
    const std::string at = "  at " + f.function + " (" + c.file + ":" + std::to_string(f.line) + ")";
    EXPECT_NE(text.find(at), std::string::npos) << "missing '" << at << "' in\n" << text;
  }
  EXPECT_NE(text.find("step " + std::to_string(c.state.step)), std::string::npos) << text;
}

// Runs [source] (verified) and checks it fails with [kind] and a consistent context.
pw::VmError fail_with(const std::string& source, pw::ErrorKind kind, pw::VmConfig cfg = pwtest::default_config()) {
  Machine m(source, cfg);
  m.run();
  expect_consistent_context(m);
  if (!m.vm.error) return pw::VmError{pw::ErrorKind::HostError, "no error", {}};
  EXPECT_EQ(m.vm.error->kind, kind) << m.vm.error->headline();
  return *m.vm.error;
}

std::vector<std::string> stack_functions(const pw::VmError& e) {
  std::vector<std::string> out;
  for (const auto& f : e.context.call_stack) out.push_back(f.function);
  return out;
}

TEST(Errors, KindNamesAreDistinct) {
  std::set<std::string> names;
  for (int k = 0; k <= static_cast<int>(pw::ErrorKind::HostError); ++k)
    names.insert(std::string(pw::error_kind_name(static_cast<pw::ErrorKind>(k))));
  EXPECT_EQ(names.size(), static_cast<std::size_t>(pw::ErrorKind::HostError) + 1);
  EXPECT_EQ(pw::error_kind_name(pw::ErrorKind::TypeError), "TypeError");
}

TEST(Errors, TypeErrorNamesEveryFrameWithItsLine) {
  const std::string src = R"PWA(
global keep
func g(x)
  get_local x
  car          ; @g
  return
end
func f(x)
  get_local x
  call_fn g    ; @f
  return
end
func main()
  push 1
  push 2
  nil
  cons
  cons
  set_global keep
  push 5
  call_fn f    ; @main
  halt
end
)PWA";
  const pw::VmError e = fail_with(src, pw::ErrorKind::TypeError);
  const pw::ErrorContext& c = e.context;
  EXPECT_EQ(c.function, "g");
  EXPECT_EQ(c.line, line_of(src, "@g"));
  EXPECT_EQ(c.ip, 1u);
  EXPECT_EQ(c.file, "t.pwa");
  EXPECT_EQ(c.source_line, "car          ; @g");
  ASSERT_EQ(c.call_stack.size(), 3u);
  EXPECT_EQ(c.call_stack[0].function, "g");
  EXPECT_EQ(c.call_stack[0].line, line_of(src, "@g"));
  EXPECT_EQ(c.call_stack[1].function, "f");
  EXPECT_EQ(c.call_stack[1].ip, 1u);
  EXPECT_EQ(c.call_stack[1].line, line_of(src, "@f"));
  EXPECT_EQ(c.call_stack[2].function, "main");
  EXPECT_EQ(c.call_stack[2].ip, 7u);
  EXPECT_EQ(c.call_stack[2].line, line_of(src, "@main"));
  EXPECT_EQ(c.state.call_depth, 3u);
  EXPECT_EQ(c.state.step, 12u);
  EXPECT_EQ(c.state.heap_objects, 2u);
  EXPECT_EQ(c.state.heap_bytes, 2 * sizeof(pw::PairObj));
  EXPECT_GE(c.state.stack_size, 2u);
  EXPECT_LE(c.state.stack_size, 4u);
  EXPECT_NE(e.message.find("car"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("int"), std::string::npos) << e.message;
}

TEST(Errors, TypeErrorFromAddOfIntAndString) {
  const std::string src = "func main()\n  push 1\n  push \"two\"\n  add   ; @add\n  halt\nend\n";
  const pw::VmError e = fail_with(src, pw::ErrorKind::TypeError);
  EXPECT_EQ(e.context.line, line_of(src, "@add"));
  EXPECT_EQ(e.context.ip, 2u);
  EXPECT_EQ(e.context.state.step, 3u);  // push, push, and the failing add
  EXPECT_EQ(e.context.state.call_depth, 1u);
  EXPECT_EQ(e.context.state.heap_objects, 1u);  // the string constant
}

TEST(Errors, DivisionByZeroInACalledFunction) {
  const std::string src = R"PWA(
func divide(a, b)
  get_local a
  get_local b
  div          ; @div
  return
end
func main()
  push 10
  push 0
  call_fn divide   ; @call
  halt
end
)PWA";
  const pw::VmError e = fail_with(src, pw::ErrorKind::DivisionByZero);
  EXPECT_EQ(stack_functions(e), (std::vector<std::string>{"divide", "main"}));
  EXPECT_EQ(e.context.line, line_of(src, "@div"));
  EXPECT_EQ(e.context.call_stack[1].line, line_of(src, "@call"));
  EXPECT_EQ(e.context.state.step, 6u);
}

TEST(Errors, ModuloByZero) {
  fail_with("func main()\n  push 10\n  push 0\n  mod\n  halt\nend\n", pw::ErrorKind::DivisionByZero);
}

TEST(Errors, ArithmeticOverflow) {
  const std::string src = R"PWA(
func main()
  local x
  push 9223372036854775807
  set_local x
  inc_local x, 1   ; @inc
  get_local x
  halt
end
)PWA";
  const pw::VmError e = fail_with(src, pw::ErrorKind::ArithmeticOverflow);
  EXPECT_EQ(e.context.line, line_of(src, "@inc"));
  EXPECT_EQ(e.context.state.stack_size, 1u);  // just the local
}

TEST(Errors, IndexError) {
  const std::string src = R"PWA(
func main()
  push 3
  array_new
  push 3
  array_get    ; @get
  halt
end
)PWA";
  const pw::VmError e = fail_with(src, pw::ErrorKind::IndexError);
  EXPECT_EQ(e.context.line, line_of(src, "@get"));
  EXPECT_EQ(e.context.state.heap_objects, 1u);
  EXPECT_EQ(e.context.state.heap_bytes, pw::array_bytes(3));
}

const char* kEndlessRecursion = R"PWA(
func rec(n)
  get_local n
  add_imm 1
  call_fn rec     ; @rec
  return
end
func main()
  push 0
  call_fn rec     ; @main
  halt
end
)PWA";

TEST(Errors, RecursionLimitExceeded) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_depth = 50;
  const pw::VmError e = fail_with(kEndlessRecursion, pw::ErrorKind::RecursionLimitExceeded, cfg);
  const auto& cs = e.context.call_stack;
  EXPECT_EQ(cs.size(), 50u);
  ASSERT_GE(cs.size(), 2u);
  for (std::size_t i = 0; i + 1 < cs.size(); ++i) {
    EXPECT_EQ(cs[i].function, "rec");
    EXPECT_EQ(cs[i].line, line_of(kEndlessRecursion, "@rec"));
  }
  EXPECT_EQ(cs.back().function, "main");
  EXPECT_EQ(cs.back().line, line_of(kEndlessRecursion, "@main"));
  EXPECT_EQ(e.context.state.call_depth, cs.size());
  // The report shows three of the 49 identical frames and counts the rest.
  const std::string text = e.format();
  const std::string frame = "  at rec (" + e.context.file + ":" + std::to_string(cs[0].line) + ")";
  std::size_t shown = 0;
  for (std::size_t at = text.find(frame); at != std::string::npos; at = text.find(frame, at + 1)) ++shown;
  EXPECT_EQ(shown, 3u) << text;
  EXPECT_NE(text.find("  ... the frame above, repeated 46 more times\n  at main ("), std::string::npos) << text;
}

TEST(Errors, StackOverflow) {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_stack = 200;
  const pw::VmError e = fail_with(kEndlessRecursion, pw::ErrorKind::StackOverflow, cfg);
  const auto& cs = e.context.call_stack;
  ASSERT_GE(cs.size(), 10u);
  EXPECT_LE(cs.size(), 200u);
  EXPECT_EQ(cs.front().function, "rec");
  for (std::size_t i = 1; i + 1 < cs.size(); ++i) EXPECT_EQ(cs[i].line, line_of(kEndlessRecursion, "@rec"));
  EXPECT_EQ(cs.back().function, "main");
  EXPECT_LE(e.context.state.stack_size, 200u);
}

TEST(Errors, StepLimitExceeded) {
  const std::string src = "func main()\n  push 0\nspin:\n  jump spin   ; @spin\nend\n";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_steps = 1000;
  const pw::VmError e = fail_with(src, pw::ErrorKind::StepLimitExceeded, cfg);
  EXPECT_EQ(e.context.state.step, 1000u);
  EXPECT_EQ(e.context.function, "main");
  EXPECT_EQ(e.context.line, line_of(src, "@spin"));
}

TEST(Errors, HeapExhausted) {
  const std::string src = R"PWA(
func main()
  local list
grow:
  push 1
  get_local list
  cons           ; @cons
  set_local list
  jump grow
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_heap = 4096;
  const pw::VmError e = fail_with(src, pw::ErrorKind::HeapExhausted, cfg);
  EXPECT_EQ(e.context.line, line_of(src, "@cons"));
  EXPECT_LE(e.context.state.heap_bytes, 4096u);
  EXPECT_GT(e.context.state.heap_bytes + sizeof(pw::PairObj), 4096u);
  EXPECT_EQ(e.context.state.heap_objects, e.context.state.heap_bytes / sizeof(pw::PairObj));
}

TEST(Errors, GcDisabled) {
  const std::string src = R"PWA(
func main()
garbage:
  push 1
  push 2
  cons           ; @cons
  pop
  jump garbage
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_heap = 4096;
  cfg.gc.enabled = false;
  const pw::VmError e = fail_with(src, pw::ErrorKind::GcDisabled, cfg);
  EXPECT_EQ(e.context.line, line_of(src, "@cons"));
}

TEST(Errors, MemoryErrorForARequestLargerThanTheHeap) {
  const std::string src = "func main()\n  push 100000\n  array_new   ; @new\n  halt\nend\n";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_heap = 64 * 1024;
  const pw::VmError e = fail_with(src, pw::ErrorKind::MemoryError, cfg);
  EXPECT_EQ(e.context.line, line_of(src, "@new"));
  EXPECT_EQ(e.context.state.heap_objects, 0u);
}

TEST(Errors, UncaughtExceptionReportsTheThrowSite) {
  const std::string src = R"PWA(
func thrower()
  push 'bad-thing
  throw        ; @throw
end
func main()
  call_fn thrower   ; @call
  halt
end
)PWA";
  const pw::VmError e = fail_with(src, pw::ErrorKind::UncaughtException);
  EXPECT_NE(e.message.find("bad-thing"), std::string::npos) << e.message;
  EXPECT_EQ(stack_functions(e), (std::vector<std::string>{"thrower", "main"}));
  EXPECT_EQ(e.context.line, line_of(src, "@throw"));
  EXPECT_EQ(e.context.call_stack[1].line, line_of(src, "@call"));
}

TEST(Errors, UncaughtHugeValueKeepsTheStartOfItsTextAndItsSize) {
  // A message is copied into reports and traces: a megabyte thrown stays a few kilobytes.
  const std::string src = R"PWA(
func main()
  local s, i
  push "0123456789abcdef"
  set_local s
  push 0
  set_local i
grow:
  get_local s
  get_local s
  str_concat
  set_local s
  inc_local i 1
  get_local i
  lt_imm 16
  jump_if_true grow
  get_local s
  throw
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  const pw::VmError e = fail_with(src, pw::ErrorKind::UncaughtException, cfg);
  std::string start = "uncaught exception: ";
  while (start.size() < 20 + pw::kMaxMessageValueBytes) start += "0123456789abcdef";
  EXPECT_EQ(e.message, start + "... (1048576 bytes in all)");
}

TEST(Errors, ReportEscapesControlBytesOfTheMessageNamesAndSourceLineButKeepsItsLines) {
  pw::VmError e{pw::ErrorKind::UncaughtException, "uncaught exception: a\0b\x1b[31mc\nforged"s, {}};
  e.context.file = "dir\x1b/t.pwa";
  e.context.source_line = "throw ; \x1b]0;title\x07";
  e.context.call_stack = {{"inner\x1b", 3, 7}, {"main", 1, 12}};
  const std::string report = e.format();
  EXPECT_EQ(report.find('\x1b'), std::string::npos) << report;
  EXPECT_EQ(report.find('\0'), std::string::npos) << report;
  EXPECT_EQ(report,
            "UncaughtException: uncaught exception: a\\x00b\\x1b[31mc\\x0aforged\n"
            "  at inner\\x1b (dir\\x1b/t.pwa:7) [ip 3]\n"
            "      throw ; \\x1b]0;title\\x07\n"
            "  at main (dir\\x1b/t.pwa:12) [ip 1]\n"
            "  state: step 0, stack 0 values, heap 0 objects (0 bytes), call depth 0\n");
  // The error itself keeps the bytes: only its renderings are escaped.
  EXPECT_EQ(e.message, "uncaught exception: a\0b\x1b[31mc\nforged"s);
}

TEST(Errors, UncaughtAfterTheHandlerWasRemoved) {
  const std::string src = R"PWA(
func main()
  try h
  end_try
  push 'late
  throw        ; @throw
h:
  halt
end
)PWA";
  const pw::VmError e = fail_with(src, pw::ErrorKind::UncaughtException);
  EXPECT_EQ(e.context.line, line_of(src, "@throw"));
}

TEST(Errors, CapabilityDenied) {
  const std::string src = R"PWA(
func ask()
  host read_line   ; @host
  return
end
func main()
  call_fn ask
  halt
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.capabilities = pw::kCapClock | pw::kCapRandom;
  const pw::VmError e = fail_with(src, pw::ErrorKind::CapabilityDenied, cfg);
  EXPECT_EQ(e.context.function, "ask");
  EXPECT_EQ(e.context.line, line_of(src, "@host"));
  EXPECT_NE(e.message.find("read_line"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("io"), std::string::npos) << e.message;
}

// A host whose every answer fails.
class BrokenHost final : public pw::Host {
 public:
  void write_output(std::string_view) override { throw std::runtime_error("stdout closed"); }
  std::optional<std::string> read_line() override { throw std::runtime_error("stdin unreadable"); }
  std::vector<std::string> args() override { return {}; }
  std::int64_t clock_ns() override { return 0; }
  std::int64_t random_below(std::int64_t) override { return 0; }
};

TEST(Errors, HostErrorWhenTheHostFails) {
  const std::string src = "func main()\n  host read_line   ; @host\n  halt\nend\n";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.capabilities = pw::kCapIo;
  BrokenHost host;
  pw::VmState vm(pwtest::load(src), cfg, &host);
  pw::RunStatus st = pw::RunStatus::Ready;
  EXPECT_NO_THROW(st = pw::run(vm));
  ASSERT_EQ(st, pw::RunStatus::Failed);
  ASSERT_TRUE(vm.error.has_value());
  EXPECT_EQ(vm.error->kind, pw::ErrorKind::HostError);
  EXPECT_EQ(vm.error->context.line, line_of(src, "@host"));
}

// ---- unverified code ----------------------------------------------------------------

TEST(Errors, InvalidOpcodeInUnverifiedCode) {
  pw::Program p = pwtest::mutable_program(R"PWA(
func helper()
  push 1
  push 2   ; @bad
  add
  return
end
func main()
  call_fn helper
  halt
end
)PWA");
  const auto helper = static_cast<std::size_t>(p.find_function("helper"));
  p.functions[helper].code[1].op = static_cast<pw::Op>(pw::kOpCount);
  Machine m(std::make_shared<const pw::Program>(std::move(p)));
  EXPECT_EQ(pw::run_unverified(m.vm), pw::RunStatus::Failed);
  expect_consistent_context(m);
  ASSERT_TRUE(m.vm.error);
  EXPECT_EQ(m.vm.error->kind, pw::ErrorKind::InvalidOpcode);
  EXPECT_EQ(stack_functions(*m.vm.error), (std::vector<std::string>{"helper", "main"}));
  EXPECT_EQ(m.vm.error->context.ip, 1u);
  EXPECT_EQ(m.vm.error->context.state.step, 3u);
}

TEST(Errors, OperandOutOfRangeInUnverifiedCodeIsAnInvalidOpcode) {
  auto with = [](auto&& change) {
    pw::Program p = pwtest::mutable_program("func main()\n  local x\n  get_local x\n  jump l\nl:\n  halt\nend\n");
    change(p.functions[0].code);
    Machine m(std::make_shared<const pw::Program>(std::move(p)));
    pw::run_unverified(m.vm);
    return m.vm.error ? std::optional<pw::ErrorKind>(m.vm.error->kind) : std::nullopt;
  };
  EXPECT_EQ(with([](std::vector<pw::Instr>& c) { c[0].a = 200; }), pw::ErrorKind::InvalidOpcode);
  EXPECT_EQ(with([](std::vector<pw::Instr>& c) { c[1].b = 1000; }), pw::ErrorKind::InvalidOpcode);
  EXPECT_EQ(with([](std::vector<pw::Instr>& c) { c[0] = pw::Instr{pw::Op::PUSH_CONST, 0, 0, 7}; }),
            pw::ErrorKind::InvalidOpcode);
  EXPECT_EQ(with([](std::vector<pw::Instr>& c) { c[0] = pw::Instr{pw::Op::CALL_FN, 0, 0, 9}; }),
            pw::ErrorKind::InvalidOpcode);
  EXPECT_EQ(with([](std::vector<pw::Instr>& c) { c[0] = pw::Instr{pw::Op::HOST, 0, 77, 0}; }),
            pw::ErrorKind::InvalidOpcode);
}

TEST(Errors, StackUnderflowInUnverifiedCode) {
  pw::Program p = pw::assemble("func main()\n  pop   ; @pop\n  push 0\n  halt\nend\n", pwtest::kFile);
  p.functions[0].max_stack = 4;
  Machine m(std::make_shared<const pw::Program>(std::move(p)));
  EXPECT_EQ(pw::run_unverified(m.vm), pw::RunStatus::Failed);
  expect_consistent_context(m);
  ASSERT_TRUE(m.vm.error);
  EXPECT_EQ(m.vm.error->kind, pw::ErrorKind::StackUnderflow);
  EXPECT_EQ(m.vm.error->context.ip, 0u);
  EXPECT_EQ(m.vm.error->context.line, 2u);
  EXPECT_EQ(m.vm.error->context.state.step, 1u);  // the pop that failed
}

TEST(Errors, StackUnderflowDoesNotReachTheCallersValues) {
  // The callee's operand stack is empty even though main has values below its frame.
  pw::Program p = pw::assemble(R"PWA(
func f()
  add
  return
end
func main()
  push 1
  push 2
  call_fn f
  halt
end
)PWA",
                               pwtest::kFile);
  for (auto& fn : p.functions) fn.max_stack = 4;
  Machine m(std::make_shared<const pw::Program>(std::move(p)));
  EXPECT_EQ(pw::run_unverified(m.vm), pw::RunStatus::Failed);
  ASSERT_TRUE(m.vm.error);
  EXPECT_EQ(m.vm.error->kind, pw::ErrorKind::StackUnderflow);
  EXPECT_EQ(m.vm.error->context.function, "f");
}

TEST(Errors, RunUnverifiedRunsGoodCodeLikeRun) {
  Machine a(pwtest::load(pwtest::kAllInstructions), pwtest::all_capabilities());
  Machine b(pwtest::load(pwtest::kAllInstructions), pwtest::all_capabilities());
  ASSERT_EQ(a.run(), pw::RunStatus::Halted) << a.outcome();
  ASSERT_EQ(pw::run_unverified(b.vm), pw::RunStatus::Halted) << b.outcome();
  EXPECT_EQ(a.result(), b.result());
  EXPECT_EQ(a.vm.step, b.vm.step);
  EXPECT_EQ(a.dump(), b.dump());
}

TEST(Errors, AFailedRunStaysFailed) {
  Machine m(pwtest::main_program("  push 1\n  car\n  halt"));
  EXPECT_EQ(m.run(), pw::RunStatus::Failed);
  const std::uint64_t step = m.vm.step;
  EXPECT_EQ(m.run(), pw::RunStatus::Failed);
  EXPECT_EQ(m.vm.step, step);
  EXPECT_EQ(m.vm.error->kind, pw::ErrorKind::TypeError);
}

}  // namespace
