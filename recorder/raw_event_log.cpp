// The raw event log's rare events, its growth, and its translation into the trace encoding.
#include "raw_event_log.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace pw::trace {

void RawEventLog::adopt(RawWords words) {
  // A fresh buffer starts as big as the biggest so far: chunks are alike, and growing one
  // copies it.
  if (words.capacity < capacity_hint_) {
    words.data = std::make_unique_for_overwrite<std::uint64_t[]>(capacity_hint_);
    words.capacity = capacity_hint_;
  }
  words.size = 0;
  words_ = std::move(words);
  next_ = words_.data.get();
  limit_ = next_ + words_.capacity - kHotWords;
}

void RawEventLog::grow(std::size_t words) {
  const auto used = static_cast<std::size_t>(next_ - begin());
  const std::size_t capacity = std::max(words_.capacity * 2, used + words + kHotWords);
  auto data = std::make_unique_for_overwrite<std::uint64_t[]>(capacity);
  std::copy(begin(), next_, data.get());
  words_.data = std::move(data);
  words_.capacity = capacity;
  capacity_hint_ = std::max(capacity_hint_, capacity);
  next_ = words_.data.get() + used;
  limit_ = words_.data.get() + capacity - kHotWords;
}

RawWords RawEventLog::take(RawWords reuse) {
  words_.size = static_cast<std::size_t>(next_ - begin());
  RawWords out = std::move(words_);
  adopt(std::move(reuse));
  return out;
}

void RawEventLog::log_scratch(std::uint64_t step, EventKind kind) {
  // The scratch encoder starts at the event's own step, so its header is the kind alone.
  const std::string_view fields = scratch_.bytes().substr(1);
  const std::size_t words = 2 + (fields.size() + 7) / 8;
  if (static_cast<std::size_t>(begin() + words_.capacity - next_) < words) grow(words);
  next_[0] = step << 4 | static_cast<std::uint64_t>(kind);
  next_[1] = fields.size();
  next_[words - 1] = 0;  // the padding, so the buffer never holds uninitialised bytes
  std::memcpy(next_ + 2, fields.data(), fields.size());
  next_ += words;
}

void RawEventLog::gc(std::uint64_t step, std::uint8_t trigger, std::uint64_t objects_before,
                     std::uint64_t bytes_before, std::uint64_t objects_after, std::uint64_t bytes_after,
                     std::uint64_t pause_ns) {
  scratch_.reset(step);
  scratch_.gc(step, trigger, objects_before, bytes_before, objects_after, bytes_after, pause_ns);
  log_scratch(step, EventKind::Gc);
}

void RawEventLog::thrown(std::uint64_t step, std::uint32_t fn, std::uint32_t ip, std::uint8_t type) {
  scratch_.reset(step);
  scratch_.thrown(step, fn, ip, type);
  log_scratch(step, EventKind::Throw);
}

void RawEventLog::caught(std::uint64_t step, std::uint32_t fn, std::uint32_t ip, std::uint32_t depth) {
  scratch_.reset(step);
  scratch_.caught(step, fn, ip, depth);
  log_scratch(step, EventKind::Catch);
}

void RawEventLog::host_nil(std::uint64_t step, std::uint8_t host_fn) {
  scratch_.reset(step);
  scratch_.host_nil(step, host_fn);
  log_scratch(step, EventKind::Host);
}

void RawEventLog::host_int(std::uint64_t step, std::uint8_t host_fn, std::int64_t value) {
  scratch_.reset(step);
  scratch_.host_int(step, host_fn, value);
  log_scratch(step, EventKind::Host);
}

void RawEventLog::host_string(std::uint64_t step, std::uint8_t host_fn, std::string_view value) {
  scratch_.reset(step);
  scratch_.host_string(step, host_fn, value);
  log_scratch(step, EventKind::Host);
}

void RawEventLog::host_strings(std::uint64_t step, std::uint8_t host_fn, const std::vector<std::string_view>& values) {
  scratch_.reset(step);
  scratch_.host_strings(step, host_fn, values);
  log_scratch(step, EventKind::Host);
}

void RawEventLog::output(std::uint64_t step, std::string_view text) {
  scratch_.reset(step);
  scratch_.output(step, text);
  log_scratch(step, EventKind::Output);
}

namespace {

// The number of words of the event that starts at [w].
std::size_t event_words(const std::uint64_t* w) {
  switch (static_cast<EventKind>(w[0] & 0xF)) {
    case EventKind::Call:
    case EventKind::TailCall: return 2;
    case EventKind::Return: return 1;
    case EventKind::Alloc: return 3;
    default: return 2 + (w[1] + 7) / 8;
  }
}

}  // namespace

std::uint64_t RawEventLog::last_step() const {
  std::uint64_t step = 0;
  for (const std::uint64_t* w = begin(); w < next_; w += event_words(w)) step = w[0] >> 4;
  return step;
}

void encode_raw_events(const RawWords& words, EventEncoder& out) {
  // No event's encoding is longer than twice its words (a return: one word, a header of at
  // most ten bytes), so one reservation covers the chunk and the loop checks nothing.
  char* p = out.reserve(words.size * 2 * sizeof(std::uint64_t) + 16);
  std::uint64_t last = out.last_step();
  std::uint32_t events = 0;
  const std::uint64_t* w = words.data.get();
  const std::uint64_t* end = w + words.size;
  while (w < end) {
    const std::uint64_t step = w[0] >> 4;
    const std::uint64_t kind = w[0] & 0xF;
    p = EventEncoder::varint(p, (step - last) << 4 | kind);
    last = step;
    ++events;
    switch (static_cast<EventKind>(kind)) {
      case EventKind::Call:
      case EventKind::TailCall:
        p = EventEncoder::varint(p, w[1]);
        w += 2;
        break;
      case EventKind::Return: w += 1; break;
      case EventKind::Alloc:
        *p++ = static_cast<char>(w[1] & 0xFF);
        p = EventEncoder::varint(p, w[1] >> 8);
        p = EventEncoder::varint(p, w[2] >> 32);
        p = EventEncoder::varint(p, w[2] & 0xFFFFFFFF);
        w += 3;
        break;
      default:
        std::memcpy(p, w + 2, w[1]);
        p += w[1];
        w += 2 + (w[1] + 7) / 8;
        break;
    }
  }
  assert(w == end);
  out.commit(p, events, last);
}

}  // namespace pw::trace
