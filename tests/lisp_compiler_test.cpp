// The .pwl compiler: what it makes of a program (calls, loops, closures, boxes), the debug
// information it carries, and that its assembly reads back to the same program.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "assembler.h"
#include "compiler.h"
#include "disassembler.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using pw::lisp::compile_program;
using pw::lisp::compile_to_assembly;
using pw::lisp::CompileError;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const pw::Function& function(const pw::Program& p, const std::string& name) {
  const int f = p.find_function(name);
  if (f < 0) throw std::runtime_error("no function " + name);
  return p.functions[static_cast<std::size_t>(f)];
}

bool uses(const pw::Function& fn, pw::Op op) {
  return std::any_of(fn.code.begin(), fn.code.end(), [&](const pw::Instr& i) { return i.op == op; });
}

std::vector<fs::path> lisp_programs() {
  std::vector<fs::path> out;
  for (const char* dir : {EXAMPLES_DIR, BENCH_DIR})
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".pwl") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(LispCompiler, AssemblyReadsBackToTheSameProgram) {
  const auto files = lisp_programs();
  ASSERT_GE(files.size(), 9u);
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.string());
    const std::string source = read_file(path);
    const auto compiled = compile_program(source, path.string());
    // What `pwvm compile` writes, assembled as a .pwa file of its own.
    const auto again = pw::load_program_text(compile_to_assembly(source, path.string()), "written.pwa");
    EXPECT_TRUE(pw::same_code(*compiled, *again));
    EXPECT_TRUE(pw::same_debug_info(*compiled, *again));
    EXPECT_TRUE(again->compiled);
    EXPECT_EQ(again->source_name, path.string());
    EXPECT_EQ(again->source, source);
    // And the disassembly of the compiled program assembles to the same code.
    const pw::Program disassembled = pw::assemble(pw::disassemble(*compiled), "disassembled.pwa");
    EXPECT_TRUE(pw::same_code(*compiled, disassembled));
  }
}

TEST(LispCompiler, KnownProceduresAreCalledDirectlyAndTailCallsReuseTheFrame) {
  const auto p = compile_program(
      "(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))\n"
      "(define (count n) (if (= n 0) 'done (count (- n 1))))\n"
      "(display (fib 10)) (display (count 5))\n",
      "t.pwl");
  const pw::Function& fib = function(*p, "fib");
  EXPECT_TRUE(uses(fib, pw::Op::CALL_FN));
  EXPECT_FALSE(uses(fib, pw::Op::CALL));
  EXPECT_TRUE(uses(fib, pw::Op::LT_IMM));  // (< n 2): an immediate, and a branch on the result
  const pw::Function& count = function(*p, "count");
  EXPECT_TRUE(uses(count, pw::Op::TAIL_CALL_FN));
  EXPECT_FALSE(uses(count, pw::Op::CALL_FN));
}

TEST(LispCompiler, LoopsAreJumpsAndACountedDoIsForNext) {
  const auto p = compile_program(
      "(define (sum l) (let walk ((l l) (s 0)) (if (pair? l) (walk (cdr l) (+ s (car l))) s)))\n"
      "(define (total) (do ((i 1 (+ i 1)) (s 0 (+ s i))) ((> i 100) s)))\n"
      "(display (sum '(1 2 3))) (display (total))\n",
      "t.pwl");
  const pw::Function& sum = function(*p, "sum");
  EXPECT_FALSE(uses(sum, pw::Op::CALL_FN));
  EXPECT_FALSE(uses(sum, pw::Op::TAIL_CALL_FN));
  EXPECT_TRUE(uses(sum, pw::Op::JUMP));
  const pw::Function& total = function(*p, "total");
  EXPECT_TRUE(uses(total, pw::Op::FOR_NEXT));
}

TEST(LispCompiler, AVariableCapturedAndSetLivesInABox) {
  const auto p = compile_program(
      "(define (make-counter)\n"
      "  (let ((n 0))\n"
      "    (lambda () (set! n (+ n 1)) n)))\n"
      "(display ((make-counter)))\n",
      "t.pwl");
  const pw::Function& maker = function(*p, "make-counter");
  ASSERT_FALSE(maker.vars.empty());
  const auto n =
      std::find_if(maker.vars.begin(), maker.vars.end(), [](const pw::SourceVar& v) { return v.name == "n"; });
  ASSERT_NE(n, maker.vars.end());
  EXPECT_TRUE(n->boxed);
  // The closure is named after where it was written, and holds the box as a capture.
  const int lambda = p->find_function("lambda@t.pwl:3");
  ASSERT_GE(lambda, 0);
  const pw::Function& body = p->functions[static_cast<std::size_t>(lambda)];
  ASSERT_EQ(body.vars.size(), 1u);
  EXPECT_EQ(body.vars[0].slot, pw::SourceVar::Slot::Capture);
  EXPECT_TRUE(body.vars[0].boxed);
}

