// A trace file taken apart into its frames and put back together, for the structure-aware
// mutator of fuzz_trace_records.cpp: it changes a record and re-frames the file, and
// join() makes everything that repeats the record agree with it again (the frame's checksum,
// the index's offsets, steps and hashes, the trailer), so the change is read by the record
// decoders instead of being refused at a checksum.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <kj/array.h>
#include <capnp/common.h>

namespace pwfuzz {

struct TraceFrame {
  std::uint8_t kind = 0;    // a trace::RecordKind, or anything a mutation made of it
  std::uint8_t codec = 0;
  std::string payload;      // as stored: compressed
  // Where the frame was in the file it came from (kNoOffset for frames from elsewhere):
  // index entries that named that offset are pointed at the frame's new place.
  std::uint64_t old_offset = kNoOffset;
  // Changed since split(): join() takes the index's copies of its step, count and hash from it.
  bool changed = false;
  static constexpr std::uint64_t kNoOffset = UINT64_MAX;
};

struct SplitTrace {
  std::vector<TraceFrame> frames;  // the header first, as written
  std::string tail;                // bytes after the last whole frame (a torn frame), kept as they are
  bool has_trailer = false;
  std::uint64_t trailer_offset = 0;  // the index offset the trailer named
};

// Frames of a file that starts with the trace magic (checksums are not checked); nullopt
// for anything else.
std::optional<SplitTrace> split_trace(std::string_view file);
// The file again: fresh checksums, the index and the trailer brought in line with the frames.
std::string join_trace(const SplitTrace& trace);

// A record's message from its stored payload (nullopt when it does not decompress to whole
// words), and back.
std::optional<kj::Array<capnp::word>> decompress_record(std::string_view payload);
std::string compress_record(kj::ArrayPtr<const capnp::word> message);

}  // namespace pwfuzz
