// Source-level debug information: the directives a compiler's .pwa carries (.source, .text,
// .loc, .name, .var, .endvar), what the verifier checks of it, how a trace carries it, and
// how error reports and the disassembler show it.
#include <capnp/message.h>

#include <functional>
#include <string>
#include <vector>

#include "recorder.h"
#include "trace_test_util.h"

namespace {

using pwtest::assembly_error;
using Slot = pw::SourceVar::Slot;

// What a compiler emits for fib.lisp (the .text lines at the end are that file).
constexpr const char* kFib = R"PWA(; fib.lisp, compiled
.source "fib.lisp"

.loc 1 1
func fib(n)
  .name "fib"
  .var n "n"
  .loc 2 7
  get_local n
  .loc 2 3
  lt_imm 2
  jump_if_false big
  .loc 2 14
  get_local n
  return
big:
  .loc 3 13
  get_local n
  sub_imm 1
  .loc 3 8
  call_fn fib
  .loc 3 25
  get_local n
  sub_imm 2
  .loc 3 20
  call_fn fib
  .loc 3 5
  add
  return
end

.loc 5 1
func main_1()
  .name "main"
  local x, y
  .loc 6 3
  push 10
  .var x "count" boxed
  set_local x
  get_local x
  .endvar x
  .var y "result"
  call_fn fib
  .loc 0 0
  halt
end
entry main_1

.text "(define (fib n)"
.text "  (if (< n 2) n"
.text "    (+ (fib (- n 1)) (fib (- n 2)))))"
.text ""
.text "(define (main)"
.text "  (fib 10))"
)PWA";

constexpr const char* kFibSource =
    "(define (fib n)\n  (if (< n 2) n\n    (+ (fib (- n 1)) (fib (- n 2)))))\n\n(define (main)\n  (fib 10))\n";

// A compiled program that fails in `first`, called from library code (line 0).
constexpr const char* kBoom = R"PWA(.source "boom.lisp"
.loc 1 1
func first_1(p)
  .name "first"
  .loc 1 20
  get_local p
  .loc 1 15
  car
  return
end
.loc 3 1
func main()
  .loc 3 10
  push 5
  .loc 0 0
  call_fn first_1
  halt
end
.text "(define (first p) (car p))"
.text ""
.text "(first 5)"
)PWA";

pw::Program assemble(std::string_view src) { return pw::assemble(src, pwtest::kFile); }

const pw::Function& fn(const pw::Program& p, const std::string& name) {
  const int i = p.find_function(name);
  if (i < 0) throw std::runtime_error("no function " + name);
  return p.functions[static_cast<std::size_t>(i)];
}

pw::SourceVar var(Slot slot, std::uint32_t index, std::string name, std::uint32_t begin, std::uint32_t end,
                  bool boxed = false) {
  return pw::SourceVar{slot, index, std::move(name), begin, end, boxed};
}

// ---- the assembler ----------------------------------------------------------------------

TEST(DebugInfo, SourceAndTextDescribeTheOriginalFile) {
  const pw::Program p = assemble(kFib);
  EXPECT_TRUE(p.compiled);
  EXPECT_EQ(p.source_name, "fib.lisp");
  EXPECT_EQ(p.source, kFibSource);
  EXPECT_EQ(p.source_line(2), "  (if (< n 2) n");
  EXPECT_EQ(p.entry, static_cast<std::uint32_t>(p.find_function("main_1")));
}

TEST(DebugInfo, LocGivesThePositionOfTheInstructionsAfterIt) {
  const pw::Program p = assemble(kFib);
  const pw::Function& f = fn(p, "fib");
  EXPECT_EQ(f.line, 1u);
  EXPECT_EQ(f.lines, (std::vector<std::uint32_t>{2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3}));
  EXPECT_EQ(f.columns, (std::vector<std::uint32_t>{7, 3, 3, 14, 14, 13, 13, 8, 25, 25, 20, 5, 5}));
  const pw::Function& m = fn(p, "main_1");
  EXPECT_EQ(m.line, 5u);
  EXPECT_EQ(m.lines, (std::vector<std::uint32_t>{6, 6, 6, 6, 0}));
  EXPECT_EQ(m.columns, (std::vector<std::uint32_t>{3, 3, 3, 3, 0}));
}

