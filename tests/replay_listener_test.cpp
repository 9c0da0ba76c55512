// A listener to a re-execution sees what the live run did: the same instructions, by kind
// and count, the same calls, returns, allocations and exceptions, however the replay is cut.
#include <gtest/gtest.h>

#include "performance_monitor.h"
#include "replay_test_util.h"
#include "timeline.h"

namespace {

struct Tally : pw::replay::ReplayListener {
  explicit Tally(const pw::VmState& vm) : counter(vm) { blocks = &counter; }
  void on_call(const pw::VmState&, std::uint64_t, std::uint32_t) override { ++calls; }
  void on_tail_call(const pw::VmState&, std::uint64_t, std::uint32_t) override { ++tail_calls; }
  void on_return(const pw::VmState&, std::uint64_t) override { ++returns; }
  void on_alloc(const pw::VmState&, const pw::Object*) override { ++allocs; }
  void on_throw(const pw::VmState&) override { ++throws; }
  void on_catch(const pw::VmState&) override { ++catches; }
  // Executions by opcode of what was counted so far.
  std::array<std::uint64_t, pw::kOpCount> by_kind(const pw::VmState& vm) {
    for (const auto& [flat, n] : counter.take_profile()) kinds[static_cast<std::size_t>(vm.code[flat].op)] += n;
    return kinds;
  }
  pw::BlockCounter counter;
  std::array<std::uint64_t, pw::kOpCount> kinds{};
  std::uint64_t calls = 0, tail_calls = 0, returns = 0, allocs = 0, throws = 0, catches = 0;
};

TEST(ReplayListener, SeesWhatTheLiveMonitorSawOnEverySubject) {
  for (const pwtest::Subject& s : pwtest::subjects()) {
    SCOPED_TRACE(s.name);
    pwtest::ScratchDir dir("listener");
    const std::string path = dir.path("t.pwtrace");
    pwtest::record_in_pieces(s, path);
    const pwtest::MonitoredRun live(s);
    const pw::PerformanceMonitor& monitor = live.monitor;

    pw::replay::Timeline t(path);
    Tally tally(t.state());
    // In three pieces, with seeks (no listener) in between that must not disturb the counts.
    const std::uint64_t end = t.end();
    t.run_forward(end / 3, nullptr, tally);
    t.seek(end / 2);
    t.seek(end / 3);
    t.run_forward(2 * end / 3, nullptr, tally);
    t.run_forward(end, nullptr, tally);
    ASSERT_EQ(t.position(), end);

    EXPECT_EQ(tally.by_kind(t.state()), monitor.by_kind());
    EXPECT_EQ(tally.calls, monitor.counter(pw::Counter::Calls));
    EXPECT_EQ(tally.tail_calls, monitor.counter(pw::Counter::TailCalls));
    EXPECT_EQ(tally.returns, monitor.counter(pw::Counter::Returns));
    EXPECT_EQ(tally.throws, monitor.counter(pw::Counter::Throws));
    EXPECT_EQ(tally.catches, monitor.counter(pw::Counter::Catches));
    std::uint64_t total = 0;
    for (std::uint64_t n : tally.kinds) total += n;
    EXPECT_EQ(total, end);
  }
}

}  // namespace
