// The tools on compiled .pwl programs, through the built binaries: compile and check,
// disassembly beside the source, and the trace queries and perf report at source level.
#include <gtest/gtest.h>

#include "cli_util.h"
#include "trace_test_util.h"

namespace {

using pwtest::CliResult;

class LispTools : public ::testing::Test {
 protected:
  LispTools() : dir_("lisptools") {}
  CliResult pwvm(const std::vector<std::string>& args) {
    return pwtest::run_binary(PWVM_BINARY, args, "", dir_.dir(), false);
  }
  CliResult pwreplay(const std::vector<std::string>& args) {
    return pwtest::run_binary(PWREPLAY_BINARY, args, "", dir_.dir(), false);
  }
  static std::string example(const std::string& name) { return std::string(EXAMPLES_DIR) + "/" + name; }
  pwtest::ScratchDir dir_;
};

TEST_F(LispTools, CompileWritesAssemblyThatRunsTheSame) {
  const std::string pwa = dir_.path("closures.pwa");
  const CliResult compiled = pwvm({"compile", example("closures.pwl"), "-o", pwa});
  ASSERT_EQ(compiled.code, 0) << compiled.err;
  const std::string text = pwtest::read_text_file(pwa);
  EXPECT_NE(text.find(".source \"" + example("closures.pwl") + "\""), std::string::npos);
  EXPECT_NE(text.find(".name \"make-counter\""), std::string::npos);
  EXPECT_NE(text.find(".var "), std::string::npos);
  const CliResult a = pwvm({"run", example("closures.pwl")});
  const CliResult b = pwvm({"run", pwa});
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(b.code, 0) << b.err;
  // Errors in the assembled copy still name the .pwl source.
  const CliResult check = pwvm({"check", pwa});
  EXPECT_EQ(check.code, 0) << check.err;
}

TEST_F(LispTools, ACompileErrorIsOneBlockAndExitTwo) {
  const std::string bad = dir_.path("bad.pwl");
  pwtest::write_text_file(bad, "(define (f xs)\n  (lenght xs))\n(f '(1))\n");
  for (const char* command : {"run", "check", "disasm", "compile"}) {
    SCOPED_TRACE(command);
    const CliResult r = pwvm({command, bad});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, bad + ":2:4: error: unknown variable 'lenght'\n      (lenght xs))\n       ^\n");
  }
}

TEST_F(LispTools, StandardInputIsCompiledWhenItIsLisp) {
  const CliResult lisp =
      pwtest::run_binary(PWVM_BINARY, {"run", "-"}, "; sums\n(display (+ 1 2))\n", dir_.dir(), false);
  EXPECT_EQ(lisp.code, 0) << lisp.err;
  EXPECT_EQ(lisp.out, "3");
  const CliResult pwa = pwtest::run_binary(
      PWVM_BINARY, {"run", "-"}, "; sums\nfunc main()\n  push 3\n  host print\n  return\nend\n", dir_.dir(), false);
  EXPECT_EQ(pwa.code, 0) << pwa.err;
  EXPECT_EQ(pwa.out, "3\n");
}

TEST_F(LispTools, DisassemblyShowsTheSourceBesideTheBytecode) {
  const CliResult r = pwvm({"disasm", example("tail_recursion.pwl")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("func countdown(n)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; 16 |   (if (= n 0)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tail_call_fn countdown"), std::string::npos) << r.out;
}

TEST_F(LispTools, TraceQueriesAndPerfSpeakTheSource) {
  const std::string trace = dir_.path("inventory.pwtrace");
  const CliResult run = pwvm({"run", example("inventory.pwl"), "--record", trace});
  ASSERT_EQ(run.code, 1) << run.err;
  const CliResult last = pwreplay({"last-write", trace, "reorder-qty[6]", "--before", "end"});
  ASSERT_EQ(last.code, 0) << last.err;
  EXPECT_NE(last.out.find("() -> #f   by array_set at load-supplier-sheet+"), std::string::npos) << last.out;
  EXPECT_NE(last.out.find("inventory.pwl:71:5)"), std::string::npos) << last.out;
  const CliResult calls = pwreplay({"calls", trace, "restock"});
  ASSERT_EQ(calls.code, 0) << calls.err;
  EXPECT_NE(calls.out.find("restock(3) -> ()"), std::string::npos) << calls.out;
  const CliResult watch = pwreplay({"watch", trace, "restocks"});
  ASSERT_EQ(watch.code, 0) << watch.err;
  EXPECT_NE(watch.out.find("by set_global restocks at restock+"), std::string::npos) << watch.out;
  // A variable of a procedure, by its source name, in every call of it.
  const CliResult local = pwreplay({"watch", trace, "restock::qty"});
  ASSERT_EQ(local.code, 0) << local.err;
  EXPECT_NE(local.out.find("-> 25"), std::string::npos) << local.out;

  const CliResult perf = pwreplay({"perf", trace, "--top", "0"});
  ASSERT_EQ(perf.code, 0) << perf.err;
  EXPECT_NE(perf.out.find("  next-rand\n"), std::string::npos) << perf.out;
  EXPECT_NE(perf.out.find("run-day -> process-order"), std::string::npos) << perf.out;
  EXPECT_NE(perf.out.find("inventory.pwl:85 in next-rand"), std::string::npos) << perf.out;
  EXPECT_NE(perf.out.find("(library) in "), std::string::npos) << perf.out;
  EXPECT_NE(perf.out.find("process-order+"), std::string::npos) << perf.out;
  const CliResult folded = pwreplay({"perf", trace, "--folded", dir_.path("f.folded")});
  ASSERT_EQ(folded.code, 0) << folded.err;
  EXPECT_NE(pwtest::read_text_file(dir_.path("f.folded")).find("(top level);run-day;process-order"), std::string::npos);
}

}  // namespace
