// The performance monitor: its observer, the sampling driver and the analysis.
#include "performance_monitor.h"

#include <algorithm>

#include <fmt/format.h>

#include "block_counter.h"
#include "heap.h"
#include "interpreter_impl.h"

namespace pw {
namespace {

constexpr std::array<std::string_view, kCounterCount> kCounterNames = {
    "instructions", "calls", "tail calls", "returns", "allocations", "allocated bytes",
    "collections",  "throws", "catches",   "host calls"};

std::size_t index(Counter c) { return static_cast<std::size_t>(c); }

// Least-squares slope of y over x; 0 with fewer than two distinct x.
double slope(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  if (x.size() < 2) return 0;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  const double d = n * sxx - sx * sx;
  return d == 0 ? 0 : (n * sxy - sx * sy) / d;
}

}  // namespace

std::string_view counter_name(Counter c) { return kCounterNames[index(c)]; }

void Timers::start(const std::string& name) { timers_[name].started = Clock::now(); }

void Timers::stop(const std::string& name) {
  auto it = timers_.find(name);
  if (it == timers_.end() || !it->second.started) return;
  it->second.total_ns += static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - *it->second.started).count());
  ++it->second.runs;
  it->second.started.reset();
}

double Timers::seconds(const std::string& name) const {
  const auto it = timers_.find(name);
  return it == timers_.end() ? 0.0 : static_cast<double>(it->second.total_ns) / 1e9;
}

// Counts what the heap's statistics do not: instructions (by block), calls, returns,
// throws, catches and host calls. No step hook: it never pauses the run by itself.
struct PerformanceMonitor::Observer : ObserverBase {
  static constexpr bool kStepHook = false;
  static constexpr bool kCountsBlocks = true;
  explicit Observer(const VmState& vm) : blocks(vm) {}
  void count_block(const Instr* ip) { blocks.count_block(ip); }
  void on_call(VmState&, std::uint64_t, std::uint32_t) { ++counts[index(Counter::Calls)]; }
  void on_tail_call(VmState&, std::uint64_t, std::uint32_t) { ++counts[index(Counter::TailCalls)]; }
  void on_return(VmState&, std::uint64_t, const Value&) { ++counts[index(Counter::Returns)]; }
  void on_throw(VmState&, const Value&) { ++counts[index(Counter::Throws)]; }
  void on_catch(VmState&, const Value&) { ++counts[index(Counter::Catches)]; }
  void on_host(VmState&, HostFn, const Value&) { ++counts[index(Counter::HostCalls)]; }
  BlockCounter blocks;
  std::array<std::uint64_t, kCounterCount> counts{};
};

PerformanceMonitor::PerformanceMonitor(VmState& vm, std::uint64_t sample_interval)
    : vm_(vm), interval_(sample_interval ? sample_interval : 1), obs_(std::make_unique<Observer>(vm)),
      heap_at_start_(vm.heap.stats()) {}

PerformanceMonitor::~PerformanceMonitor() = default;

std::uint64_t PerformanceMonitor::counter(Counter c) const {
  const GcStats& g = vm_.heap.stats();
  switch (c) {
    case Counter::Instructions: return executed_steps(vm_);  // as the profile counts them
    // What the heap did while monitored (the program's constants were allocated before).
    case Counter::Allocations: return g.objects_allocated - heap_at_start_.objects_allocated;
    case Counter::AllocatedBytes: return g.bytes_allocated - heap_at_start_.bytes_allocated;
    case Counter::Collections: return g.collections - heap_at_start_.collections;
    default: return obs_->counts[index(c)];
  }
}

void PerformanceMonitor::take_sample() {
  timers_.start("sampling");
  samples_.push_back(current_sample());
  timers_.stop("sampling");
}

MonitorSample PerformanceMonitor::current_sample() const {
  MonitorSample s;
  s.step = vm_.step;
  s.live_objects = vm_.heap.stats().live_objects;
  s.live_bytes = vm_.heap.stats().live_bytes;
  s.depth = vm_.depth;
  s.elapsed_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Timers::Clock::now() - started_).count());
  for (std::size_t i = 0; i < kCounterCount; ++i) s.counters[i] = counter(static_cast<Counter>(i));
  return s;
}

void PerformanceMonitor::fold_profile() {
  for (const auto& [flat, n] : obs_->blocks.take_profile()) by_kind_[static_cast<std::size_t>(vm_.code[flat].op)] += n;
}

RunStatus PerformanceMonitor::run(std::uint64_t max_steps) {
  if (samples_.empty()) {
    started_ = Timers::Clock::now();
    take_sample();
  }
  timers_.start("run");
  RunStatus status = vm_.status;
  std::uint64_t left = max_steps;
  while (left > 0) {
    // Samples fall on multiples of the interval, whatever the pieces the run comes in.
    const std::uint64_t slice = std::min(left, interval_ - vm_.step % interval_);
    const std::uint64_t from = vm_.step;
    status = run_with(vm_, *obs_, slice);
    left -= std::min(left, vm_.step - from);
    if (status != RunStatus::Paused) break;
    obs_->blocks.stopped_inside_block(vm_, /*started=*/false);
    if (vm_.step % interval_ == 0) take_sample();
    if (vm_.step == from) break;  // nothing ran: the budget is spent
  }
  if (status == RunStatus::Failed) {
    obs_->blocks.stopped_inside_block(vm_, failed_in_instruction(vm_));
  }
  timers_.stop("run");
  fold_profile();
  // The end of the run is a sample; a pause is not (the run may go on in more pieces).
  if (status != RunStatus::Paused) take_sample();
  return status;
}

