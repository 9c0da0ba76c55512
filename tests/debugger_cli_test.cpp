// The debugger end to end, with the built binaries: the same scripted session over a live
// run (pwvm debug) and over its recording (pwreplay debug) prints the same thing; it moves
// forwards and backwards to breakpoints, watchpoints and catchpoints, across recursion and
// tail calls; the failed-run workflow finds the culprit; bad input inside a session gets one
// line and the session goes on; Ctrl-C interrupts a long continue.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "trace_test_util.h"

extern char** environ;

#include "debugger_cli_fixture.h"

namespace {

using pwtest::CliResult;
using pwdebugtest::DebuggerCli;
using pwdebugtest::expect_lines_in_order;
using pwdebugtest::without_back_end_lines;

TEST_F(DebuggerCli, BothBackEndsRunTheSameSession) {
  const std::string script = R"(info program
break fact if n == 2
info breakpoints
run
backtrace
info args
print n * 10
finish
finish
reverse-finish
up
print calls
info locals
down
frame 1
frame 0
tbreak sum_to
continue
next
step
stepi
nexti
reverse-stepi
reverse-nexti
reverse-step
reverse-next
delete 1
continue
finish
reverse-step
reverse-finish
info breakpoints
catch throw
catch catch
continue
info stack
continue
watch total
continue
reverse-continue
reverse-continue
disable 3 4 5
info breakpoints
enable 5
continue
delete
goto 10
list
list
list fact
disassemble
info globals
info heap
info gc
info frame
last calls
goto end
info program
log
log ExceptionCaught
)";
  const auto [live, replay] = both(subject_, script);
  EXPECT_EQ(live.code, 0) << live.err;
  EXPECT_EQ(replay.code, 0) << replay.err;
  EXPECT_EQ(live.err, "");
  EXPECT_EQ(replay.err, "");
  EXPECT_EQ(without_back_end_lines(live.out), without_back_end_lines(replay.out));
  for (const std::string& out : {local(live.out), local(replay.out)}) {
    expect_lines_in_order(
        out,
        {// a conditional breakpoint deep in the recursion
         "Breakpoint 1: function fact if n == 2", "Breakpoint 1, function fact", "[step 32] fact (n=2) at subject.pwa:6",
         "6\t  get_global calls", "*#0  fact (n=2) at subject.pwa:6", " #4  main () at subject.pwa:65", "n = 2",
         "n * 10 = 20",
         // finish out of two levels of recursion, then back to the call of the frame
         "Left fact, returned 2", "[step 52] fact (n=3) at subject.pwa:19", "Left fact, returned 6",
         "[step 54] fact (n=4) at subject.pwa:19", "Back at the call of fact", "[step 11] fact (n=5) at subject.pwa:18",
         "#1  [step 11] main () at subject.pwa:65", "calls = 1", "No locals.", "#0  [step 11] fact (n=5) at subject.pwa:18",
         // line and instruction steps, both ways
         "Temporary breakpoint 2: function sum_to", "[step 32] fact (n=2) at subject.pwa:6",
         "[step 33] fact (n=2) at subject.pwa:7", "[step 34] fact (n=2) at subject.pwa:8",
         "[step 35] fact (n=2) at subject.pwa:9", "[step 36] fact (n=2) at subject.pwa:10",
         "[step 35] fact (n=2) at subject.pwa:9", "[step 34] fact (n=2) at subject.pwa:8",
         "[step 33] fact (n=2) at subject.pwa:7", "[step 32] fact (n=2) at subject.pwa:6",
         // a temporary breakpoint in a function that tail-calls itself ten times; finish
         // brings back the last one's value, reverse-finish goes back to the first call
         "Temporary breakpoint 2, function sum_to", "[step 63] sum_to (i=1, n=10, acc=0) at subject.pwa:24",
         "Left sum_to, returned 55", "[step 179] main () at subject.pwa:71",
         "[step 178] sum_to (i=11, n=10, acc=55) at subject.pwa:37", "37\t  return", "Back at the call of sum_to",
         "[step 62] main () at subject.pwa:70", "No breakpoints, watchpoints or catchpoints.",
         // catchpoints and a watchpoint, forwards and backwards
         "Catchpoint 3 (exception thrown)", "Catchpoint 4 (exception caught)",
         "Catchpoint 3, exception thrown: 'negative", "[step 191] risky (x=-3) at subject.pwa:45", "  [0] 'negative",
         "Catchpoint 4, exception caught: 'negative", "[step 192] guarded (x=-3) at subject.pwa:58",
         "Watchpoint 5: total (now 175)", "Watchpoint 5, total: 175 -> 174", "[step 198] main () at subject.pwa:79",
         "Watchpoint 5, total: 175 -> 174 (the next instruction makes the change)",
         "[step 197] main () at subject.pwa:78", "Catchpoint 4, exception caught: 'negative",
         "[step 192] guarded (x=-3) at subject.pwa:58", "3    catchpoint      keep  n    exception thrown",
         "4    catchpoint      keep  n    exception caught", "        hit 2 times", "5    watchpoint      keep  n    total",
         "Watchpoint 5, total: 175 -> 174", "[step 198] main () at subject.pwa:79",
         // jumping, listing, looking around
         "Jumped to step 10", "17\t  sub_imm 1", "22\t", "=>   10  sub_imm 1                    ; line 17",
         "total = 0", "calls = 1", "Frame 0 (call 2 of the run), depth 2 of 2",
         "Last write to calls before step 10: 0 -> 1 (the next instruction writes it)",
         "[step 4] fact (n=5) at subject.pwa:8", "The run halted with 178", "[step 215] main () at subject.pwa:85",
         // the debug event log, whole and filtered
         "step 32         BreakpointHit        breakpoint 1 at function fact",
         "step 52         FunctionExit         fact returned 2",
         "step 179        FunctionExit         sum_to returned 55",
         "step 191        ExceptionThrown      'negative thrown in risky",
         "step 192        ExceptionCaught      'negative caught in guarded",
         "step 198        WatchpointTriggered  watchpoint 5, total: 175 -> 174",
         "step 4          StepCompleted        last write to calls: 0 -> 1",
         "step 192        ExceptionCaught      'negative caught in guarded",
         "step 192        ExceptionCaught      'negative caught in guarded"});
  }
}

