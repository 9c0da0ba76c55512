// Recording a run: drives the interpreter with a recording observer and writes the trace.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "state_image.h"
#include "vm.h"

namespace pw::trace {

struct RecordOptions {
  std::string path;
  // Steps between snapshots; seeking replays at most this many steps from the nearest
  // one. A snapshot costs in proportion to the live heap, so snapshots of a big heap are
  // spaced further: at least steps_per_live_object steps per live object apart. Both rules
  // are deterministic. See docs/TRACE_FORMAT.md for how the defaults were chosen.
  std::uint64_t snapshot_interval = 5'000'000;
  std::uint64_t steps_per_live_object = 64;
  // Steps per event chunk: what a killed recorder can lose at most, and the read granule.
  std::uint64_t chunk_steps = 1'000'000;
  // Keep only the end of the run: at least the last this many steps, from a snapshot on
  // (0: the whole run). Snapshots then come at least every history_limit / 2 steps (the
  // live-heap rule above may still space them further), so what is kept stays within about
  // one and a half times the limit. The file is rewritten about once a second.
  std::uint64_t history_limit = 0;
  // Leave out the events a replay makes again (calls, tail calls, returns, allocations),
  // counting them per chunk instead: format 1.5's derived events, most of a recording's cost
  // otherwise. false records every event, as traces before 1.5 did.
  bool derive_events = true;
  // Stop recording (and the run) after this many steps.
  std::optional<std::uint64_t> stop_at;
  std::string recorder_name = "pwvm";
  std::vector<std::string> args;  // recorded in the header (host args returns them)
  int compression_level = 1;  // zstd: level 1 keeps the writer thread ahead of the VM
  // Set asynchronously (by a signal handler) to the number of a signal that asks the run to
  // stop. Checked between slices, never per instruction: the run ends there and the
  // outcome records the signal.
  const std::atomic<int>* stop_signal = nullptr;
};

struct RecordResult {
  RunStatus status = RunStatus::Ready;  // as the run ended (Paused: stopped at stop_at)
  std::uint64_t steps = 0;  // the end step: a failing instruction counts (executed_steps)
  std::uint64_t chunks = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t events = 0;  // made by the run, those a replay derives included
  std::uint64_t file_bytes = 0;
  std::uint64_t uncompressed_bytes = 0;
  int signal = 0;  // non-zero: options.stop_signal stopped the run (status Paused)
  // Non-empty: the trace could not be written and the run was stopped. One line, "cannot
  // write trace PATH: REASON; recording stopped at step S": the file holds the run up to S.
  std::string write_error;
};

// Pauses an incremental recording before an instruction: how a live debugging session
// stops a recorded run at a breakpoint.
class StepHook {
 public:
  virtual ~StepHook() = default;
  // Before the instruction at vm.top().ip runs, vm.step instructions having run. True:
  // pause here.
  virtual bool before_step(const VmState& vm) = 0;
};

class TraceWriter;
class RecordingObserver;
struct WrittenRecord;

// Records a run piece by piece: a live debugging session runs it to a stop, looks around,
// runs on. Chunks and snapshots follow the same deterministic cadence whatever the pieces.
class Recorder {
 public:
  // Writes the header and the snapshot at step 0 of [vm] (freshly built, not yet run).
  // Throws TraceWriteError if the file cannot be created, is being written by another
  // recorder, or its first bytes cannot be written.
  Recorder(VmState& vm, RecordOptions options);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Runs on for at most [max_steps] more instructions (and never past options.stop_at),
  // recording. With a [hook], it is asked before every instruction, and may pause the run;
  // without one, the run goes at the recorder's full speed. Returns the run's status
  // (Paused when it can go on); a write error pauses it too (see write_error()), and so
  // does options.stop_signal (see stopped_by_signal()).
  RunStatus run(std::uint64_t max_steps, StepHook* hook = nullptr);
  // Records that the state was changed from outside the program at this step (a debugger
  // writing a variable, the run paused here): ends the chunk and writes the changed state
  // as an edited snapshot, which replays restore instead of checking.
  void record_change();
  // Makes everything recorded so far readable in the file: ends the current chunk at this
  // step and waits for the writer. Throws TraceWriteError.
  void sync();
  // Ends the recording where the run is (at its end, or stopped): the last chunk, the final
  // snapshot, the outcome and the index. Call once; the recorder does nothing after it.
  RecordResult finish();
  // Ends the recording without finishing the file, and deletes it (a run recorded only in
  // case it fails, that did not). Call instead of finish().
  void discard();

  bool finished() const { return finished_; }
  // The records in the file so far, with their offsets (complete after sync()).
  std::vector<WrittenRecord> written() const;
  // Empty, or what RecordResult::write_error says.
  std::string write_error() const;
  // The signal that stopped the run, or 0.
  int stopped_by_signal() const { return result_.signal; }

 private:
  template <bool kDerive>
  struct Observer;
  template <bool kDerive>
  RunStatus run_slice(std::uint64_t steps);
  struct ChunkStart {
    std::uint64_t step = 0;
    std::uint32_t depth = 0;
    std::uint64_t alloc_id = 0;
    std::uint64_t output_bytes = 0;
  };
  ChunkStart chunk_start() const;
  struct Buffers;
  void flush_chunk(std::uint64_t to_step);
  void write_snapshot(bool edited = false);
  std::uint64_t final_hash();

  VmState& vm_;
  RecordOptions options_;
  std::unique_ptr<TraceWriter> writer_;
  std::shared_ptr<Buffers> buffers_;  // shared with the writer thread's jobs
  std::unique_ptr<RecordingObserver> obs_;
  RecordResult result_;
  std::uint32_t chunk_index_ = 0;
  ChunkStart start_;
  std::uint64_t next_snapshot_ = 0;
  std::uint64_t last_snapshot_step_ = 0;
  bool finished_ = false;
};

// Runs [vm] (freshly built, not yet run) to its end while recording it to options.path.
// The run behaves exactly as an unrecorded one. Throws TraceWriteError if the file cannot
// be created; a write error later stops the run and is reported in write_error, and
// options.stop_signal stops it too (RecordResult::signal).
RecordResult record_run(VmState& vm, const RecordOptions& options);

}  // namespace pw::trace