TEST(DebugInfo, CompiledInstructionsBeforeAnyLocHaveNoPosition) {
  const pw::Program p = assemble(".source \"a.lisp\"\nfunc main()\n  push 1\n  .loc 4 2\n  halt\nend\n");
  const pw::Function& m = fn(p, "main");
  EXPECT_EQ(m.line, 0u) << "no .loc before the header";
  EXPECT_EQ(m.lines, (std::vector<std::uint32_t>{0, 4}));
  EXPECT_EQ(m.columns, (std::vector<std::uint32_t>{0, 2}));
  EXPECT_EQ(p.source, "") << "a compiled program's source is its .text lines only";
}

TEST(DebugInfo, NameGivesTheSourceNameOfAFunction) {
  const pw::Program p = assemble(kFib);
  EXPECT_EQ(fn(p, "main_1").source_name, "main");
  EXPECT_EQ(fn(p, "main_1").display_name(), "main");
  EXPECT_EQ(fn(p, "fib").display_name(), "fib");
}

TEST(DebugInfo, VarAndEndvarGiveVariableScopes) {
  const pw::Program p = assemble(kFib);
  EXPECT_EQ(fn(p, "fib").vars, (std::vector<pw::SourceVar>{var(Slot::Local, 0, "n", 0, 13)}));
  EXPECT_EQ(fn(p, "main_1").vars, (std::vector<pw::SourceVar>{var(Slot::Local, 0, "count", 1, 3, true),
                                                              var(Slot::Local, 1, "result", 3, 5)}));
}

TEST(DebugInfo, ALocalMayHaveSeveralScopesAndCapturesHaveScopesToo) {
  const pw::Program p = assemble(R"PWA(
func body(a) captures(c)
  local t
  .var c "counter" boxed
  .var t "first-t"
  get_capture c
  .endvar t
  .var t "second-t"
  .var t "inner-t"
  pop
  .endvar t
  get_local a
  .endvar t
  .var a "arg"
  return
end
func main()
  push 0
  halt
end
)PWA");
  EXPECT_EQ(fn(p, "body").vars,
            (std::vector<pw::SourceVar>{var(Slot::Capture, 0, "counter", 0, 4, true),
                                        var(Slot::Local, 1, "first-t", 0, 1), var(Slot::Local, 1, "second-t", 1, 3),
                                        var(Slot::Local, 1, "inner-t", 1, 2), var(Slot::Local, 0, "arg", 3, 4)}));
  EXPECT_TRUE(fn(p, "main").vars.empty());
  EXPECT_FALSE(p.compiled);
}

TEST(DebugInfo, HandWrittenPwaMayUseLocAndKeepsItsOwnPositionsElsewhere) {
  const std::string src =
      "func main()\n  push 1\n  .loc 40 7\n  push 2\n  add\nend2:\n  halt\nend\n"
      ".loc 9 1\nfunc other()\n  push 3\n  return\nend\n";
  const pw::Program p = assemble(src);
  EXPECT_FALSE(p.compiled);
  EXPECT_EQ(p.source_name, "t.pwa");
  EXPECT_EQ(p.source, src);
  const pw::Function& m = fn(p, "main");
  EXPECT_EQ(m.line, 1u);
  EXPECT_EQ(m.lines, (std::vector<std::uint32_t>{2, 40, 40, 40}));
  EXPECT_EQ(m.columns, (std::vector<std::uint32_t>{3, 7, 7, 7}));
  const pw::Function& o = fn(p, "other");
  EXPECT_EQ(o.line, 9u) << "a .loc before the header gives its line";
  EXPECT_EQ(o.lines, (std::vector<std::uint32_t>{11, 12})) << "a .loc ends with its function";
  EXPECT_EQ(o.columns, (std::vector<std::uint32_t>{3, 3}));
}

TEST(DebugInfo, ProgramsWithoutDirectivesAreUnchanged) {
  const pw::Program p = assemble(pwtest::kAllInstructions);
  EXPECT_FALSE(p.compiled);
  EXPECT_EQ(p.source, pwtest::kAllInstructions);
  for (const pw::Function& f : p.functions) {
    EXPECT_TRUE(f.vars.empty());
    EXPECT_TRUE(f.source_name.empty());
    ASSERT_EQ(f.columns.size(), f.code.size());
    for (std::uint32_t c : f.columns) EXPECT_GT(c, 0u);
  }
}

// ---- directive errors, each at its line and column ----------------------------------------

struct DirectiveError {
  const char* what;
  std::string source;
  std::uint32_t line, column;
  const char* mentions;
};

void expect_error(const DirectiveError& c) {
  SCOPED_TRACE(c.what);
  const pw::AssemblyError e = assembly_error(c.source);
  EXPECT_EQ(e.line, c.line) << e.what();
  EXPECT_EQ(e.column, c.column) << e.what();
  EXPECT_NE(e.message.find(c.mentions), std::string::npos) << e.message;
}

