// Content keys of a recorded run, for stores that keep one trace per distinct run. The
// program key covers the program as recorded but for the name of the file it came from; the
// content key covers that program and every input of the run: its arguments, the granted
// capabilities, the limits and GC settings, each host call's recorded result in order (read
// lines, clock, random numbers), the state changes a live debugger made, the state a
// windowed trace starts from, and how the run ended. What a recording adds of its own (the
// time, the machine, the file's name, the snapshot cadence, the chunk size, wall-clock GC
// pauses) is left out, so two recordings of one run get the same keys.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "program.h"
#include "trace_reader.h"

namespace pw::replay {

// An XXH3-128 hash.
struct ContentKey {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::string hex() const;  // 32 lowercase hex digits, high half first
  friend bool operator==(const ContentKey&, const ContentKey&) = default;
};

ContentKey program_key(const pw::Program& program);

// The content key, fed one chunk at a time so that a reader of the chunks (pwreplay info)
// decodes each once.
class ContentKeyBuilder {
 public:
  explicit ContentKeyBuilder(const trace::TraceHeader& header);
  ~ContentKeyBuilder();
  ContentKeyBuilder(const ContentKeyBuilder&) = delete;
  ContentKeyBuilder& operator=(const ContentKeyBuilder&) = delete;

  // The chunks in file order, their events decoded (ChunkParts::All).
  void add_chunk(const trace::ChunkData& chunk);
  // The key, once the chunks are in: [reader]'s snapshots and outcome complete it.
  ContentKey finish(const trace::TraceReader& reader);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The content key of the trace [reader] reads, from all its chunks. Throws what read_chunk
// throws.
ContentKey content_key(const trace::TraceReader& reader);

}  // namespace pw::replay
