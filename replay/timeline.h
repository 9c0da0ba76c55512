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
//
// A windowed recording (TraceHeader::history_limit) kept only the end of the run: its
// first snapshot, at step S, is the first position (start()), and positions before it are
// refused (before_window_message).

#pragma once
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cursor.h"
#include "event_checker.h"
#include "replay_listener.h"
#include "state_image.h"
#include "trace_reader.h"
#include "vm.h"

namespace pw::replay {

struct TimelineOptions {
  // Decoded chunks and snapshots kept in memory for moving around (LRU).
  std::size_t cached_chunks = 16;
  std::size_t cached_snapshots = 8;
  // States kept in memory near the targets of long seeks, so that stepping back from
  // there replays a short distance instead of a whole snapshot interval.
  std::size_t cached_checkpoints = 4;
};

class Timeline : public Cursor {
 public:
  // Opens [path]; throws trace::TraceReadError when it cannot be replayed (not a trace,
  // damaged header, no snapshot at step 0, or none at all in a windowed trace). Starts at
  // start().
  explicit Timeline(const std::string& path, TimelineOptions options = {});
  // Over a reader opened already (a live session's, indexed from its writer's records).
  explicit Timeline(std::unique_ptr<trace::TraceReader> reader, TimelineOptions options = {});
  ~Timeline() override;
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  const trace::TraceReader& trace() const { return *reader_; }
  const Program& program() const override { return *reader_->header().program; }
  // The first snapshot's position: 0 unless the trace is windowed.
  std::uint64_t start() const override { return snapshot_positions_.front(); }
  // The last position: the end of the run (or of what the trace holds of it).
  std::uint64_t end() const override { return end_; }
  // Whether the trace kept only the end of the run and starts after step 0.
  bool windowed() const { return start() > 0; }
  bool finished() const override { return true; }
  std::uint64_t position() const override { return position_; }
  const VmState& state() const override { return *vm_; }

  // Moves to [target] (start()..end()). Throws std::out_of_range outside those, Divergence
  // when the re-execution does not match the recording, trace::TraceReadError on damage.
  void seek(std::uint64_t target) override;
  bool run_forward(std::uint64_t limit, StepVisitor* visitor) override;
  // The same, telling [listener] what the re-execution does. Its block counter (required)
  // counts every instruction from position() on.
  bool run_forward(std::uint64_t limit, StepVisitor* visitor, ReplayListener& listener);
  // The snapshots' positions.
  const std::vector<std::uint64_t>& restart_positions() override { return snapshot_positions_; }
  std::vector<std::uint64_t> changed_positions() override;

  // Takes in what was appended to a trace that is still being written (a live session's):
  // new chunks, snapshots and the outcome. The current position stays.
  void refresh();
  // The same, for a reader indexed from its writer's records.
  void refresh(const std::vector<trace::WrittenRecord>& written);

  // Statistics, for benchmarks and `--verbose` tools.
  struct Stats {
    std::uint64_t restores = 0;           // snapshots and checkpoints restored
    std::uint64_t steps_replayed = 0;     // instructions re-executed
    std::uint64_t snapshots_checked = 0;  // snapshot hashes matched while passing them
  };
  const Stats& stats() const { return stats_; }

  // Positions where snapshots sit, ascending (the first is start()).
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
  bool execute(std::uint64_t limit, StepVisitor* visitor, ReplayListener* listener = nullptr);
  void check_snapshot_at(std::uint64_t position);
  // end_ and snapshot_positions_ from what the reader has indexed.
  void index_positions();
  // After the reader took in new records ([had_outcome]: whether it knew the outcome before).
  void took_in(bool had_outcome);
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
  std::vector<std::size_t> snapshot_records_;  // the reader's snapshot at each of those positions
  std::size_t edited_snapshots_ = 0;           // states changed from outside the program
  // The snapshot the current state was replayed from; kFromCheckpoint when it came from a
  // checkpoint; kNowhere when the state is not a known position (after a divergence).
  static constexpr std::size_t kNowhere = SIZE_MAX;
  static constexpr std::size_t kFromCheckpoint = SIZE_MAX - 1;
  std::size_t restored_snapshot_ = kNowhere;
  std::list<Checkpoint> checkpoints_;  // most recent first
  std::list<std::pair<std::uint64_t, std::shared_ptr<const trace::ChunkData>>> chunk_cache_;  // MRU first
  std::list<std::pair<std::size_t, std::shared_ptr<CachedSnapshot>>> snapshot_cache_;
  StateImage scratch_;
  Stats stats_;
};

}  // namespace pw::replay
