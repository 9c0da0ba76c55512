// TraceReader: opens a trace file as untrusted input. It checks the magic, the framing and
// every checksum, reads Cap'n Proto with traversal limits, and reports damage precisely
// (which frame, which byte offset). A file without its index (the writer was killed) is
// indexed by scanning, up to its last complete frame.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "errors.h"
#include "event_codec.h"
#include "frame_format.h"
#include "program.h"
#include "state_image.h"
#include "trace_writer.h"
#include "vm.h"

namespace pw::trace {

class TraceReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TraceHeader {
  std::uint16_t format_major = 0;
  std::uint16_t format_minor = 0;
  std::string recorder;
  std::shared_ptr<const pw::Program> program;  // verified
  std::uint64_t program_hash = 0;
  pw::VmConfig config;  // limits, GC settings and capabilities of the run
  std::vector<std::string> args;
  std::int64_t start_time_unix_ns = 0;
  std::string host_name;
  std::string host_system;
  std::uint64_t snapshot_interval = 0;
  std::uint64_t snapshot_steps_per_live_object = 0;
  std::uint64_t chunk_steps = 0;
  std::uint64_t first_dynamic_id = 0;
  // A windowed recording (format 1.4) kept only about the last this many steps: its first
  // snapshot may be after step 0. 0: the whole run.
  std::uint64_t history_limit = 0;
  // Format 1.5: the chunks leave out calls, tail calls, returns and allocations, and count
  // them (ChunkData::derived); a replay makes them again. false: every event is recorded.
  bool derived_events = false;
};

struct ChunkInfo {
  std::uint64_t from_step = 0;
  std::uint64_t to_step = 0;
  std::uint64_t offset = 0;
  std::uint32_t event_count = 0;
};

struct SnapshotInfo {
  std::uint64_t step = 0;  // the state's instruction counter (VmState::step): for the final
                           // state of a run that failed in an instruction, one below its end
  std::uint64_t offset = 0;
  std::uint64_t hash = 0;
  bool edited = false;  // the state was changed from outside the program here (format 1.2)
};

struct TraceOutcome {
  enum class Status { Halted, Failed, Stopped } status = Status::Stopped;
  // The run's end step: instructions executed, a failing one included (executed_steps).
  // The file records the count before a failing instruction; the reader adds it back.
  std::uint64_t steps = 0;
  std::string result;
  std::optional<VmError> error;
  std::uint64_t final_hash = 0;
  std::uint64_t output_bytes = 0;
  std::uint32_t signal = 0;  // Stopped: the signal that interrupted the run, 0 for none
};

struct ChunkData {
  ChunkInfo info;
  std::uint32_t index = 0;
  std::uint32_t start_depth = 0;
  std::uint64_t first_alloc_id = 0;
  std::uint64_t output_bytes = 0;
  std::uint32_t event_count = 0;
  bool derived_events = false;  // the header's: the events below leave out the derived kinds
  DerivedCounts derived;        // with derived_events: how many of those the steps hold
  std::vector<Event> events;   // decoded (ChunkParts::All)
  std::string event_bytes;     // still encoded (ChunkParts::EncodedEvents): read with EventReader
  std::vector<std::pair<std::uint32_t, std::uint64_t>> profile;  // flat instruction index, count
};

// How much of a chunk read_chunk() prepares.
enum class ChunkParts {
  All,            // events decoded, and the profile
  EncodedEvents,  // the events' bytes only, for streaming (no profile)
};

struct SnapshotData {
  SnapshotInfo info;
  StateImage image;
};

class TraceReader {
 public:
  // Throws TraceReadError when the file is not a trace, is of a newer major format, or its
  // header is damaged. Damage after the header is not an error here: the trace is read up
  // to its last good frame and damage() says what was lost.
  explicit TraceReader(const std::string& path);
  // A trace this process is writing: its frames are indexed from what the writer reports
  // ([written]) instead of being scanned, and refresh(written) takes in later ones.
  TraceReader(const std::string& path, const std::vector<WrittenRecord>& written);
  ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  const std::string& path() const { return path_; }
  const TraceHeader& header() const { return header_; }
  const std::vector<ChunkInfo>& chunks() const { return chunks_; }
  const std::vector<SnapshotInfo>& snapshots() const { return snapshots_; }
  const std::optional<TraceOutcome>& outcome() const { return outcome_; }
  // True when the file ended with its index and trailer as written.
  bool complete() const { return complete_; }
  // Empty, or one line naming the frame and offset where reading stopped and why.
  const std::string& damage() const { return damage_; }
  // True when that damage is only a torn tail: the last frame cut short by the end of a file
  // without a trailer, as a writer killed in the middle of a frame leaves it. Everything
  // before it is whole; the trace is incomplete, not damaged.
  bool torn_tail() const { return torn_tail_; }
  // Steps the trace covers: the outcome's end step, or the end of the last readable chunk.
  std::uint64_t steps() const;
  // The first step the trace holds: 0, or where a windowed recording (history_limit)
  // starts, its first snapshot's step.
  std::uint64_t first_step() const;