MonitorAnalysis PerformanceMonitor::analyze() const {
  MonitorAnalysis a;
  a.steps = counter(Counter::Instructions);
  a.run_seconds = timers_.seconds("run");
  a.instructions_per_second = a.run_seconds > 0 ? static_cast<double>(a.steps) / a.run_seconds : 0;
  const GcStats& g = vm_.heap.stats();
  a.gc_collections = g.collections;
  a.gc_bytes_freed = g.bytes_freed;
  a.gc_pause_ms = static_cast<double>(g.total_pause_ns) / 1e6;
  a.gc_bytes_freed_per_ms = a.gc_pause_ms > 0 ? static_cast<double>(g.bytes_freed) / a.gc_pause_ms : 0;
  a.peak_live_bytes = g.peak_live_bytes;
  // The samples, and where the run is now when it paused between them.
  std::vector<MonitorSample> samples = samples_;
  if (samples.empty() || samples.back().step != vm_.step) samples.push_back(current_sample());
  a.samples = samples.size();
  {
    a.live_bytes_first = samples.front().live_bytes;
    a.live_bytes_last = samples.back().live_bytes;
    std::vector<double> steps, seconds, bytes;
    for (const MonitorSample& s : samples) {
      steps.push_back(static_cast<double>(s.step));
      seconds.push_back(static_cast<double>(s.elapsed_ns) / 1e9);
      bytes.push_back(static_cast<double>(s.live_bytes));
    }
    a.heap_growth_bytes_per_mstep = slope(steps, bytes) * 1e6;
    a.heap_growth_bytes_per_second = slope(seconds, bytes);
  }
  // A counter's trend: its rate per step over the first half of the samples against the
  // second half.
  const std::size_t n = samples.size();
  for (std::size_t c = 0; c < kCounterCount; ++c) {
    CounterTrend t;
    t.counter = static_cast<Counter>(c);
    t.total = n ? samples.back().counters[c] : 0;
    t.trend = "n/a";
    if (n >= 3) {
      const MonitorSample& first = samples.front();
      const MonitorSample& mid = samples[n / 2];
      const MonitorSample& last = samples.back();
      const auto rate = [&](const MonitorSample& x, const MonitorSample& y) {
        return y.step > x.step ? static_cast<double>(y.counters[c] - x.counters[c]) * 1e6 / static_cast<double>(y.step - x.step)
                               : 0.0;
      };
      t.first_half_per_mstep = rate(first, mid);
      t.second_half_per_mstep = rate(mid, last);
      const double r1 = t.first_half_per_mstep, r2 = t.second_half_per_mstep;
      if (r2 > r1 * 1.1 + 1e-9) t.trend = "rising";
      else if (r2 < r1 * 0.9 - 1e-9) t.trend = "falling";
      else t.trend = "steady";
    }
    a.trends.push_back(t);
  }
  for (std::size_t op = 0; op < kOpCount; ++op)
    if (by_kind_[op]) a.by_kind.emplace_back(static_cast<Op>(op), by_kind_[op]);
  std::stable_sort(a.by_kind.begin(), a.by_kind.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  return a;
}

std::string format_analysis(const MonitorAnalysis& a, const Timers& timers, std::uint64_t sample_interval) {
  std::string out = "profile:\n";
  out += fmt::format("  instructions:      {} in {:.3f} s ({:.1f} M instructions/s)\n", a.steps, a.run_seconds,
                     a.instructions_per_second / 1e6);
  std::string list;
  for (const auto& [name, t] : timers.all())
    list += fmt::format("{}{} {:.3f} ms", list.empty() ? "" : ", ", name, static_cast<double>(t.total_ns) / 1e6);
  out += fmt::format("  timers:            {}\n", list);
  out += fmt::format("  samples:           {} (every {} steps, and at the start and the end)\n", a.samples, sample_interval);
  out += fmt::format("  heap growth:       {:+.1f} bytes per M steps, {:+.1f} bytes/s (live {} -> {} bytes, peak {})\n",
                     a.heap_growth_bytes_per_mstep, a.heap_growth_bytes_per_second, a.live_bytes_first,
                     a.live_bytes_last, a.peak_live_bytes);
  if (a.gc_collections == 0) {
    out += "  gc efficiency:     no collection ran\n";
  } else {
    out += fmt::format("  gc efficiency:     {:.1f} KB freed per ms of pause ({} collections, {} bytes freed, {:.3f} ms pause)\n",
                       a.gc_bytes_freed_per_ms / 1024, a.gc_collections, a.gc_bytes_freed, a.gc_pause_ms);
  }
  out += "  counters:          total / per M steps in the first half, second half of the run / trend\n";
  for (const CounterTrend& t : a.trends)
    out += fmt::format("    {:<16} {:>14} {:>14.1f} {:>14.1f}  {}\n", counter_name(t.counter), t.total,
                       t.first_half_per_mstep, t.second_half_per_mstep, t.trend);
  out += "  instructions by kind:\n";
  for (const auto& [op, count] : a.by_kind)
    out += fmt::format("    {:<16} {:>14} {:>6.2f}%\n", op_info(op).mnemonic, count,
                       a.steps ? 100.0 * static_cast<double>(count) / static_cast<double>(a.steps) : 0.0);
  return out;
}

}  // namespace pw
