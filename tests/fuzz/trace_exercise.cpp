// Opening, reading and replaying one trace held in memory.
#include "trace_exercise.h"

#include <algorithm>
#include <memory>

#include "event_checker.h"
#include "fuzz_support.h"
#include "state_dump.h"
#include "timeline.h"
#include "trace_reader.h"

namespace pwfuzz {

namespace {

// How far a replay goes from a restored snapshot: enough to pass calls, allocations,
// collections and host calls, short enough for hundreds of inputs a second.
constexpr std::uint64_t kReplaySteps = 2'000;

void read_everything(const pw::trace::TraceReader& reader) {
  (void)reader.steps();
  (void)reader.uncompressed_bytes();
  for (std::size_t i = 0; i < reader.chunks().size(); ++i) {
    try {
      (void)reader.read_chunk(i);
      // The streaming form a replay uses: its own decoder path.
      const pw::trace::ChunkData encoded = reader.read_chunk(i, pw::trace::ChunkParts::EncodedEvents);
      pw::trace::EventReader events(encoded.event_bytes, encoded.info.from_step, encoded.info.to_step,
                                    encoded.start_depth, encoded.first_alloc_id);
      pw::trace::Event e;
      while (events.next(e)) {
      }
    } catch (const pw::trace::TraceReadError&) {
    } catch (const pw::trace::EventDecodeError&) {
    }
  }
  for (std::size_t i = 0; i < reader.snapshots().size(); ++i) {
    try {
      (void)pw::image_hash(reader.read_snapshot(i).image);
    } catch (const pw::trace::TraceReadError&) {
    }
  }
}

void replay(std::unique_ptr<pw::trace::TraceReader> reader) {
  try {
    pw::replay::Timeline timeline(std::move(reader));
    const std::uint64_t end = timeline.end();
    // A windowed trace starts at its first kept step: nothing before it can be asked for.
    timeline.seek(std::min(end, timeline.start() + kReplaySteps));
    (void)pw::state_hash(timeline.state());
    // Backwards: restores the snapshot before and replays up to here again.
    if (timeline.position() > timeline.start()) timeline.seek(timeline.position() - 1);
    // The last snapshot, and a short stretch after it.
    const std::uint64_t last = timeline.snapshot_positions().back();
    timeline.seek(std::min(end, last + kReplaySteps / 4));
    (void)pw::dump_state(timeline.state());
  } catch (const pw::trace::TraceReadError&) {
  } catch (const pw::replay::Divergence&) {
  }
}

}  // namespace

void exercise_trace(const std::uint8_t* data, std::size_t size) {
  static MemoryFile file;
  file.assign(data, size);
  std::unique_ptr<pw::trace::TraceReader> reader;
  try {
    reader = std::make_unique<pw::trace::TraceReader>(file.path());
  } catch (const pw::trace::TraceReadError&) {
    return;
  }
  read_everything(*reader);
  replay(std::move(reader));
}

}  // namespace pwfuzz