// A main with [lines] in its body, after the top-level lines [top].
std::string body(const std::string& lines, std::string_view top = "") {
  return std::string(top) + "func main()\n  local x\n" + lines + "\n  push 0\n  halt\nend\n";
}

TEST(DebugInfoErrors, Loc) {
  expect_error({"no operands", body("  .loc"), 3, 7, "line number"});
  expect_error({"no column", body("  .loc 3"), 3, 9, "column number"});
  expect_error({"negative", body("  .loc -1 2"), 3, 8, "line number"});
  expect_error({"too big", body("  .loc 1 4294967296"), 3, 10, "column number"});
  expect_error({"a name", body("  .loc x 1"), 3, 8, "line number"});
  expect_error({"extra", body("  .loc 1 2 3"), 3, 12, "unexpected '3'"});
  expect_error({"top level, before a global", body("", ".loc 1 1\nglobal g\n"), 1, 1, "right before a 'func'"});
  expect_error({"top level, at the end", body("") + "\n.loc 1 1\n", 8, 1, "right before a 'func'"});
}

TEST(DebugInfoErrors, Name) {
  expect_error({"not a string", body("  .name main"), 3, 9, "expected a string after '.name'"});
  expect_error({"extra", body("  .name \"m\" x"), 3, 13, "unexpected 'x'"});
  expect_error({"top level", body("", ".name \"m\"\n"), 1, 1, "inside a function"});
}

TEST(DebugInfoErrors, VarAndEndvar) {
  expect_error({"unknown name", body("  .var nope \"n\""), 3, 8, "unknown local or capture 'nope'"});
  expect_error({"not a name", body("  .var 3 \"n\""), 3, 8, "expected a local or capture name"});
  expect_error({"no source name", body("  .var x"), 3, 9, "expected a string after '.var'"});
  expect_error({"bad flag", body("  .var x \"n\" boxy"), 3, 14, "unexpected 'boxy'"});
  expect_error({"top level", body("", ".var x \"n\"\n"), 1, 1, "inside a function"});
  expect_error({"endvar without var", body("  .endvar x"), 3, 11, "without an open '.var x'"});
  expect_error({"endvar twice", body("  .var x \"n\"\n  .endvar x\n  .endvar x"), 5, 11, "without an open"});
  expect_error({"endvar not a name", body("  .endvar \"x\""), 3, 11, "expected a local or capture name"});
  expect_error({"endvar extra", body("  .var x \"n\"\n  .endvar x x"), 4, 13, "unexpected 'x'"});
  expect_error({"top-level endvar", body("", ".endvar x\n"), 1, 1, "inside a function"});
  // Scopes are per function: an open .var does not carry over into the next one.
  expect_error({"endvar of another function's var",
                "func f(x)\n  .var x \"x\"\n  push 0\n  return\nend\nfunc main()\n  local x\n  .endvar x\n  push 0\n"
                "  halt\nend\n",
                8, 11, "without an open"});
}

TEST(DebugInfoErrors, SourceAndText) {
  expect_error({"not a string", body("", ".source fib.lisp\n"), 1, 9, "expected a string after '.source'"});
  expect_error({"twice", body("", ".source \"a\"\n.source \"b\"\n"), 2, 1, "twice"});
  expect_error({"after a function", body("") + ".source \"a\"\n", 7, 1, "before the first function"});
  expect_error({"inside a function", body("  .source \"a\""), 3, 3, "outside functions"});
  expect_error({"text without source", body("", ".text \"x\"\n"), 1, 1, "without a '.source'"});
  expect_error({"text inside a function", body("  .text \"x\"", ".source \"a\"\n"), 4, 3, "outside functions"});
  expect_error({"text not a string", body("", ".source \"a\"\n.text x\n"), 2, 7, "expected a string after '.text'"});
  expect_error({"unknown directive", body("  .frob 1"), 3, 3, "unknown directive '.frob'"});
  expect_error({"unknown top-level directive", body("", ".frob\n"), 1, 1, "unknown directive '.frob'"});
  expect_error({"unterminated quoted symbol", body("  push '\"abc"), 3, 9, "unterminated string"});
}

// ---- the verifier ---------------------------------------------------------------------------

pw::VerifyError verify_error_of(pw::Program p) {
  try {
    pw::verify(p);
  } catch (const pw::VerifyError& e) {
    return e;
  }
  ADD_FAILURE() << "the program verified";
  return pw::VerifyError("", 0, "", 0, "");
}

