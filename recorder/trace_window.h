// TraceWindow: what a recording that keeps only the end of the run (RecordOptions::
// history_limit) holds in memory. Frames come in framed and compressed, as they would go to
// the file; a chunk lets the oldest go: everything before the newest snapshot at least
// history_limit steps behind the chunk's end. What is left starts at a snapshot and covers
// at least the last history_limit steps (all of them while the run is shorter). Frames hold
// no file offsets, so the writer writes them out again as they are, at new offsets.
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "trace_writer.h"

namespace pw::trace {

class TraceWindow {
 public:
  struct Frame {
    RecordMeta meta;
    std::string bytes;  // the frame header, then the payload
  };

  explicit TraceWindow(std::uint64_t history_limit) : history_limit_(history_limit) {}

  // Takes in the next record's frame. The header is kept for good; a chunk may drop the
  // frames before a later snapshot.
  void keep(const RecordMeta& meta, std::string_view frame);

  std::uint64_t history_limit() const { return history_limit_; }
  const std::string& header() const { return header_; }
  const std::deque<Frame>& frames() const { return frames_; }
  // The frames' bytes, the header's included: the size of the file without its index.
  std::uint64_t bytes() const { return header_.size() + frame_bytes_; }

 private:
  void drop_before_window(std::uint64_t end);

  std::uint64_t history_limit_;
  std::string header_;
  std::deque<Frame> frames_;
  std::uint64_t frame_bytes_ = 0;
};

}  // namespace pw::trace
