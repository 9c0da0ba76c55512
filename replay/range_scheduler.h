// RangeScheduler: shares the intervals of a run (cut at its snapshots) among the workers
// that replay them at once, as contiguous ranges, so that a worker goes on from one interval
// to the next without restoring a snapshot.
//
// Starting a range costs a restore and the set-up of what collects the figures; on a big
// heap that is as dear as replaying tens of millions of steps, most of it fresh pages. So a
// worker whose range is done takes the later part of another's only when the run then ends
// sooner, restore included, and splits it so that both are expected to end together. The
// first shares count each range's set-up as estimated; then the costs are measured as the
// workers go: time per unit of weight from the intervals replayed, and time per unit of
// estimated set-up from the ranges started.
#pragma once
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace pw::replay {

class RangeScheduler {
 public:
  // Milliseconds on a monotonic clock (tests pass their own). Without one, nothing is
  // measured: the weights and set-ups stand for the time throughout.
  using Clock = std::function<double()>;
  static double steady_clock_ms();

  // [weights]: the expected cost of replaying each interval; [setups]: of starting a range at
  // each (empty: free), in the same unit. The first shares are contiguous ranges that make
  // the dearest as cheap as can be; the first worker's starts at the first interval.
  RangeScheduler(std::vector<double> weights, std::vector<double> setups, unsigned workers,
                 Clock clock = steady_clock_ms);

  // The first interval of the next range worker [w] replays; nullopt when none is left that
  // would end sooner for it. The worker then restores that interval's start and calls ready().
  std::optional<std::size_t> start(unsigned w);
  // Worker [w] is set up at the start of its range: what that took is measured.
  void ready(unsigned w);
  // Worker [w] replayed interval [i] of its range: whether it goes on with the next.
  bool go_on(unsigned w, std::size_t i);
  // Worker [w] failed in its range: nobody replays the rest of it.
  void give_up(unsigned w);

  // The ranges' bounds as [first, end) per worker (for tests).
  std::vector<std::pair<std::size_t, std::size_t>> ranges() const;

 private:
  struct Range {
    std::size_t next = 0;  // the interval running (when running) or to start with
    std::size_t end = 0;
    bool running = false;
    bool ready = false;   // set up: the running interval is being replayed
    double since = 0;     // when the set-up, or else the running interval, began
  };
  struct Steal {
    unsigned victim = 0;
    std::size_t cut = 0;
    double gain = 0;  // how much sooner the later of the two ends, in ms
  };
  // Weights summed over [a, b).
  double sum(std::size_t a, std::size_t b) const { return prefix_[b] - prefix_[a]; }
  // The first shares: the end of each worker's range.
  std::vector<std::size_t> first_shares(unsigned workers) const;
  // What starting a range at interval [i] is expected to cost, in ms (once measured).
  double setup_ms(std::size_t i) const;
  // What is left of [r]'s running interval at [now], in ms at [rate] ms per weight.
  double running_left(const Range& r, double now, double rate) const;
  // The best split of [victim]'s range not yet started for a thief, if any ends sooner.
  std::optional<Steal> best_steal(unsigned victim, double now) const;

  mutable std::mutex mutex_;
  std::vector<double> weights_;
  std::vector<double> prefix_;  // prefix_[i]: sum of weights_[0, i)
  std::vector<double> setups_;
  std::vector<Range> ranges_;
  Clock clock_;
  // Measured: time replaying against weight replayed; time setting up against the set-ups'
  // estimates, and the dearest set-up seen (for ranges without an estimate).
  double replayed_ms_ = 0;
  double replayed_weight_ = 0;
  double setup_ms_ = 0;
  double setup_estimated_ = 0;
  double setup_max_ms_ = 0;
};

}  // namespace pw::replay