TEST(DebugInfoVerifier, RefusesVariablesOutsideTheirFunction) {
  const pw::Program good = assemble(kFib);
  {
    pw::Program p = good;
    EXPECT_NO_THROW(pw::verify(p));
  }
  const auto fib = static_cast<std::size_t>(good.find_function("fib"));
  auto with_var = [&](const pw::SourceVar& v) {
    pw::Program p = good;
    p.functions[fib].vars.push_back(v);
    return verify_error_of(p);
  };
  const pw::VerifyError local = with_var(var(Slot::Local, 1, "ghost", 0, 1));
  EXPECT_EQ(local.function, "fib");
  EXPECT_NE(local.message.find("ghost"), std::string::npos) << local.what();
  EXPECT_NE(local.message.find("local 1"), std::string::npos) << local.what();
  EXPECT_NE(with_var(var(Slot::Capture, 0, "c", 0, 1)).message.find("capture 0"), std::string::npos);
  EXPECT_NE(with_var(var(Slot::Local, 0, "n", 5, 4)).message.find("[5, 4)"), std::string::npos);
  EXPECT_NE(with_var(var(Slot::Local, 0, "n", 0, 14)).message.find("[0, 14)"), std::string::npos);
  EXPECT_NE(with_var(var(static_cast<Slot>(7), 0, "n", 0, 1)).message.find("slot kind"), std::string::npos);
  // An empty scope at the very end is a range within the function.
  pw::Program edge = good;
  edge.functions[fib].vars.push_back(var(Slot::Local, 0, "n", 13, 13));
  EXPECT_NO_THROW(pw::verify(edge));
}

TEST(DebugInfoVerifier, RefusesPositionTablesOfTheWrongSize) {
  const pw::Program good = assemble(kFib);
  pw::Program short_lines = good;
  short_lines.functions[0].lines.pop_back();
  EXPECT_NE(verify_error_of(short_lines).message.find("line table"), std::string::npos);
  pw::Program long_columns = good;
  long_columns.functions[0].columns.push_back(1);
  EXPECT_NE(verify_error_of(long_columns).message.find("column table"), std::string::npos);
  // No columns at all (a trace older than 1.6): zeros.
  pw::Program no_columns = good;
  no_columns.functions[0].columns.clear();
  pw::verify(no_columns);
  EXPECT_EQ(no_columns.functions[0].columns, std::vector<std::uint32_t>(good.functions[0].code.size(), 0));
}

// ---- traces -----------------------------------------------------------------------------------

pw::trace::RecordResult record(pwtest::Machine& m, const std::string& path) {
  pw::trace::RecordOptions o;
  o.path = path;
  o.recorder_name = "debug_info_test";
  return pw::trace::record_run(m.vm, o);
}

TEST(DebugInfoTrace, ACompiledProgramRoundTripsThroughATrace) {
  pwtest::ScratchDir dir("debug_info");
  const auto program = pwtest::load(kFib);
  pwtest::Machine m(program);
  record(m, dir.path("fib.pwtrace"));
  ASSERT_EQ(m.vm.status, pw::RunStatus::Halted);
  pw::trace::TraceReader reader(dir.path("fib.pwtrace"));
  const pw::Program& back = *reader.header().program;
  EXPECT_TRUE(pw::same_code(back, *program));
  EXPECT_TRUE(pw::same_debug_info(back, *program));
  EXPECT_EQ(back.functions[1].vars, program->functions[1].vars);
  EXPECT_EQ(reader.header().format_minor, 6u);
}

TEST(DebugInfoTrace, SameDebugInfoNoticesEveryPart) {
  const pw::Program p = assemble(kFib);
  const std::vector<std::function<void(pw::Program&)>> changes = {
      [](pw::Program& q) { q.source_name = "other.lisp"; },
      [](pw::Program& q) { q.source += "x"; },
      [](pw::Program& q) { q.compiled = false; },
      [](pw::Program& q) { q.functions[0].lines[0] = 9; },
      [](pw::Program& q) { q.functions[0].columns[0] = 9; },
      [](pw::Program& q) { q.functions[0].line = 9; },
      [](pw::Program& q) { q.functions[0].source_name = "fob"; },
      [](pw::Program& q) { q.functions[0].vars[0].boxed = true; },
      [](pw::Program& q) { q.functions[0].vars.clear(); },
  };
  EXPECT_TRUE(pw::same_debug_info(p, p));
  for (std::size_t i = 0; i < changes.size(); ++i) {
    pw::Program q = p;
    changes[i](q);
    EXPECT_FALSE(pw::same_debug_info(p, q)) << "change " << i;
    EXPECT_TRUE(pw::same_code(p, q)) << "change " << i;
  }
}

