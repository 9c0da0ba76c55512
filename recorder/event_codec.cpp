// Event encoding helpers that are not on the hot path, and the decoder.
#include "event_codec.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace pw::trace {
namespace {

constexpr std::array<std::string_view, kEventKindCount> kNames = {"call",  "return", "tailcall", "alloc", "gc",
                                                                   "throw", "catch",  "host",     "output"};

class Cursor {
 public:
  explicit Cursor(std::string_view b, std::size_t pos = 0) : b_(b), pos_(pos) {}
  bool done() const { return pos_ >= b_.size(); }
  std::size_t pos() const { return pos_; }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= b_.size()) fail("a varint runs past the end");
      const auto byte = static_cast<std::uint8_t>(b_[pos_++]);
      v |= std::uint64_t{byte & 0x7Fu} << shift;
      if (!(byte & 0x80)) return v;
    }
    fail("a varint is longer than 10 bytes");
  }
  std::uint32_t u32() {
    const std::uint64_t v = varint();
    if (v > UINT32_MAX) fail("a 32-bit field is out of range");
    return static_cast<std::uint32_t>(v);
  }
  std::uint8_t byte() {
    if (pos_ >= b_.size()) fail("an event runs past the end");
    return static_cast<std::uint8_t>(b_[pos_++]);
  }
  std::string text() {
    const std::uint64_t n = varint();
    if (n > b_.size() - pos_) fail("a string runs past the end");
    std::string s(b_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  [[noreturn]] void fail(const char* what) const {
    throw EventDecodeError(fmt::format("malformed event data at byte {}: {}", pos_, what));
  }

 private:
  std::string_view b_;
  std::size_t pos_ = 0;
};

std::uint64_t zigzag(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }
std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }

}  // namespace

std::string_view event_kind_name(EventKind kind) { return kNames[static_cast<std::size_t>(kind)]; }

std::optional<EventKind> event_kind_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<EventKind>(i);
  return std::nullopt;
}

void EventEncoder::adopt(EventBytes bytes) {
  // A fresh buffer starts as big as the biggest so far: chunks are alike, and growing one
  // copies it.
  if (bytes.capacity < capacity_hint_) {
    bytes.data = std::make_unique_for_overwrite<char[]>(capacity_hint_);
    bytes.capacity = capacity_hint_;
  }
  bytes.size = 0;
  bytes.count = 0;
  buf_ = std::move(bytes);
  next_ = buf_.data.get();
  limit_ = next_ + buf_.capacity - kEventRoom;
}

void EventEncoder::grow(std::size_t bytes) {
  const auto used = static_cast<std::size_t>(next_ - begin());
  const std::size_t capacity = std::max(buf_.capacity * 2, used + bytes + kEventRoom);
  auto data = std::make_unique_for_overwrite<char[]>(capacity);
  std::copy(begin(), next_, data.get());
  buf_.data = std::move(data);
  buf_.capacity = capacity;
  capacity_hint_ = std::max(capacity_hint_, capacity);
  next_ = buf_.data.get() + used;
  limit_ = buf_.data.get() + capacity - kEventRoom;
}

EventBytes EventEncoder::take(EventBytes reuse) {
  buf_.size = static_cast<std::size_t>(next_ - begin());
  buf_.count = count_;
  EventBytes out = std::move(buf_);
  adopt(std::move(reuse));
  count_ = 0;
  return out;
}

void EventEncoder::put_byte(char c) {
  if (next_ > limit_) grow(1);
  *next_++ = c;
}

void EventEncoder::put_varint(std::uint64_t v) {
  if (next_ > limit_) grow(10);
  next_ = varint(next_, v);
}

void EventEncoder::put_text(std::string_view s) {
  put_varint(s.size());
  if (static_cast<std::size_t>(begin() + buf_.capacity - next_) < s.size() + kEventRoom) grow(s.size());
  next_ = std::copy(s.begin(), s.end(), next_);
}

void EventEncoder::gc(std::uint64_t step, std::uint8_t trigger, std::uint64_t objects_before,
                      std::uint64_t bytes_before, std::uint64_t objects_after, std::uint64_t bytes_after,
                      std::uint64_t pause_ns) {
  next_ = header(step, EventKind::Gc);
  put_byte(static_cast<char>(trigger));
  put_varint(objects_before);
  put_varint(bytes_before);
  put_varint(objects_after);
  put_varint(bytes_after);
  put_varint(pause_ns);
}

void EventEncoder::thrown(std::uint64_t step, std::uint32_t fn, std::uint32_t ip, std::uint8_t type) {
  next_ = header(step, EventKind::Throw);
  put_varint(fn);
  put_varint(ip);
  put_byte(static_cast<char>(type));
}

void EventEncoder::caught(std::uint64_t step, std::uint32_t fn, std::uint32_t ip, std::uint32_t depth) {
  next_ = header(step, EventKind::Catch);
  put_varint(fn);
  put_varint(ip);
  put_varint(depth);
}

void EventEncoder::host_nil(std::uint64_t step, std::uint8_t host_fn) {
  next_ = header(step, EventKind::Host);
  put_byte(static_cast<char>(host_fn));
  put_byte(static_cast<char>(HostResultTag::Nil));
}