// finish after `up` runs until the selected frame is gone, and says how it went: by an
// exception that unwound it together with the frames above it (the run stops at the
// handler), or by a return (with the value).
TEST_F(DebuggerCli, FinishFromAnOuterFrameSaysWhenAnExceptionLeftIt) {
  const std::string program = dir_.path("unwind.pwa");
  pwtest::write_text_file(program, R"PWA(func deep(x)
  push 'oops
  throw
end
func middle(x)
  get_local x
  call_fn deep
  push 1
  add
  return
end
func outer(x)
  try failed
  get_local x
  call_fn middle
  end_try
  return
failed:
  pop                 ; the handler: line 19
  push -1
  return
end
func fine(x)
  get_local x
  push 1
  add
  return
end
func caller(x)
  get_local x
  call_fn fine
  return
end
func main()
  push 5
  call_fn outer
  pop
  push 5
  call_fn caller
  halt
end
)PWA");
  const std::string script = "break deep\nrun\nup\nfinish\nbreak fine\ncontinue\nup\nfinish\nlog exit\n";
  const auto [live, replay] = both(program, script);
  EXPECT_EQ(live.code, 0) << live.err;
  EXPECT_EQ(replay.code, 0) << replay.err;
  EXPECT_EQ(without_back_end_lines(live.out), without_back_end_lines(replay.out));
  for (const std::string& out : {local(live.out), local(replay.out)})
    expect_lines_in_order(out, {"Breakpoint 1, function deep", "[step 7] deep (x=5) at unwind.pwa:2",
                                "#1  [step 7] middle (x=5) at unwind.pwa:7", "Left middle, left by an exception",
                                "[step 9] outer (x=5) at unwind.pwa:19", "Breakpoint 2, function fine",
                                "#1  [step 17] caller (x=5) at unwind.pwa:31", "Left caller, returned 6",
                                "[step 22] main () at unwind.pwa:40",
                                "step 9          FunctionExit         middle left by an exception",
                                "step 22         FunctionExit         caller returned 6"});
}

