// The frames a windowed recording keeps, and the rule that lets the oldest go.
#include "trace_window.h"

namespace pw::trace {

void TraceWindow::keep(const RecordMeta& meta, std::string_view frame) {
  if (meta.kind == RecordKind::Header) {
    header_.assign(frame);
    return;
  }
  frames_.push_back(Frame{meta, std::string(frame)});
  frame_bytes_ += frame.size();
  if (meta.kind == RecordKind::EventChunk) drop_before_window(meta.to_step);
}

void TraceWindow::drop_before_window(std::uint64_t end) {
  if (end < history_limit_) return;
  const std::uint64_t latest_start = end - history_limit_;
  // The newest snapshot that still leaves history_limit steps after it (the first of two at
  // one step: the second is a state changed there, and replay needs the first too).
  std::size_t cut = 0;
  bool found = false;
  for (std::size_t i = 0; i < frames_.size(); ++i) {
    const RecordMeta& m = frames_[i].meta;
    if (m.kind != RecordKind::Snapshot || m.from_step > latest_start) continue;
    if (!found || m.from_step > frames_[cut].meta.from_step) cut = i;
    found = true;
  }
  for (std::size_t i = 0; i < cut; ++i) {
    frame_bytes_ -= frames_.front().bytes.size();
    frames_.pop_front();
  }
}

}  // namespace pw::trace