TEST(LispCompiler, ALetVariableIsInScopeOnlyInItsBody) {
  const auto p = compile_program(
      "(define (f a)\n"
      "  (display a)\n"
      "  (let ((b (* a 2)))\n"
      "    (display b))\n"
      "  (display a))\n"
      "(f 1)\n",
      "t.pwl");
  const pw::Function& f = function(*p, "f");
  const auto b = std::find_if(f.vars.begin(), f.vars.end(), [](const pw::SourceVar& v) { return v.name == "b"; });
  ASSERT_NE(b, f.vars.end());
  for (std::uint32_t ip = 0; ip < f.code.size(); ++ip) {
    const bool in_scope = b->begin <= ip && ip < b->end;
    // Only the let's body (line 4) runs with b in scope; lines 2, 3 and 5 do not.
    if (f.lines[ip] == 2 || f.lines[ip] == 5) {
      EXPECT_FALSE(in_scope) << "ip " << ip;
    }
    if (f.lines[ip] == 4) {
      EXPECT_TRUE(in_scope) << "ip " << ip;
    }
  }
  const auto a = std::find_if(f.vars.begin(), f.vars.end(), [](const pw::SourceVar& v) { return v.name == "a"; });
  ASSERT_NE(a, f.vars.end());
  EXPECT_EQ(a->begin, 0u);
  EXPECT_EQ(a->end, f.code.size());
}

TEST(LispCompiler, InstructionsCarryTheColumnOfTheirExpression) {
  const auto p = compile_program("(define (f x)\n  (+ 1 (car x)))\n(f '(1))\n", "t.pwl");
  const pw::Function& f = function(*p, "f");
  bool found = false;
  for (std::size_t ip = 0; ip < f.code.size(); ++ip) {
    if (f.code[ip].op != pw::Op::CAR) continue;
    EXPECT_EQ(f.lines[ip], 2u);
    EXPECT_EQ(f.columns[ip], 8u);  // (car x)
    found = true;
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(f.display_name(), "f");
}

TEST(LispCompiler, OnlyTheLibraryAProgramUsesIsCompiledIn) {
  const auto small = compile_program("(display 1)\n", "t.pwl");
  EXPECT_LT(small->find_function("map"), 0);
  EXPECT_GE(small->find_function("display"), 0);
  const auto bigger = compile_program("(display (map car '((1) (2))))\n", "t.pwl");
  EXPECT_GE(bigger->find_function("map"), 0);
  // The library carries no source positions: stepping passes through it.
  const pw::Function& map = function(*bigger, "map");
  EXPECT_TRUE(std::all_of(map.lines.begin(), map.lines.end(), [](std::uint32_t l) { return l == 0; }));
}

TEST(LispCompiler, ErrorsNameTheirPlace) {
  struct Case {
    const char* source;
    std::uint32_t line, column;
    const char* message;
  };
  const Case cases[] = {
      {"(display (lenght '(1 2)))\n", 1, 11, "unknown variable 'lenght'"},
      {"(define (f a b) a)\n(f 1)\n", 2, 1, "'f' takes 2 arguments, given 1"},
      {"(car 1 2)\n", 1, 1, "'car' takes 1 argument, given 2"},
      {"(if)\n", 1, 1, "bad if form"},
      {"(let ((x)) x)\n", 1, 7, "a binding is (NAME VALUE)"},
      {"(display (define x 1))\n", 1, 10, "define is only allowed"},
      {"(set! car 1)\n", 1, 7, "cannot set! the library procedure 'car'"},
      {"(lambda (x x) x)\n", 1, 12, "parameter 'x' appears twice"},
      {"(cond (else 1) (#t 2))\n", 1, 7, "else must be the last cond clause"},
      {"(display ,x)\n", 1, 10, "'unquote' outside a quasiquote"},
      {"(define (f) (define a b) (define b 1) a)\n", 1, 23, "'b' is used before its definition"},
      {"(display (f 1)\n", 1, 1, "'('"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source);
    try {
      compile_program(c.source, "t.pwl");
      ADD_FAILURE() << "compiled";
    } catch (const CompileError& e) {
      EXPECT_EQ(e.pos.line, c.line);
      EXPECT_EQ(e.pos.column, c.column);
      EXPECT_NE(e.message.find(c.message), std::string::npos) << e.message;
      EXPECT_EQ(std::string(e.what()).rfind("t.pwl:", 0), 0u) << e.what();
    }
  }
}

TEST(LispCompiler, DerivedFormsNestOnlySoDeep) {
  // A cond of N clauses is N nested ifs, which every pass recurses over: up to the bound the
  // passes' own large stack holds them (under the sanitizers too), past it is an error.
  std::string ok = "(define (f x) (cond", deep = ok;
  for (int k = 0; k < 9000; ++k) ok += " ((= x " + std::to_string(k) + ") " + std::to_string(k) + ")";
  for (int k = 0; k < 200000; ++k) deep += " ((= x " + std::to_string(k) + ") " + std::to_string(k) + ")";
  EXPECT_NO_THROW(compile_program(ok + "))\n(display (f 8999))\n", "t.pwl"));
  try {
    compile_program(deep + "))\n", "t.pwl");
    ADD_FAILURE() << "compiled";
  } catch (const CompileError& e) {
    EXPECT_NE(e.message.find("nested more than 10000 deep"), std::string::npos) << e.message;
  }
}

}  // namespace