TEST_F(DebuggerCli, StepEntersAndLeavesFunctionsAndTheLogSaysSo) {
  const std::string script =
      "display calls\nbreak 65\nrun\nstep\nstep\nfinish\nlog FunctionEntry\nlog exit\nlog step\nundisplay 1\n"
      "info display\nstepi\n";
  const auto [live, replay] = both(subject_, script);
  EXPECT_EQ(without_back_end_lines(live.out), without_back_end_lines(replay.out));
  expect_lines_in_order(local(live.out), {"1: calls = 0", "Breakpoint 1, subject.pwa:65", "Entered fact", "[step 2] fact (n=5) at subject.pwa:6",
                                   "1: calls = 0", "Step done", "1: calls = 0", "Left fact, returned 120",
                                   "[step 58] main () at subject.pwa:66", "1: calls = 5",
                                   "step 2          FunctionEntry        fact called",
                                   "step 58         FunctionExit         fact returned 120",
                                   "step 3          StepCompleted        step from step 2", "No displays.",
                                   "[step 59] main () at subject.pwa:67", "67\t  push 1"});
  EXPECT_EQ(live.out.find("1: calls", live.out.find("No displays.")), std::string::npos) << live.out;
}

TEST_F(DebuggerCli, BreakpointsByInstructionAndLineWithConditionsAddedLater) {
  const std::string script = R"(break *risky+4
tbreak subject.pwa:70
watch calls
info watchpoints
disable 3
condition 1 x > 100
info breakpoints
run
continue
condition 1
continue
reverse-continue
help finish
quit
print total
)";
  const auto [live, replay] = both(subject_, script);
  EXPECT_EQ(live.code, 0) << live.err;
  EXPECT_EQ(without_back_end_lines(live.out), without_back_end_lines(replay.out));
  EXPECT_EQ(live.err, replay.err);
  expect_lines_in_order(local(replay.out),
                        {"Breakpoint 1: risky+4", "Temporary breakpoint 2: subject.pwa:70", "Watchpoint 3: calls (now 0)",
                         "3    watchpoint      keep  y    calls", "1    breakpoint      keep  y    risky+4 if x > 100",
                         "2    breakpoint      del   y    subject.pwa:70",
                         // the condition never holds: the temporary breakpoint, then the end
                         "Temporary breakpoint 2, subject.pwa:70", "[step 62] main () at subject.pwa:70",
                         "The run halted with 178", "Breakpoint 1 now unconditional",
                         "The run halted with 178",  // at the end already: continue has nowhere to go
                         "Breakpoint 1, risky+4", "[step 191] risky (x=-3) at subject.pwa:45",
                         "finish (also fin)", "(pwdb) quit"});
  EXPECT_EQ(replay.out.find("(pwdb) print total"), std::string::npos);  // quit ended the script
}

TEST_F(DebuggerCli, TheFailedRunWorkflowFindsTheCulprit) {
  // Live: run into the failure. Recorded: start at it. Then ask who wrote the nil.
  const std::string script = "backtrace\nprint qty\nup 2\nprint reorder_qty[item]\nlast reorder_qty[6]\nbacktrace\n"
                             "info locals\nreverse-step\n";
  const auto [live, replay] = both(example("inventory"), script, "end", {"continue"});
  EXPECT_EQ(live.code, 0) << live.err;
  EXPECT_EQ(replay.code, 0) << replay.err;
  expect_lines_in_order(live.out, {"The run failed: TypeError: mul expects numbers, got nil and int",
                                   "[step 10850] purchase_cost (item=6, qty=nil) at " + example("inventory") + ":281"});
  for (const CliResult* r : {&live, &replay}) {
    expect_lines_in_order(r->out, {"*#0  purchase_cost (item=6, qty=nil) at " + example("inventory") + ":281",
                                   " #5  main () at " + example("inventory") + ":500", "qty = nil",
                                   "reorder_qty[item] = nil",
                                   "Last write to reorder_qty[6] before step 10850: nil -> nil (the next instruction writes it)",
                                   "203\t  array_set                ; ...and it is stored without a check: the bug",
                                   " #1  main () at " + example("inventory") + ":491", "i = 6",
                                   "[step 763] lookup (alist=nil, key='hinge) at " + example("inventory") + ":183"});
    EXPECT_NE(r->out.find("[step 764] load_supplier_sheet"), std::string::npos) << r->out;
  }
}

