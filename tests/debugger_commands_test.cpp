// gdb's command language in both back ends, end to end through the built binaries:
// command lists at stops, ignore counts, defined commands, command files, echo, printf,
// output, print formats, x, ptype and whatis, bt full and bt -N, until and advance, rbreak,
// read and access watchpoints, watch -l, info line/functions/variables/source, checkpoints,
// save breakpoints, logging, shell; and in a live run set var, jump, return and call.
#include <gtest/gtest.h>

#include "cli_util.h"
#include "debugger_cli_fixture.h"

namespace {

using pwdebugtest::DebuggerCli;
using pwdebugtest::expect_lines_in_order;
using pwdebugtest::kSubject;
using pwdebugtest::without_back_end_lines;
using pwtest::CliResult;

// The 1-based line of the subject where [text] starts.
int subject_line(const std::string& text) {
  const std::string s(kSubject);
  const std::size_t at = s.find(text);
  EXPECT_NE(at, std::string::npos) << text;
  return 1 + static_cast<int>(std::count(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

// [text] holds [fragments] in this order (anywhere in a line).
void expect_fragments_in_order(const std::string& text, const std::vector<std::string>& fragments) {
  std::size_t from = 0;
  for (const std::string& want : fragments) {
    const std::size_t at = text.find(want, from);
    if (at == std::string::npos) {
      ADD_FAILURE() << "missing, or out of order: \"" << want << "\"\nin:\n" << text;
      return;
    }
    from = at + want.size();
  }
}

// A program with an array and a list in globals, and a function that needs the clock.
constexpr const char* kData = R"(global arr = nil
global lst = nil

func now()
  host clock
  return
end

func greet(x)
  get_local x
  host print
  pop
  get_local x
  mul_imm 2
  return
end

func main()
  push 5
  array_new
  set_global arr
  get_global arr
  push 1
  push 42
  array_set
  push 1
  push 2
  nil
  cons
  cons
  set_global lst
  get_global arr
  push 1
  array_get
  get_global lst
  car
  add
  halt
end
)";

TEST_F(DebuggerCli, CommandListsRunAtStopsAndSilentKeepsTheStopQuiet) {
  const std::string script = "break fact\ncommands\nsilent\nprintf \"fact(%d)\\n\", n\ncontinue\nend\nrun\ninfo breakpoints\n";
  const auto [live, replay] = both(subject_, script);
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 0) << r->err;
    expect_lines_in_order(r->out, {"fact(5)", "fact(4)", "fact(3)", "fact(2)", "fact(1)", "The run halted with 178",
                                   "        silent", "        printf \"fact(%d)\\n\", n", "        continue"});
    EXPECT_EQ(r->out.find("Breakpoint 1, function fact"), std::string::npos) << r->out;
  }
  EXPECT_EQ(without_back_end_lines(live.out), without_back_end_lines(replay.out));
}

TEST_F(DebuggerCli, IgnorePassesOverHitsInBothDirections) {
  const auto [live, replay] = both(subject_, "break fact\nignore 1 2\nrun\nprint n\ninfo breakpoints\ncontinue\nignore 1 1\nreverse-continue\nprint n\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 0) << r->err;
    // Backwards from fact(2), one hit passed over: fact(3); the stop is fact(4).
    expect_lines_in_order(r->out, {"Will ignore next 2 crossings of breakpoint 1.", "n = 3", "Will ignore next 1 crossing of breakpoint 1.", "n = 4"});
  }
}

TEST_F(DebuggerCli, DefinedCommandsTakeArgumentsAndDocumentation) {
  pwtest::write_text_file(dir_.path("defs.gdb"),
                          "define twice\n  print $arg0 * 2\n  echo $argc argument\\n\nend\ndocument twice\nPrints double its argument.\nend\n");
  const auto [live, replay] = both(subject_, "source " + dir_.path("defs.gdb") + "\nbreak fact\nrun\ntwice n\nhelp twice\ntwice\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 1) << r->err;  // the last line fails: $arg0 is missing
    expect_lines_in_order(r->out, {"n * 2 = 10", "1 argument", "Prints double its argument."});
    EXPECT_NE(r->err.find("Missing argument 0 in user function."), std::string::npos) << r->err;
  }
}

TEST_F(DebuggerCli, EchoPrintfOutputAndPrintFormats) {
  const auto [live, replay] = both(subject_,
                                   "break fact\nrun\np/x n\np/t n\np/o 8\np/c 65\np /d n\noutput n\necho |\\n\n"
                                   "printf \"%d-%x-%s-%5d|\\n\", n, 255, n, n\nprintf \"%d\\n\"\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 1) << r->err;
    expect_lines_in_order(r->out, {"n = 0x5", "n = 101", "8 = 010", "65 = 65 'A'", "n = 5", "5(pwdb) echo |\\n", "|",
                                   "5-ff-5-    5|"});
    EXPECT_NE(r->err.find("Missing argument 0 in format string"), std::string::npos) << r->err;
  }
}

TEST_F(DebuggerCli, ExamineTypesAndTheShapeOfValues) {
  const std::string program = dir_.path("data.pwa");
  pwtest::write_text_file(program, kData);
  const auto [live, replay] = both(program, "goto end\nx/3 arr\nx/2x lst\nptype arr\nwhatis arr\nptype lst\nptype greet\nx/2 arr[1]\nx lst.car\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 1) << r->err;  // x of an int is an error
    EXPECT_NE(r->out.find("[0]:\tnil\t42\tnil\n"), std::string::npos) << r->out;
    EXPECT_NE(r->out.find("[0]:\t0x1\t0x2\n"), std::string::npos) << r->out;
    EXPECT_NE(r->out.find("[1]:\t42\tnil\n"), std::string::npos) << r->out;  // a slice from an item
    expect_lines_in_order(r->out, {"type = array[5] of {nil, int}", "type = array[5]", "type = list[2] of int",
                                   "type = function greet(x)"});
    EXPECT_NE(r->err.find("x examines an array, a list, a string or a closure"), std::string::npos) << r->err;
  }
}

TEST_F(DebuggerCli, BacktraceFullAndTheOutermostFrames) {
  const auto [live, replay] = both(subject_, "break fact if n == 2\nrun\nbt 1\nbt -1\nbt full 1\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 0) << r->err;
    expect_lines_in_order(r->out, {"*#0  fact (n=2) at " + subject_ + ":" + std::to_string(subject_line("  get_global calls")),
                                   "(More stack frames follow: 5 in all)", " #4  main () at " + subject_ + ":" + std::to_string(subject_line("  call_fn fact\n  set_global total")),
                                   "(4 inner frames not shown: 5 in all)", "*#0  fact (n=2) at " + subject_ + ":" + std::to_string(subject_line("  get_global calls")),
                                   "        No locals."});
  }
}

TEST_F(DebuggerCli, AdvanceAndUntilRunToALocationOrOutOfTheFrame) {
  const int sum_line = subject_line("  push 10\n  push 0\n  call_fn sum_to") + 2;
  const auto [live, replay] = both(subject_, "until " + std::to_string(sum_line) + "\nadvance sum_to\nadvance fact\nuntil\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 0) << r->err;
    // until LOCATION stops in main's frame; advance in the call; advance stops too when the
    // frame returns first; until (like next) moves on a line.
    expect_fragments_in_order(r->out, {"Run until ", "[step 62] main ()", "Entered sum_to", "sum_to (i=1, n=10, acc=0)",
                                       "Left sum_to", "[step 179] main ()", "Step done"});
  }
}

TEST_F(DebuggerCli, RbreakSetsABreakpointOnEveryMatchingFunction) {
  const auto [live, replay] = both(subject_, "rbreak ^(fact|sum)\nrbreak zzz\nrbreak (\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 1) << r->err;
    expect_lines_in_order(r->out, {"Breakpoint 1: function fact", "Breakpoint 2: function sum_to", "No function matches \"zzz\"."});
    EXPECT_NE(r->err.find("bad regular expression"), std::string::npos) << r->err;
  }
}

TEST_F(DebuggerCli, ReadAndAccessWatchpointsStopWhereThePlaceIsUsed) {
  const auto [live, replay] = both(subject_, "rwatch calls\ncontinue\nbt 1\ncontinue\ndelete\nawatch total\ncontinue\ncontinue\nreverse-continue\ninfo breakpoints\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 0) << r->err;
    expect_fragments_in_order(r->out, {"Read watchpoint 1: calls (now 0)", "Watchpoint 1 (read), calls = 0 (the next instruction reads it)",
                                   "*#0  fact (n=5)", "Watchpoint 1 (read), calls = 1 (the next instruction reads it)",
                                   "Access watchpoint 2: total (now 0)", "Watchpoint 2 (access), total = 0 (the next instruction writes it)",
                                   "Watchpoint 2 (access), total = 120 (the next instruction reads it)",
                                   "Watchpoint 2 (access), total = 0 (the next instruction writes it)", "2    acc watchpoint"});
  }
}

TEST_F(DebuggerCli, WatchLocationFollowsTheHeapSlotItNamedWhenSet) {
  const std::string program = dir_.path("data.pwa");
  pwtest::write_text_file(program, kData);
  const auto [live, replay] = both(program, "stepi 5\nwatch -l arr[1]\ncontinue\nwatch -l 1 + 2\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 1) << r->err;
    EXPECT_NE(r->out.find("[1] (now nil)"), std::string::npos) << r->out;
    EXPECT_NE(r->out.find("[1]: nil -> 42"), std::string::npos) << r->out;
    EXPECT_NE(r->err.find("names no place to watch"), std::string::npos) << r->err;
  }
}

TEST_F(DebuggerCli, InfoLineFunctionsVariablesAndSource) {
  const auto [live, replay] = both(subject_, "info functions ^f\ninfo variables tot\ninfo line fact\ninfo source\ninfo functions (\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 1) << r->err;
    const std::string fact_line = std::to_string(subject_line("func fact"));
    expect_lines_in_order(r->out, {"Functions matching \"^f\":", fact_line + ":\tfunc fact(n);", "Globals matching \"tot\":",
                                   "  total = 0", "Line " + fact_line + " of \"" + subject_ + "\" has no code.",
                                   "Current source file is " + subject_});
    EXPECT_EQ(r->out.find("func main"), std::string::npos) << r->out;
    EXPECT_NE(r->err.find("bad regular expression"), std::string::npos) << r->err;
  }
}

TEST_F(DebuggerCli, CheckpointsAreBookmarksOfSteps) {
  const auto [live, replay] = both(subject_, "break fact if n == 1\nrun\ncheckpoint\nwhen\ngoto 3\nrestart 1\nwhen\ninfo checkpoints\nrestart 9\ntty\n"
                                             "delete checkpoint 1\ninfo checkpoints\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 1) << r->err;
    const std::size_t at = r->out.find("Checkpoint 1 at step ");
    ASSERT_NE(at, std::string::npos) << r->out;
    const std::string step = r->out.substr(at + 21, r->out.find('\n', at) - at - 21);
    expect_fragments_in_order(r->out, {"Current step: " + step, "Jumped to step " + step, "* 1   step " + step, "No checkpoints."});
    EXPECT_NE(r->err.find("no checkpoint number 9"), std::string::npos) << r->err;
    EXPECT_NE(r->err.find("tty is not supported"), std::string::npos) << r->err;
  }
}

TEST_F(DebuggerCli, SavedBreakpointsReadBackTheSame) {
  const std::string saved = dir_.path("points.gdb");
  const auto [live, replay] = both(subject_, "break fact if n == 2\nignore 1 1\ncommands 1\nsilent\nprint n\nend\nwatch total\n"
                                             "catch throw\ndisable 3\nsave breakpoints " + saved + "\n");
  EXPECT_EQ(replay.code, 0) << replay.err;
  EXPECT_EQ(pwtest::read_text_file(saved),
            "break fact if n == 2\nignore $bpnum 1\ncommands\n  silent\n  print n\nend\nwatch total\ncatch throw\ndisable $bpnum\n");
  const CliResult again = pwreplay({"debug", dir_.path("both.pwtrace"), "--batch", "-ex", "source " + saved, "-ex", "info breakpoints", "-ex", "run"});
  EXPECT_EQ(again.code, 0) << again.err;
  expect_fragments_in_order(again.out, {"Will ignore next 1 crossing of breakpoint.", "        silent", "        print n",
                                    "3    catchpoint      keep  n", "Watchpoint 2, total: 0 -> 120"});
}

TEST_F(DebuggerCli, LoggingCopiesTheOutputToAFileAndShellRunsCommands) {
  const std::string log = dir_.path("session.log");
  const auto [live, replay] = both(subject_, "set logging file " + log + "\nset logging overwrite on\nset logging on\nprint 1 + 1\n"
                                             "set logging off\nprint 2 + 2\nshell echo from-the-shell\n!echo bang\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 0) << r->err;
    expect_fragments_in_order(r->out, {"\n1 + 1 = 2", "\n2 + 2 = 4", "\nfrom-the-shell", "\nbang"});
  }
  const std::string logged = pwtest::read_text_file(log);
  EXPECT_NE(logged.find("1 + 1 = 2"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("2 + 2 = 4"), std::string::npos) << logged;
}

TEST_F(DebuggerCli, ALiveRunCanBeChangedAtItsNewestStepAndTheRecordingKeepsIt) {
  const std::string trace = dir_.path("changed.pwtrace");
  const CliResult r = pwvm({"debug", subject_, "--record", trace, "--batch", "-ex", "break fact if n == 2", "-ex", "run",
                            "-ex", "return 100", "-ex", "set var calls = 40", "-ex", "goto 3", "-ex", "set var total = 1",
                            "-ex", "goto end"});
  EXPECT_EQ(r.code, 1) << r.err;
  expect_lines_in_order(r.out, {"Returned from fact with 100", "The run halted with 6058"});
  EXPECT_NE(r.err.find("set var changes the run at its newest step"), std::string::npos) << r.err;
  // The recording goes on from the changed state.
  const CliResult replayed = pwreplay({"debug", trace, "--at", "end", "--batch", "-ex", "info program", "-ex", "print calls",
                                       "-ex", "set var calls = 1", "-ex", "return"});
  EXPECT_EQ(replayed.code, 1) << replayed.err;
  expect_fragments_in_order(replayed.out, {"halted with 6058", "calls = 40"});
  EXPECT_NE(replayed.err.find("set var changes a live run (pwvm debug): this recording cannot be changed"), std::string::npos)
      << replayed.err;
}

TEST_F(DebuggerCli, JumpGoesOnFromAnotherLineWhereTheStackAgrees) {
  const int skip_to = subject_line("  push 1\n  push 10");
  const int mid_expression = subject_line("  call_fn fact\n  set_global total");
  const CliResult r = pwvm({"debug", subject_, "--batch", "-ex", "jump " + std::to_string(mid_expression), "-ex",
                            "jump " + std::to_string(skip_to)});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("1 value would be on the operand stack there and 0 here"), std::string::npos) << r.err;
  expect_lines_in_order(r.out, {"Continuing at main+3 (line " + std::to_string(skip_to) + ").", "The run halted with 58"});
}

TEST_F(DebuggerCli, CallRunsAFunctionOnACopyAndLeavesTheRunAlone) {
  const std::string program = dir_.path("data.pwa");
  pwtest::write_text_file(program, kData);
  const auto [live, replay] = both(program, "stepi 3\ncall greet(21)\ncall greet(arr)\nwhen\ncall now()\ncall nothing(1)\n"
                                            "call greet(1, 2)\ninfo output\ngoto end\ninfo program\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 1) << r->err;
    expect_fragments_in_order(r->out, {"21", "greet(21) = 42", "Current step: 3", "Nothing printed by step 3.", "halted with 43"});
    EXPECT_NE(r->err.find("call greet(arr): TypeError: mul expects numbers"), std::string::npos) << r->err;
    EXPECT_NE(r->err.find("not granted"), std::string::npos) << r->err;
    EXPECT_NE(r->err.find("greet takes 1 argument, called with 2"), std::string::npos) << r->err;
  }
}

TEST_F(DebuggerCli, CommandFilesAndExCommandsRunInCommandLineOrder) {
  const std::string trace = dir_.path("order.pwtrace");
  ASSERT_EQ(pwvm({"run", subject_, "--record", trace}).code, 0);
  pwtest::write_text_file(dir_.path("b.gdb"), "echo B\\n\n");
  const CliResult r = pwreplay({"debug", trace, "--batch", "-ex", "echo A\\n", "-x", dir_.path("b.gdb"), "-ex", "echo C\\n"});
  EXPECT_EQ(r.code, 0) << r.err;
  expect_lines_in_order(r.out, {"A", "B", "C"});
  // A missing file: one line, before the banner.
  for (const CliResult& missing : {pwreplay({"debug", trace, "-x", dir_.path("nope.gdb")}),
                                   pwvm({"debug", subject_, "-x", dir_.path("nope.gdb")})}) {
    EXPECT_EQ(missing.code, 2);
    EXPECT_EQ(missing.out, "");
    EXPECT_NE(missing.err.find("cannot read the command file"), std::string::npos) << missing.err;
    EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  }
}

}  // namespace