  // Reads the frames appended since the file was opened (or last refreshed): a trace
  // still being written, by a live debugging session's recorder. Returns whether it found
  // new records. A complete trace never changes.
  bool refresh();
  bool refresh(const std::vector<WrittenRecord>& written);

  ChunkData read_chunk(std::size_t i, ChunkParts parts = ChunkParts::All) const;
  SnapshotData read_snapshot(std::size_t i) const;
  // The same into [out], reusing its image's buffers: fresh pages for a big heap's image
  // cost more than reading it.
  void read_snapshot(std::size_t i, SnapshotData& out) const;

  std::uint64_t file_bytes() const { return file_bytes_; }
  // Sum of the frames' decompressed payloads (frames read so far, or all when indexed by scan).
  std::uint64_t uncompressed_bytes() const;
  // The size of snapshot [i]'s message once decompressed (0 when its frame does not say),
  // read from its frame's first bytes: what restoring it will cost, about.
  std::uint64_t snapshot_bytes(std::size_t i) const;

 private:
  struct Frame;
  // [what] names the frame in errors: "frame 3", "chunk 12", "snapshot 4".
  Frame read_frame(std::uint64_t offset, const std::string& what) const;
  struct FrameSizes {
    std::uint64_t payload = 0;  // compressed, as in the frame's header
    std::uint64_t content = 0;  // decompressed, or 0 when the zstd frame does not say
  };
  // The sizes of the frame at [offset], from its first bytes; nullopt past the file's end.
  std::optional<FrameSizes> frame_sizes(std::uint64_t offset) const;
  void read_header();
  bool read_index_from_trailer();
  void scan();
  void open(const std::string& path);
  // Indexes the records of [written] not indexed yet.
  void index_written(const std::vector<WrittenRecord>& written);
  void read_outcome(std::uint64_t offset, const std::string& what);
  // Whether the file ends with the trailer's magic (its writer finished).
  bool ends_with_trailer() const;

  std::string path_;
  int fd_ = -1;
  std::uint64_t file_bytes_ = 0;
  TraceHeader header_;
  std::vector<ChunkInfo> chunks_;
  std::vector<SnapshotInfo> snapshots_;
  std::optional<TraceOutcome> outcome_;
  bool complete_ = false;
  // Where scanning stopped, so refresh() can go on from there.
  std::uint64_t scan_offset_ = 0;
  std::size_t scan_frames_ = 1;
  std::uint64_t scan_last_step_ = 0;
  bool scan_done_ = false;
  std::size_t written_indexed_ = 0;  // records of the writer's list taken in
  std::string damage_;
  bool torn_tail_ = false;
  std::uint64_t header_end_ = 0;
  mutable std::uint64_t uncompressed_ = 0;
  mutable bool uncompressed_known_ = false;
};

}  // namespace pw::trace