TEST_F(DebuggerCli, ControlBytesInAFailureAreEscapedInBothBackEnds) {
  // A thrown string with a NUL and terminal escapes; a source comment with an escape too.
  const std::string program = dir_.path("hostile.pwa");
  pwtest::write_text_file(program,
                          "func inner(s)\n  get_local s\n  throw ; \x1b]0;title\x07\nend\n"
                          "func main()\n  push \"a\\0b\\x1b[31mred\"\n  call_fn inner\n  halt\nend\n");
  const auto [live, replay] = both(program, "backtrace\nlist 3\n", "end", {"continue"});
  for (const CliResult* r : {&live, &replay}) {
    for (const std::string* text : {&r->out, &r->err})
      for (const char c : *text)
        if (c == '\0' || c == '\x1b' || c == '\x07') {
          ADD_FAILURE() << "raw control byte " << int(c) << " in:\n" << *text;
          break;
        }
    EXPECT_NE(r->out.find("*#0  inner (s=\"a\\0b\\x1b[31mred\" #1) at " + program + ":3"), std::string::npos) << r->out;
    EXPECT_NE(r->out.find("3\t  throw ; \\x1b]0;title\\x07\n"), std::string::npos) << r->out;
  }
  EXPECT_NE(live.out.find("The run failed: UncaughtException: uncaught exception: a\\x00b\\x1b[31mred\n"),
            std::string::npos)
      << live.out;
}

TEST_F(DebuggerCli, BadInputGetsOneLineAndTheSessionGoesOn) {
  const std::vector<std::string> bad = {
      "frobnicate",             // unknown command
      "re",                     // ambiguous
      "print )",                // syntax error
      "print nosuch",           // unknown name
      "print fact::n",          // no active frame
      "break nosuch",           // unknown function
      "break subject.pwa:9999", // no code there
      "watch",                  // no expression
      "frame 99",               // no such frame
      "goto 99999999",          // past the end
      "goto soon",              // not a step
      "finish",                 // outermost frame
      "reverse-finish",         // outermost frame
      "delete 42",              // no such breakpoint
      "step x",                 // not a count
      "log nonsense",           // unknown event kind
      "info nonsense",          // unknown info
      "up",                     // no frame above main
      "catch fire",             // not throw/catch
      "list 99999",             // past the end of the file
  };
  std::string script;
  for (const auto& b : bad) script += b + "\n";
  script += "print total\nstepi\n";
  const auto [live, replay] = both(subject_, script);
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 1) << r->err;  // a script with errors fails
    EXPECT_EQ(pwtest::count_lines(r->err), bad.size()) << r->err;
    EXPECT_NE(r->out.find("total = 0"), std::string::npos) << r->out;  // still going
    EXPECT_NE(r->out.find("[step 1] main () at"), std::string::npos) << r->out;
  }
  EXPECT_EQ(live.err, replay.err);
  expect_lines_in_order(live.err, {"undefined command \"frobnicate\"; try \"help\"",
                                   "ambiguous command \"re\": reverse-step, reverse-stepi, reverse-next, reverse-nexti, "
                                   "reverse-finish, reverse-continue, return, restart",
                                   "\"finish\" is not meaningful in the outermost frame",
                                   "no breakpoint number 42"});
}

TEST_F(DebuggerCli, BadInvocationsGetOneLineAndExitCode2) {
  const std::string trace = dir_.path("t.pwtrace");
  ASSERT_EQ(pwvm({"run", subject_, "--record", trace}).code, 0);
  const std::vector<std::pair<std::string, CliResult>> runs = {
      {"missing program", pwvm({"debug", dir_.path("nosuch.pwa"), "--batch"})},
      {"unknown flag", pwvm({"debug", subject_, "--frobnicate"})},
      {"bad capability", pwvm({"debug", subject_, "--allow", "net", "--batch"})},
      {"missing command file", pwvm({"debug", subject_, "-x", dir_.path("nosuch.gdb"), "--batch"})},
      {"missing trace", pwreplay({"debug", dir_.path("nosuch.pwtrace"), "--batch"})},
      {"not a trace", pwreplay({"debug", subject_, "--batch"})},
      {"start past the end", pwreplay({"debug", trace, "--at", "100000", "--batch"})},
  };
  for (const auto& [what, r] : runs) {
    SCOPED_TRACE(what);
    EXPECT_EQ(r.code, 2) << r.out << r.err;
    EXPECT_EQ(pwtest::count_lines(r.err), 1u) << r.err;
  }
}

TEST_F(DebuggerCli, AnEmptyLineRepeatsTheLastMove) {
  // Commands piped in (no terminal, no --batch): each echoed after the prompt.
  const CliResult r = pwvm({"debug", subject_}, "break sum_to\nrun\nnext\n\n\ninfo program\nquit\n");
  EXPECT_EQ(r.code, 0) << r.err;
  expect_lines_in_order(r.out, {"(pwdb) next", "[step 64] sum_to (i=1, n=10, acc=0) at " + subject_ + ":25", "(pwdb) ",
                                "[step 65] sum_to (i=1, n=10, acc=0) at " + subject_ + ":26", "(pwdb) ",
                                "[step 66] sum_to (i=1, n=10, acc=0) at " + subject_ + ":27",
                                "Live run, at step 66 of 66 reached so far: paused"});
}

