// The timeline: a recorded run addressed by position, the number of instructions executed.
//
// Position 0 is the state before the first instruction; position N the state after N
// instructions, which is what `pwvm run --stop-at N --dump-state` prints for the live
// run. A run that failed in an instruction has one more position than its step count: the
// state after the failure. Seeking restores the nearest snapshot at or before the target
// and re-executes from it with the recorded host results; every event of the re-execution
// and every snapshot it passes is checked against the recording (a mismatch throws
// Divergence). Backward moves scan forward from earlier snapshots, one snapshot interval
// at a time, latest first.
#pragma once
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "event_checker.h"
#include "state_image.h"
#include "trace_reader.h"
#include "vm.h"

namespace pw::replay {

// Called at positions of a forward re-execution, in order, with the state there.
class StepVisitor {
 public:
  virtual ~StepVisitor() = default;
  // True: stop at this position.
  virtual bool visit(const VmState& vm, std::uint64_t position) = 0;
};

// Where a state is: its top frame's function, instruction and source line.
struct Location {
  std::uint64_t position = 0;
  std::uint32_t fn = 0;
  std::uint32_t ip = 0;
  std::uint32_t line = 0;
  std::uint32_t depth = 0;
  RunStatus status = RunStatus::Ready;
};

struct TimelineOptions {
  // Decoded chunks and snapshots kept in memory for moving around (LRU).
  std::size_t cached_chunks = 16;
  std::size_t cached_snapshots = 8;
  // States kept in memory near the targets of long seeks, so that stepping back from
  // there replays a short distance instead of a whole snapshot interval.
  std::size_t cached_checkpoints = 4;
};

class Timeline {
 public:
  // Opens [path]; throws trace::TraceReadError when it cannot be replayed (not a trace,
  // damaged header, no snapshot at step 0). Starts at position 0.
  explicit Timeline(const std::string& path, TimelineOptions options = {});
  ~Timeline();
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  const trace::TraceReader& trace() const { return *reader_; }
  const Program& program() const { return *reader_->header().program; }
  // The last position: the end of the run (or of what the trace holds of it).
  std::uint64_t end() const { return end_; }
  std::uint64_t position() const { return position_; }
  // The state at position(): valid until the next move.
  const VmState& state() const { return *vm_; }
  Location where() const;

  // Moves to [target] (0..end()). Throws std::out_of_range past the end, Divergence when
  // the re-execution does not match the recording, trace::TraceReadError on damage.
  void seek(std::uint64_t target);

  // Runs forward from position() to at most [limit], calling [visitor] at every position
  // from position() on (the current one included, so it can take a baseline) up to where
  // it stops: the visitor's stop, [limit], or the end of the run. Returns whether the
  // visitor asked to stop.
  bool run_forward(std::uint64_t limit, StepVisitor* visitor);

  // Backward search: for each snapshot interval ending at or before [before], latest
  // first, re-executes the interval calling a fresh visitor from [make] at every position
  // in it (its start to its end, both included), and stops at the first interval where
  // [latest] says a hit was found. Returns the latest hit position (< [before]) and moves
  // there; when there is none, returns nullopt and goes back to where it was.
  // [latest] is asked after each interval and must return the latest stop position the
  // visitor recorded that is below [before].
  template <class Visitor, class Latest>
  std::optional<std::uint64_t> search_backward(std::uint64_t before, Visitor make, Latest latest);

  // Statistics, for benchmarks and `--verbose` tools.
  struct Stats {
    std::uint64_t restores = 0;           // snapshots and checkpoints restored
    std::uint64_t steps_replayed = 0;     // instructions re-executed
    std::uint64_t snapshots_checked = 0;  // snapshot hashes matched while passing them
  };
  const Stats& stats() const { return stats_; }

  // Positions where snapshots sit, ascending (the first is 0).
  const std::vector<std::uint64_t>& snapshot_positions() const { return snapshot_positions_; }

 private:
  struct CachedSnapshot;
  struct Checkpoint {
    std::uint64_t position = 0;
    StateImage image;
    EventChecker::Cursor cursor;
  };
  std::shared_ptr<const trace::ChunkData> chunk_at(std::uint64_t position);
  std::shared_ptr<const CachedSnapshot> snapshot(std::size_t index);
  void restore(std::size_t snapshot_index);
  void restore(const Checkpoint& checkpoint);
  void take_checkpoint();
  // Executes forward to [limit] (or the visitor's stop): slices that end at chunk
  // boundaries, events checked, snapshot hashes checked where a slice ends on one.
  bool execute(std::uint64_t limit, StepVisitor* visitor);
  void check_snapshot_at(std::uint64_t position);
  std::uint64_t position_of(const VmState& vm) const;
  // Index of the last snapshot at or before [position].
  std::size_t snapshot_before(std::uint64_t position) const;

  std::unique_ptr<trace::TraceReader> reader_;
  TimelineOptions options_;
  RecordedHost host_;
  std::unique_ptr<VmState> vm_;
  std::unique_ptr<EventChecker> checker_;
  std::uint64_t end_ = 0;
  std::uint64_t position_ = 0;
  std::vector<std::uint64_t> snapshot_positions_;
  // The snapshot the current state was replayed from; kFromCheckpoint when it came from a
  // checkpoint; kNowhere when the state is not a known position (after a divergence).
  static constexpr std::size_t kNowhere = SIZE_MAX;
  static constexpr std::size_t kFromCheckpoint = SIZE_MAX - 1;
  std::size_t restored_snapshot_ = kNowhere;
  std::list<Checkpoint> checkpoints_;  // most recent first
  std::list<std::pair<std::uint64_t, std::shared_ptr<const trace::ChunkData>>> chunk_cache_;  // MRU first
  std::list<std::pair<std::size_t, std::shared_ptr<const CachedSnapshot>>> snapshot_cache_;
  StateImage scratch_;
  Stats stats_;
};

template <class Visitor, class Latest>
std::optional<std::uint64_t> Timeline::search_backward(std::uint64_t before, Visitor make, Latest latest) {
  if (before == 0) return std::nullopt;
  const std::uint64_t home = position_;
  std::size_t k = snapshot_before(before - 1);
  std::uint64_t interval_end = before;
  for (;;) {
    const std::uint64_t start = snapshot_positions_[k];
    auto visitor = make();
    seek(start);
    run_forward(interval_end, &visitor);
    if (std::optional<std::uint64_t> hit = latest(visitor); hit && *hit < before) {
      seek(*hit);
      return hit;
    }
    if (k == 0) break;
    interval_end = start;
    --k;
  }
  seek(home);
  return std::nullopt;
}

}  // namespace pw::replay