void EventEncoder::host_int(std::uint64_t step, std::uint8_t host_fn, std::int64_t value) {
  next_ = header(step, EventKind::Host);
  put_byte(static_cast<char>(host_fn));
  put_byte(static_cast<char>(HostResultTag::Int));
  put_varint(zigzag(value));
}

void EventEncoder::host_string(std::uint64_t step, std::uint8_t host_fn, std::string_view value) {
  next_ = header(step, EventKind::Host);
  put_byte(static_cast<char>(host_fn));
  put_byte(static_cast<char>(HostResultTag::String));
  put_text(value);
}

void EventEncoder::host_strings(std::uint64_t step, std::uint8_t host_fn, const std::vector<std::string_view>& values) {
  next_ = header(step, EventKind::Host);
  put_byte(static_cast<char>(host_fn));
  put_byte(static_cast<char>(HostResultTag::StringList));
  put_varint(values.size());
  for (std::string_view v : values) put_text(v);
}

void EventEncoder::output(std::uint64_t step, std::string_view s) {
  next_ = header(step, EventKind::Output);
  put_text(s);
}

bool EventReader::next_in_general(Event& e) {
  if (pos_ >= bytes_.size()) return false;
  Cursor c(bytes_, pos_);
  const std::uint64_t head = c.varint();
  const std::uint64_t kind = head & 0xF;
  const std::uint64_t delta = head >> 4;
  if (kind >= static_cast<std::uint64_t>(kEventKindCount)) c.fail("unknown event kind");
  if (delta >= to_step_ - step_) c.fail("an event's step is past the chunk's end");
  step_ += delta;
  e.kind = static_cast<EventKind>(kind);
  e.step = step_;
  e.fn = e.ip = 0;
  e.type = 0;
  e.id = e.bytes = 0;
  e.objects_before = e.bytes_before = e.objects_after = e.bytes_after = e.pause_ns = 0;
  e.result_tag = HostResultTag::Nil;
  e.result_int = 0;
  e.result_strings.clear();
  switch (e.kind) {
    case EventKind::Call:
      e.fn = c.u32();
      e.depth = ++depth_;
      break;
    case EventKind::Return:
      if (depth_ == 0) c.fail("a return with no frame to leave");
      e.depth = --depth_;
      break;
    case EventKind::TailCall:
      e.fn = c.u32();
      e.depth = depth_;
      break;
    case EventKind::Alloc:
      e.type = c.byte();
      e.bytes = c.varint();
      e.fn = c.u32();
      e.ip = c.u32();
      e.id = next_id_++;
      e.depth = depth_;
      break;
    case EventKind::Gc:
      e.type = c.byte();
      e.objects_before = c.varint();
      e.bytes_before = c.varint();
      e.objects_after = c.varint();
      e.bytes_after = c.varint();
      e.pause_ns = c.varint();
      e.depth = depth_;
      break;
    case EventKind::Throw:
      e.fn = c.u32();
      e.ip = c.u32();
      e.type = c.byte();
      e.depth = depth_;
      break;
    case EventKind::Catch:
      e.fn = c.u32();
      e.ip = c.u32();
      e.depth = c.u32();
      depth_ = e.depth;
      break;
    case EventKind::Host: {
      e.type = c.byte();
      const std::uint8_t tag = c.byte();
      if (tag > static_cast<std::uint8_t>(HostResultTag::StringList)) c.fail("unknown host result tag");
      e.result_tag = static_cast<HostResultTag>(tag);
      if (e.result_tag == HostResultTag::Int) e.result_int = unzigzag(c.varint());
      else if (e.result_tag == HostResultTag::String) e.result_strings.push_back(c.text());
      else if (e.result_tag == HostResultTag::StringList) {
        const std::uint64_t n = c.varint();
        if (n > bytes_.size()) c.fail("a string list is longer than the chunk");
        for (std::uint64_t i = 0; i < n; ++i) e.result_strings.push_back(c.text());
      }
      e.depth = depth_;
      break;
    }
    case EventKind::Output:
      e.result_strings.push_back(c.text());
      e.depth = depth_;
      break;
  }
  pos_ = c.pos();
  ++count_;
  return true;
}

std::vector<Event> decode_events(std::string_view bytes, std::uint64_t from_step, std::uint64_t to_step,
                                 std::uint32_t start_depth, std::uint64_t first_alloc_id) {
  // Counted first, so the vector is sized once: growing it by doubling copies every event
  // (a vector of strings each) into fresh pages at each step, which cost more than decoding
  // twice. A damaged chunk throws on the first pass, as it would on the second.
  std::size_t count = 0;
  {
    EventReader counter(bytes, from_step, to_step, start_depth, first_alloc_id);
    for (Event e; counter.next(e); e = Event{}) ++count;
  }
  std::vector<Event> out;
  out.reserve(count);
  EventReader reader(bytes, from_step, to_step, start_depth, first_alloc_id);
  for (Event e; reader.next(e); e = Event{}) out.push_back(std::move(e));
  return out;
}

}  // namespace pw::trace
