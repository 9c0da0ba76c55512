// The recorder's hot-path event buffer. The interpreter thread stores each event as a few
// fixed-width words, with no varint encoding and no per-event bookkeeping; the writer thread
// turns them into the trace's compact encoding (EventEncoder) when it builds the chunk. So a
// recorded call costs the plain call plus one bounds check and two stores.
//
// Words of one event: [step << 4 | kind] then
//   call, tailcall: [fn]
//   return:         -
//   alloc:          [bytes << 8 | object kind] [fn << 32 | ip]
//   anything else:  [n] then n bytes (padded to whole words): the fields exactly as the
//                   trace encodes them after the event's header (see event_codec.h)
// Steps therefore must stay below 2^60.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "event_codec.h"

namespace pw::trace {

// A buffer of event words, reusable from one chunk to the next.
struct RawWords {
  std::unique_ptr<std::uint64_t[]> data;
  std::size_t capacity = 0;
  std::size_t size = 0;
};

class RawEventLog {
 public:
  RawEventLog() { adopt(RawWords{}); }
  RawEventLog(const RawEventLog&) = delete;
  RawEventLog& operator=(const RawEventLog&) = delete;

  void call(std::uint64_t step, std::uint32_t fn) {
    std::uint64_t* p = room();
    p[0] = step << 4 | static_cast<std::uint64_t>(EventKind::Call);
    p[1] = fn;
    next_ = p + 2;
  }
  void ret(std::uint64_t step) {
    std::uint64_t* p = room();
    p[0] = step << 4 | static_cast<std::uint64_t>(EventKind::Return);
    next_ = p + 1;
  }
  void tail_call(std::uint64_t step, std::uint32_t fn) {
    std::uint64_t* p = room();
    p[0] = step << 4 | static_cast<std::uint64_t>(EventKind::TailCall);
    p[1] = fn;
    next_ = p + 2;
  }
  void alloc(std::uint64_t step, std::uint8_t kind, std::uint64_t bytes, std::uint32_t fn, std::uint32_t ip) {
    std::uint64_t* p = room();
    p[0] = step << 4 | static_cast<std::uint64_t>(EventKind::Alloc);
    p[1] = bytes << 8 | kind;
    p[2] = std::uint64_t{fn} << 32 | ip;
    next_ = p + 3;
  }
  // The rare events: encoded as the trace encodes them, on the spot.
  void gc(std::uint64_t step, std::uint8_t trigger, std::uint64_t objects_before, std::uint64_t bytes_before,
          std::uint64_t objects_after, std::uint64_t bytes_after, std::uint64_t pause_ns);
  void thrown(std::uint64_t step, std::uint32_t fn, std::uint32_t ip, std::uint8_t type);
  void caught(std::uint64_t step, std::uint32_t fn, std::uint32_t ip, std::uint32_t depth);
  void host_nil(std::uint64_t step, std::uint8_t host_fn);
  void host_int(std::uint64_t step, std::uint8_t host_fn, std::int64_t value);
  void host_string(std::uint64_t step, std::uint8_t host_fn, std::string_view value);
  void host_strings(std::uint64_t step, std::uint8_t host_fn, const std::vector<std::string_view>& values);
  void output(std::uint64_t step, std::string_view text);

  bool empty() const { return next_ == begin(); }
  // The step of the last event; only when !empty(). Walks the buffer: not for the hot path.
  std::uint64_t last_step() const;
  // Hands over the words logged so far and starts again in [reuse] (its contents dropped).
  RawWords take(RawWords reuse);

 private:
  // The most words a hot event needs; room() guarantees them with one comparison.
  static constexpr std::size_t kHotWords = 3;
  static constexpr std::size_t kInitialWords = 1 << 16;

  std::uint64_t* begin() const { return words_.data.get(); }
  std::uint64_t* room() {
    if (next_ > limit_) [[unlikely]]
      grow(kHotWords);
    return next_;
  }
  void grow(std::size_t words);
  void adopt(RawWords words);
  // Logs a rare event whose fields [scratch_] holds (after its one-byte header).
  void log_scratch(std::uint64_t step, EventKind kind);

  RawWords words_;
  std::size_t capacity_hint_ = kInitialWords;
  std::uint64_t* next_ = nullptr;
  std::uint64_t* limit_ = nullptr;  // room() is satisfied while next_ <= limit_
  EventEncoder scratch_;
};

// Appends the events in [words] to [out], in the trace's encoding.
void encode_raw_events(const RawWords& words, EventEncoder& out);

}  // namespace pw::trace
