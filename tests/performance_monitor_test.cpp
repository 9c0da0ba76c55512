// The performance monitor: its counts are exact (checked against an observer that sees
// every instruction), its samples fall every N steps however the run is cut, its timers
// measure elapsed time, and its analysis says what the run did (growth, GC, trends).
#include <gtest/gtest.h>

#include <thread>

#include "cli_util.h"
#include "interpreter_impl.h"
#include "performance_monitor.h"
#include "trace_test_util.h"

namespace {

using pw::Counter;

// Sees every instruction before it runs: the exact counts the monitor must match.
struct ExactCounter : pw::ObserverBase {
  std::array<std::uint64_t, pw::kOpCount> by_kind{};
  std::uint64_t calls = 0, tail_calls = 0, returns = 0, throws = 0, catches = 0, hosts = 0;
  bool on_step(pw::VmState& vm) {
    ++by_kind[static_cast<std::size_t>(vm.top().ip->op)];
    return false;
  }
  void on_call(pw::VmState&, std::uint64_t, std::uint32_t) { ++calls; }
  void on_tail_call(pw::VmState&, std::uint64_t, std::uint32_t) { ++tail_calls; }
  void on_return(pw::VmState&, std::uint64_t, const pw::Value&) { ++returns; }
  void on_throw(pw::VmState&, const pw::Value&) { ++throws; }
  void on_catch(pw::VmState&, const pw::Value&) { ++catches; }
  void on_host(pw::VmState&, pw::HostFn, const pw::Value&) { ++hosts; }
};

TEST(PerformanceMonitor, CountsEveryInstructionByKindExactlyOnEverySubject) {
  for (const pwtest::Subject& s : pwtest::subjects()) {
    SCOPED_TRACE(s.name);
    const auto cap = pwtest::step_cap();
    pwtest::Machine exact_run(s.program, s.config);
    pwtest::feed(exact_run.host);
    ExactCounter exact;
    pw::run_with(exact_run.vm, exact, cap ? *cap : pw::kRunForever);

    pwtest::Machine monitored(s.program, s.config);
    pwtest::feed(monitored.host);
    const std::uint64_t constants = monitored.vm.heap.stats().objects_allocated;  // made before the run
    pw::PerformanceMonitor m(monitored.vm, 977);  // samples that cut straight-line runs
    m.run(cap ? *cap : pw::kRunForever);
    EXPECT_EQ(monitored.dump(), exact_run.dump());  // watching changes nothing
    std::uint64_t total = 0;
    for (std::size_t op = 0; op < pw::kOpCount; ++op) {
      // A failing instruction is counted as executed by both (it began).
      EXPECT_EQ(m.by_kind()[op], exact.by_kind[op]) << pw::op_info(static_cast<pw::Op>(op)).mnemonic;
      total += m.by_kind()[op];
    }
    EXPECT_EQ(total, m.counter(Counter::Instructions));
    EXPECT_EQ(m.analyze().steps, total);
    EXPECT_EQ(m.counter(Counter::Calls), exact.calls);
    EXPECT_EQ(m.counter(Counter::TailCalls), exact.tail_calls);
    EXPECT_EQ(m.counter(Counter::Returns), exact.returns);
    EXPECT_EQ(m.counter(Counter::Throws), exact.throws);
    EXPECT_EQ(m.counter(Counter::Catches), exact.catches);
    EXPECT_EQ(m.counter(Counter::HostCalls), exact.hosts);
    EXPECT_EQ(m.counter(Counter::Allocations), monitored.vm.heap.stats().objects_allocated - constants);
    EXPECT_EQ(m.counter(Counter::Collections), monitored.vm.heap.stats().collections);
  }
}

TEST(PerformanceMonitor, CallsOfRecursiveFibAreExactlyTwiceFibPlusOneMinusOne) {
  pwtest::Machine machine(pwtest::kRecursiveFib15);
  pw::PerformanceMonitor m(machine.vm, 1000);
  EXPECT_EQ(m.run(pw::kRunForever), pw::RunStatus::Halted);
  EXPECT_EQ(machine.result(), "610");
  EXPECT_EQ(m.counter(Counter::Calls), 2u * 987u - 1u);  // 2 fib(16) - 1
  EXPECT_EQ(m.by_kind()[static_cast<std::size_t>(pw::Op::CALL_FN)], 2u * 987u - 1u);
}

TEST(PerformanceMonitor, SamplesFallEveryIntervalHoweverTheRunIsCut) {
  pwtest::Machine whole(pwtest::kRecursiveFib15), pieces(pwtest::kRecursiveFib15);
  pw::PerformanceMonitor a(whole.vm, 500), b(pieces.vm, 500);
  a.run(pw::kRunForever);
  b.run(123);
  b.run(1000);
  b.run(pw::kRunForever);
  const std::uint64_t steps = a.counter(Counter::Instructions);
  ASSERT_EQ(a.samples().size(), b.samples().size());
  EXPECT_EQ(a.samples().size(), steps / 500 + (steps % 500 ? 2 : 1));  // at 0, every 500, the end
  for (std::size_t i = 0; i < a.samples().size(); ++i) {
    EXPECT_EQ(a.samples()[i].step, b.samples()[i].step);
    EXPECT_EQ(a.samples()[i].counters, b.samples()[i].counters);
    if (i + 1 < a.samples().size()) {
      EXPECT_EQ(a.samples()[i].step, i * 500);
    }
  }
  EXPECT_EQ(a.samples().back().step, steps);
  EXPECT_EQ(a.by_kind(), b.by_kind());
}

TEST(PerformanceMonitor, TimersMeasureElapsedTimeAcrossRuns) {
  pw::Timers t;
  t.stop("never started");  // no effect
  EXPECT_EQ(t.all().size(), 0u);
  t.start("nap");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  t.stop("nap");
  t.start("nap");
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  t.stop("nap");
  t.stop("nap");  // stopped already: no effect
  EXPECT_GE(t.seconds("nap"), 0.030);
  EXPECT_LT(t.seconds("nap"), 5.0);
  EXPECT_EQ(t.all().at("nap").runs, 2u);
  EXPECT_EQ(t.seconds("unknown"), 0.0);
}

// A cache that only grows (a global list, consed onto every iteration), with garbage beside
// it, and calls only in the second half of the run.
constexpr const char* kGrowing = R"(global cache
func noop(x)
  get_local x
  return
end
func main()
  local i
  push 0
  set_local i
grow:
  push "junk"
  push "more"
  str_concat
  pop
  get_local i
  get_global cache
  cons
  set_global cache
  inc_local i 1
  get_local i
  lt_imm 20000
  jump_if_true grow
  push 0
  set_local i
calls:
  get_local i
  call_fn noop
  pop
  inc_local i 1
  get_local i
  lt_imm 20000
  jump_if_true calls
  push 0
  halt
end
)";