TEST_F(DebuggerCli, HelpListsEveryCommand) {
  const CliResult r = pwreplay({"debug", dir_.path("x"), "--batch"});
  EXPECT_EQ(r.code, 2);
  const CliResult h = pwvm({"debug", subject_, "--batch", "-ex", "help", "-ex", "help rs"});
  EXPECT_EQ(h.code, 0) << h.err;
  for (const char* c : {"run", "continue", "step", "stepi", "next", "nexti", "finish", "reverse-step", "reverse-stepi",
                        "reverse-next", "reverse-nexti", "reverse-finish", "reverse-continue", "goto STEP", "last EXPR",
                        "break [LOCATION]", "tbreak", "watch [-l] EXPR", "catch throw", "delete", "disable", "enable",
                        "backtrace", "frame", "up", "down", "print[/FMT] EXPR", "info WHAT", "list", "disassemble", "log",
                        "help", "quit"})
    EXPECT_NE(h.out.find(std::string("  ") + c), std::string::npos) << c;
  EXPECT_NE(h.out.find("reverse-step [N] (also rs)"), std::string::npos) << h.out;
}

TEST_F(DebuggerCli, ALiveSessionRunsTheRealProgramAndKeepsItsRecording) {
  const std::string trace = dir_.path("live.pwtrace");
  // The program's output appears as the live run makes it; moving back does not repeat it.
  const CliResult r = pwvm({"debug", example("hello"), "--record", trace, "--batch", "-ex", "continue", "-ex",
                            "reverse-stepi", "-ex", "goto 0", "-ex", "continue"});
  EXPECT_EQ(r.code, 0) << r.err;
  const std::string printed = pwvm({"run", example("hello")}).out;
  // Either back end shows what the program had printed by a step.
  const CliResult o = pwreplay({"debug", trace, "--at", "end", "--batch", "-ex", "info output", "-ex", "goto 0", "-ex",
                                "info output", "-ex", "info output 0"});
  EXPECT_EQ(o.code, 1);  // "info output 0" is refused
  expect_lines_in_order(o.out, {"(pwdb) info output", printed.substr(0, printed.size() - 1), "(pwdb) info output",
                                "Nothing printed by step 0."});
  EXPECT_EQ(o.err, "\"0\" is not a number of lines\n");
  ASSERT_FALSE(printed.empty());
  const std::size_t first = r.out.find(printed);
  EXPECT_NE(first, std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(printed, first + 1), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("The recording (" ), std::string::npos) << r.out;
  EXPECT_EQ(pwreplay({"verify", trace}).code, 0);

  // A session that ends half way keeps what it ran, readable and verifiable.
  const std::string part = dir_.path("part.pwtrace");
  const CliResult q = pwvm({"debug", subject_, "--record", part, "--batch", "-ex", "break risky", "-ex", "run", "-ex",
                            "reverse-continue", "-ex", "quit"});
  EXPECT_EQ(q.code, 0) << q.err;
  const CliResult v = pwreplay({"verify", part});
  EXPECT_EQ(v.code, 0) << v.out << v.err;
  const nlohmann::json info = nlohmann::json::parse(pwreplay({"info", part, "--json"}).out);
  EXPECT_EQ(info["outcome"]["steps"].get<std::uint64_t>(), 187u) << info.dump();
}