TEST(DebugInfoTrace, AProgramRecordedBeforeColumnsReadsWithZeroColumns) {
  pw::Program p = assemble(kFib);
  pw::verify(p);
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<pw::trace::Program>();
  pw::trace::write_program(root, p, 0);
  for (auto f : root.getFunctions()) f.disownColumns();  // as a 1.5 writer left them
  pw::Program back = pw::trace::read_program(root.asReader());
  pw::verify(back);
  for (const pw::Function& f : back.functions)
    EXPECT_EQ(f.columns, std::vector<std::uint32_t>(f.code.size(), 0)) << f.name;
}

TEST(DebugInfoTrace, AFailureKeepsItsColumnInTheTrace) {
  pwtest::ScratchDir dir("debug_info");
  pwtest::Machine m(kBoom);
  record(m, dir.path("boom.pwtrace"));
  ASSERT_EQ(m.vm.status, pw::RunStatus::Failed);
  pw::trace::TraceReader reader(dir.path("boom.pwtrace"));
  ASSERT_TRUE(reader.outcome() && reader.outcome()->error);
  EXPECT_EQ(reader.outcome()->error->context, m.vm.error->context);
  EXPECT_EQ(reader.outcome()->error->format(), m.vm.error->format());
  EXPECT_EQ(reader.outcome()->error->context.column, 15u);
}

// ---- error reports ------------------------------------------------------------------------------

TEST(DebugInfoErrors, ACompiledProgramsErrorNamesSourceFunctionLineAndColumn) {
  const pw::VmError e = pwtest::run_error(kBoom);
  EXPECT_EQ(e.context.function, "first");
  EXPECT_EQ(e.context.file, "boom.lisp");
  EXPECT_EQ(e.context.line, 1u);
  EXPECT_EQ(e.context.column, 15u);
  EXPECT_EQ(e.context.source_line, "(define (first p) (car p))");
  const std::string text = e.format();
  EXPECT_NE(text.find("  at first (boom.lisp:1:15) [ip 1]\n      (define (first p) (car p))\n"), std::string::npos)
      << text;
  // The caller is library code (line 0): named without a position.
  EXPECT_NE(text.find("  at main [ip 1]\n"), std::string::npos) << text;
}

TEST(DebugInfoErrors, HandWrittenReportsKeepFileAndLineOnly) {
  const pw::VmError e = pwtest::run_error("func main()\n  push 5\n  car\n  halt\nend\n");
  EXPECT_EQ(e.context.column, 0u);
  EXPECT_NE(e.format().find("  at main (t.pwa:3) [ip 1]\n"), std::string::npos) << e.format();
}

// ---- the disassembler ---------------------------------------------------------------------------

TEST(DebugInfoDisassembler, ACompiledProgramIsListedWithItsSource) {
  const pw::Program p = assemble(kFib);
  const std::string text = pw::disassemble(p);
  const std::string fib = R"(func fib(n)
; 2 |   (if (< n 2) n
  get_local n                    ; 2:7
  lt_imm 2                       ; 2:3
  jump_if_false big              ; 2:3
  get_local n                    ; 2:14
  return                         ; 2:14
big:
; 3 |     (+ (fib (- n 1)) (fib (- n 2)))))
  get_local n                    ; 3:13
  sub_imm 1                      ; 3:13
  call_fn fib                    ; 3:8
  get_local n                    ; 3:25
  sub_imm 2                      ; 3:25
  call_fn fib                    ; 3:20
  add                            ; 3:5
  return                         ; 3:5
end
)";
  EXPECT_NE(text.find(fib), std::string::npos) << text;
  const std::string main = R"(func main_1()  ; main
  local x, y
; 6 |   (fib 10))
  push_int 10                    ; 6:3
  set_local x                    ; 6:3
  get_local x                    ; 6:3
  call_fn fib                    ; 6:3
  halt
end
)";
  EXPECT_NE(text.find(main), std::string::npos) << text;
  EXPECT_EQ(text.rfind("; fib.lisp\n", 0), 0u) << text;
  // It still assembles to the same code.
  EXPECT_TRUE(pw::same_code(pw::assemble(text, "again.pwa"), p));
}

TEST(DebugInfoDisassembler, HandWrittenListingsShowNoPositions) {
  const std::string text = pw::disassemble(assemble(".loc 3 1\nfunc main()\n  .name \"m\"\n  push 1\n  halt\nend\n"));
  EXPECT_EQ(text, "; t.pwa\nentry main\n\nfunc main()\n  push_int 1\n  halt\nend\n");
}

}  // namespace