TEST(PerformanceMonitor, AnalysisSaysTheHeapGrowsTheCollectorFreesAndCallsRise) {
  pw::VmConfig config = pwtest::default_config();
  config.gc.min_threshold = 64 * 1024;  // collect often
  pwtest::Machine machine(kGrowing, config);
  pw::PerformanceMonitor m(machine.vm, 5000);
  ASSERT_EQ(m.run(pw::kRunForever), pw::RunStatus::Halted) << machine.outcome();
  const pw::MonitorAnalysis a = m.analyze();
  EXPECT_GT(a.heap_growth_bytes_per_mstep, 0);
  EXPECT_GT(a.live_bytes_last, a.live_bytes_first + 20000 * 32);
  EXPECT_GT(a.gc_collections, 0u);
  if (!pwtest::slow_mode()) {
    EXPECT_GT(a.gc_bytes_freed_per_ms, 0);  // pauses are measured
  }
  EXPECT_GT(a.instructions_per_second, 0);
  for (const pw::CounterTrend& t : a.trends) {
    if (t.counter == Counter::Calls) {
      EXPECT_EQ(t.trend, "rising");
      EXPECT_EQ(t.first_half_per_mstep, 0);
      EXPECT_EQ(t.total, 20000u);
    }
    if (t.counter == Counter::Instructions) {
      EXPECT_EQ(t.trend, "steady");
    }
  }
  EXPECT_EQ(a.samples, m.samples().size());
  const std::string text = pw::format_analysis(a, m.timers(), 5000);
  EXPECT_NE(text.find("heap growth:       +"), std::string::npos) << text;
  EXPECT_NE(text.find("rising"), std::string::npos) << text;
}

class ProfileCli : public ::testing::Test {
 protected:
  ProfileCli() : dir_("profilecli") {}
  pwtest::CliResult pwvm(const std::vector<std::string>& args) {
    return pwtest::run_binary(PWVM_BINARY, args, "", dir_.dir(), false);
  }
  pwtest::ScratchDir dir_;
};

TEST_F(ProfileCli, ProfilePrintsTheAnalysisAndChangesNothingElse) {
  const std::string fib = std::string(EXAMPLES_DIR) + "/fibonacci.pwa";
  const pwtest::CliResult plain = pwvm({"run", fib, "--stop-at", "50000", "--dump-state", "-"});
  const pwtest::CliResult profiled =
      pwvm({"run", fib, "--stop-at", "50000", "--dump-state", "-", "--profile", "--sample-interval", "10000"});
  EXPECT_EQ(profiled.code, plain.code);
  EXPECT_EQ(profiled.out, plain.out);  // the same state
  for (const char* line : {"profile:", "  instructions:      50000 in ", "  samples:           6 (every 10000 steps",
                           "  heap growth:", "  gc efficiency:", "    calls    ", "  instructions by kind:",
                           "    get_local "})
    EXPECT_NE(profiled.err.find(line), std::string::npos) << line << "\n" << profiled.err;
}

TEST_F(ProfileCli, BadProfileFlagsGetOneLineAndExitCode2) {
  const std::string fib = std::string(EXAMPLES_DIR) + "/fibonacci.pwa";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"run", fib, "--profile", "--sample-interval", "0"},
           {"run", fib, "--sample-interval", "100"},
           {"run", fib, "--profile", "--record", dir_.path("t.pwtrace")}}) {
    const pwtest::CliResult r = pwvm(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(pwtest::count_lines(r.err), 1u) << r.err;
  }
}

}  // namespace
