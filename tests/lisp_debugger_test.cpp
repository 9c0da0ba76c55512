// The debugger on a compiled .pwl program, in both back ends: source lines and columns,
// source names of procedures and variables, only the variables in scope, stepping that
// passes through the prelude, and the failed-run hunt of the inventory story.
#include <gtest/gtest.h>

#include "debugger_cli_fixture.h"

namespace {

using pwdebugtest::DebuggerCli;
using pwdebugtest::expect_lines_in_order;
using pwdebugtest::without_back_end_lines;

constexpr const char* kLispSubject = R"(; the source-level debugger tests' subject
(define (make-counter)
  (let ((n 0))
    (lambda ()
      (set! n (+ n 1))
      n)))

(define (sum-list l)
  (let loop ((rest l) (acc 0))
    (if (null? rest)
        acc
        (loop (cdr rest) (+ acc (car rest))))))

(define (square x)
  (* x x))

(define counter (make-counter))
(counter)
(define total (sum-list (map square '(1 2 3))))
(counter)
)";

class LispDebugger : public DebuggerCli {
 protected:
  LispDebugger() {
    lisp_ = dir_.path("subject.pwl");
    pwtest::write_text_file(lisp_, kLispSubject);
  }
  std::string lisp_;
};

TEST_F(LispDebugger, BothBackEndsSpeakTheSource) {
  const std::string script = R"(break sum-list
run
backtrace
info args
next
next
info locals
print acc + 100
print rest
list 9
delete
break subject.pwl:6
continue
info locals
print n
backtrace
)";
  auto [live, replay] = both(lisp_, script);
  ASSERT_EQ(live.code, 0) << live.out << live.err;
  ASSERT_EQ(replay.code, 0) << replay.out << replay.err;
  EXPECT_EQ(without_back_end_lines(local(live.out)), without_back_end_lines(local(replay.out)));
  const std::string out = local(replay.out);
  EXPECT_NE(out.find("Breakpoint 1: function sum-list"), std::string::npos) << out;
  EXPECT_NE(out.find("#0  sum-list (l=(1 4 9) #"), std::string::npos) << out;
  EXPECT_NE(out.find(" #1  (top level) () at subject.pwl:19:15"), std::string::npos) << out;
  // The loop's variables, not the assembly's locals; a let's variable only in its body.
  expect_lines_in_order(out, {"(pwdb) info locals", "rest = (1 4 9) #280", "acc = 0"});
  EXPECT_NE(out.find("acc + 100 = 100"), std::string::npos) << out;
  EXPECT_EQ(out.find("l.2"), std::string::npos) << out;  // no assembly names
  EXPECT_EQ(out.find("%t"), std::string::npos) << out;
  expect_lines_in_order(out, {"9\t  (let loop ((rest l) (acc 0))", "10\t    (if (null? rest)"});
  // In the closure, at its second call: the captured counter, shared with make-counter's
  // let through a box, shows its value.
  expect_lines_in_order(out,
                        {"Breakpoint 2: subject.pwl:6", "(pwdb) info locals", "n = 2 (captured)", "n = 2",
                         "*#0  lambda@subject.pwl:4 () at subject.pwl:6:7", " #1  (top level) () at subject.pwl:20:1"});
}

TEST_F(LispDebugger, StepPassesThroughThePreludeIntoTheProgramsOwnProcedures) {
  const std::string script = R"(break subject.pwl:19
run
step
backtrace
step
step
step
reverse-step
)";
  auto [live, replay] = both(lisp_, script);
  ASSERT_EQ(replay.code, 0) << replay.out << replay.err;
  EXPECT_EQ(without_back_end_lines(local(live.out)), without_back_end_lines(local(replay.out)));
  const std::string out = local(replay.out);
  // map is the prelude's: step goes from line 19 straight into square, called by it.
  expect_lines_in_order(
      out, {"(pwdb) step", "Entered square", "[step 54] square (x=1) at subject.pwl:15:6", "15\t  (* x x))",
            "(pwdb) backtrace", "*#0  square (x=1) at subject.pwl:15:6",
            " #1  %map1 (f=<function square>, l=(1 2 3) #272)", " #2  (top level) () at subject.pwl:19:25",
            "(pwdb) step", "Left square", "Entered square", "[step 72] square (x=2) at subject.pwl:15:6"});
  // Backwards too: from sum-list's first line back into the last square.
  expect_lines_in_order(
      out, {"Entered sum-list", "(pwdb) reverse-step", "Step done", "[step 90] square (x=3) at subject.pwl:15:6"});
}

TEST_F(LispDebugger, TheInventoryHuntLandsOnTheStore) {
  const std::string program = std::string(EXAMPLES_DIR) + "/inventory.pwl";
  const std::string trace = dir_.path("inventory.pwtrace");
  const auto run = pwvm({"run", program, "--record-on-failure", trace});
  ASSERT_EQ(run.code, 1) << run.err;
  EXPECT_NE(run.err.find("at purchase-cost (" + program + ":94:16)"), std::string::npos) << run.err;
  const auto hunt = pwreplay({"debug", trace, "--at", "end", "--batch", "-ex", "print qty", "-ex",
                              "last reorder-qty[6]", "-ex", "backtrace", "-ex", "info locals"});
  ASSERT_EQ(hunt.code, 0) << hunt.err;
  EXPECT_NE(hunt.out.find("qty = #f\n"), std::string::npos) << hunt.out;
  EXPECT_NE(hunt.out.find("Last write to reorder-qty[6] before step "), std::string::npos) << hunt.out;
  EXPECT_NE(hunt.out.find("#0  load-supplier-sheet (sheet="), std::string::npos) << hunt.out;
  EXPECT_NE(hunt.out.find("inventory.pwl:71:5"), std::string::npos) << hunt.out;
  EXPECT_NE(hunt.out.find("\ni = 6\n"), std::string::npos) << hunt.out;
}

}  // namespace
