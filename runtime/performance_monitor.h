// The performance monitor: an observer of the interpreter, like the recorder, that counts
// (instructions by kind, calls, allocations, collections...), times named phases with a
// monotonic clock, takes a sample every N steps, and analyses the run: instructions per
// second, heap growth, GC efficiency and the trend of each counter. `pwvm run --profile`
// prints its analysis; a run without it never instantiates the monitor's interpreter.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "opcodes.h"
#include "vm.h"

namespace pw {

// Named timers over real elapsed time. start() remembers a time point (not a duration);
// stop() adds the time since to the timer's total, so a timer may run many times.
class Timers {
 public:
  using Clock = std::chrono::steady_clock;
  void start(const std::string& name);
  void stop(const std::string& name);  // a timer not started is left as it is
  struct Timer {
    std::uint64_t total_ns = 0;
    std::uint64_t runs = 0;
    std::optional<Clock::time_point> started;
  };
  const std::map<std::string, Timer>& all() const { return timers_; }
  double seconds(const std::string& name) const;

 private:
  std::map<std::string, Timer> timers_;
};

// The monitor's counters, in a fixed order (samples keep them all).
enum class Counter : std::uint8_t {
  Instructions, Calls, TailCalls, Returns, Allocations, AllocatedBytes, Collections, Throws, Catches, HostCalls,
};
inline constexpr std::size_t kCounterCount = 10;
std::string_view counter_name(Counter c);

struct MonitorSample {
  std::uint64_t step = 0;
  std::uint64_t live_objects = 0;
  std::uint64_t live_bytes = 0;
  std::uint32_t depth = 0;
  std::uint64_t elapsed_ns = 0;  // since the run started
  std::array<std::uint64_t, kCounterCount> counters{};
};

struct CounterTrend {
  Counter counter;
  std::uint64_t total = 0;
  double first_half_per_mstep = 0;   // per million steps, over the first half of the samples
  double second_half_per_mstep = 0;  // and the second
  std::string trend;                 // "rising", "falling", "steady" or "n/a"
};

struct MonitorAnalysis {
  std::uint64_t steps = 0;
  std::size_t samples = 0;  // the samples taken, and the position now if the run paused between them
  double run_seconds = 0;
  double instructions_per_second = 0;
  // Live heap bytes gained per million steps and per second (least squares over the
  // samples), and its first and last value.
  double heap_growth_bytes_per_mstep = 0;
  double heap_growth_bytes_per_second = 0;
  std::uint64_t live_bytes_first = 0;
  std::uint64_t live_bytes_last = 0;
  std::uint64_t peak_live_bytes = 0;
  // Bytes freed per millisecond of collection pause (0 when nothing was collected).
  double gc_bytes_freed_per_ms = 0;
  std::uint64_t gc_collections = 0;
  std::uint64_t gc_bytes_freed = 0;
  double gc_pause_ms = 0;
  std::vector<CounterTrend> trends;
  std::vector<std::pair<Op, std::uint64_t>> by_kind;  // executions by opcode, most first
};

class PerformanceMonitor {
 public:
  // Samples every [sample_interval] steps (and at the start and the end of the run).
  PerformanceMonitor(VmState& vm, std::uint64_t sample_interval);
  ~PerformanceMonitor();
  PerformanceMonitor(const PerformanceMonitor&) = delete;
  PerformanceMonitor& operator=(const PerformanceMonitor&) = delete;

  // Runs [vm] for at most [max_steps] instructions (timer "run"), sampling as it goes.
  RunStatus run(std::uint64_t max_steps);

  Timers& timers() { return timers_; }
  // Taken at step 0, every interval, and where the run ended (not where it paused).
  const std::vector<MonitorSample>& samples() const { return samples_; }
  std::uint64_t counter(Counter c) const;
  // Executions of each opcode so far.
  const std::array<std::uint64_t, kOpCount>& by_kind() const { return by_kind_; }
  MonitorAnalysis analyze() const;

 private:
  struct Observer;
  void take_sample();
  MonitorSample current_sample() const;
  void fold_profile();  // block counts -> by_kind_

  VmState& vm_;
  std::uint64_t interval_;
  std::unique_ptr<Observer> obs_;
  Timers timers_;
  std::vector<MonitorSample> samples_;
  std::array<std::uint64_t, kOpCount> by_kind_{};
  Timers::Clock::time_point started_;
  GcStats heap_at_start_;
};

// The analysis as text for people (what `pwvm run --profile` prints).
std::string format_analysis(const MonitorAnalysis& a, const Timers& timers, std::uint64_t sample_interval);

}  // namespace pw