TEST_F(DebuggerCli, ALiveProgramReadsItsInputOnceAndReplaysAnswerFromTheRecording) {
  const std::string echo = dir_.path("echo.pwa");
  pwtest::write_text_file(echo, "func main()\n  host read_line\n  host print\n  pop\n  host read_line\n  host print\n"
                                "  pop\n  push 0\n  halt\nend\n");
  const CliResult r = pwvm({"debug", echo, "--allow", "io", "--batch", "-ex", "break 5", "-ex", "run", "-ex",
                            "reverse-stepi 2", "-ex", "continue", "-ex", "goto 0", "-ex", "continue", "-ex", "continue",
                            "-ex", "info output"},
                           "abc\ndef\n");
  EXPECT_EQ(r.code, 0) << r.err;
  // Each line is read and printed by the live run once; the replays between do neither.
  const auto count = [&](const std::string& line) {
    std::size_t n = 0;
    for (std::size_t at = r.out.find("\n" + line + "\n"); at != std::string::npos; at = r.out.find("\n" + line + "\n", at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("abc"), 2u) << r.out;  // printed by the live run, then shown by info output
  EXPECT_EQ(count("def"), 2u) << r.out;
  expect_lines_in_order(r.out, {"(pwdb) run", "abc", "Breakpoint 1, " + echo + ":5", "(pwdb) continue",
                                "Breakpoint 1, " + echo + ":5", "(pwdb) continue", "Breakpoint 1, " + echo + ":5",
                                "(pwdb) continue", "def", "The run halted with 0", "(pwdb) info output", "abc", "def"});
}

// Starts [argv] with [input] on stdin and the output in files; Ctrl-C after [delay].
int run_and_interrupt(const std::vector<std::string>& argv, const std::string& input, const pwtest::ScratchDir& dir,
                      std::chrono::milliseconds delay, std::string& out) {
  const std::string in = dir.path("int_in.txt"), out_path = dir.path("int_out.txt"), err_path = dir.path("int_err.txt");
  pwtest::write_text_file(in, input);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) return -1;
  posix_spawn_file_actions_destroy(&actions);
  std::this_thread::sleep_for(delay);
  ::kill(pid, SIGINT);
  int status = 0;
  // The session must go on after the interrupt and end by itself; kill it if it hangs.
  for (int i = 0; i < 200 && ::waitpid(pid, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -2;
  }
  out = pwtest::read_text_file(out_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_F(DebuggerCli, CtrlCInterruptsALongContinueAndTheSessionGoesOn) {
  const std::string forever = dir_.path("forever.pwa");
  pwtest::write_text_file(forever, "global n = 0\nfunc main()\nloop:\n  get_global n\n  add_imm 1\n  set_global n\n  jump loop\nend\n");
  std::string out;
  const int code = run_and_interrupt({PWVM_BINARY, "debug", forever}, "continue\nprint n > 0\nreverse-stepi\ninfo program\nquit\n",
                                     dir_, std::chrono::milliseconds(700), out);
  EXPECT_EQ(code, 0) << out;
  expect_lines_in_order(out, {"(pwdb) continue", "Interrupted", "(pwdb) print n > 0", "n > 0 = true",
                              "(pwdb) reverse-stepi", "Step done", "(pwdb) info program"});
}

}  // namespace

namespace {

TEST_F(DebuggerCli, RunStopsAtOnceOnABreakpointWhereItStarts) {
  // gdb's `tbreak main; run`: the session sits on main's first instruction already.
  const auto [live, replay] = both(example("inventory"), "tbreak main\nrun\ninfo breakpoints\nbreak main\nnext\nrun\n");
  for (const CliResult* r : {&live, &replay}) {
    EXPECT_EQ(r->code, 0) << r->err;
    expect_lines_in_order(r->out, {"Temporary breakpoint 1: function main", "Temporary breakpoint 1, function main",
                                   "[step 0] main () at " + example("inventory") + ":488",
                                   "No breakpoints, watchpoints or catchpoints.", "Breakpoint 2, function main",
                                   "[step 0] main () at " + example("inventory") + ":488"});
  }
}

}  // namespace

namespace {

TEST_F(DebuggerCli, AnEmptyLineGoesOnListingAndListDashGoesBack) {
  const std::string trace = dir_.path("inventory.pwtrace");
  const CliResult rec = pwvm({"run", example("inventory"), "--record", trace});
  ASSERT_EQ(rec.code, 1) << rec.err;
  // Commands from a pipe: an empty line repeats the last command, as at the prompt.
  const CliResult r = pwreplay({"debug", trace}, "list\n\nlist -\n\nlist -\n");
  EXPECT_EQ(r.code, 0) << r.err;
  std::vector<int> firsts;  // the first line number of each listing
  bool in_listing = false;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const bool numbered = !line.empty() && std::isdigit(static_cast<unsigned char>(line[0])) && line.find('\t') != std::string::npos;
    if (numbered && !in_listing) firsts.push_back(std::stoi(line));
    in_listing = numbered;
  }
  // Step 0 is at line 488: 483-492, then 493-502; then, as gdb does, the lines just before
  // the ones shown last: 483-492, 473-482, 463-472.
  ASSERT_GE(firsts.size(), 5u) << r.out;
  EXPECT_EQ(std::vector<int>(firsts.end() - 5, firsts.end()), (std::vector<int>{483, 493, 483, 473, 463})) << r.out;
}

}  // namespace
