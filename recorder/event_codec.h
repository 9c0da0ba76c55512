// Trace events: the compact encoding inside an EventChunk (documented in trace.capnp), with
// the encoder the recorder uses on the hot path and the decoder readers use.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pw::trace {

enum class EventKind : std::uint8_t {
  Call = 0,
  Return = 1,
  TailCall = 2,
  Alloc = 3,
  Gc = 4,
  Throw = 5,
  Catch = 6,
  Host = 7,
  Output = 8,
};
inline constexpr int kEventKindCount = 9;
std::string_view event_kind_name(EventKind kind);
std::optional<EventKind> event_kind_from_name(std::string_view name);

enum class HostResultTag : std::uint8_t { Nil = 0, Int = 1, String = 2, StringList = 3 };

// One decoded event. Which fields mean something depends on kind (see trace.capnp).
struct Event {
  EventKind kind = EventKind::Call;
  std::uint64_t step = 0;
  std::uint32_t fn = 0;      // call, tailcall, alloc (site), throw (site), catch (handler)
  std::uint32_t ip = 0;      // alloc, throw, catch
  std::uint32_t depth = 0;   // call depth after the event (tracked while decoding; catch: recorded)
  std::uint8_t type = 0;     // alloc: object kind; throw: value type; gc: trigger; host: HostFn
  std::uint64_t id = 0;      // alloc: object id
  std::uint64_t bytes = 0;   // alloc: size
  std::uint64_t objects_before = 0, bytes_before = 0, objects_after = 0, bytes_after = 0, pause_ns = 0;  // gc
  HostResultTag result_tag = HostResultTag::Nil;  // host
  std::int64_t result_int = 0;                   // host
  std::vector<std::string> result_strings;       // host: one string, or the list; output: the bytes
  friend bool operator==(const Event&, const Event&) = default;
};

// The events a trace of format 1.5 leaves out, because a replay makes them again: how many
// a chunk's steps hold (see trace.capnp, Header.derivedEvents).
struct DerivedCounts {
  std::uint64_t calls = 0;
  std::uint64_t tail_calls = 0;
  std::uint64_t returns = 0;
  std::uint64_t allocs = 0;
  friend bool operator==(const DerivedCounts&, const DerivedCounts&) = default;
};

// Whether a kind is one that a trace with derived events leaves out.
constexpr bool is_derived_kind(EventKind kind) {
  return kind == EventKind::Call || kind == EventKind::TailCall || kind == EventKind::Return || kind == EventKind::Alloc;
}

class EventDecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Encoded events, handed with their buffer from the recorder to the writer thread and back.
struct EventBytes {
  std::unique_ptr<char[]> data;
  std::size_t capacity = 0;
  std::size_t size = 0;
  std::uint32_t count = 0;  // events in it
  std::string_view view() const { return {data.get(), size}; }
};

// Appends events to a byte buffer. Steps must not decrease. The hot events (calls, returns,
// tail calls, allocations) are inline and cost one room check and a few stores.
class EventEncoder {
 public:
  explicit EventEncoder(std::uint64_t from_step = 0) : last_step_(from_step) { adopt(EventBytes{}); }
  EventEncoder(const EventEncoder&) = delete;
  EventEncoder& operator=(const EventEncoder&) = delete;

  void reset(std::uint64_t from_step) {
    next_ = begin();
    count_ = 0;
    last_step_ = from_step;
  }
  void call(std::uint64_t step, std::uint32_t fn) { next_ = varint(header(step, EventKind::Call), fn); }
  void ret(std::uint64_t step) { next_ = header(step, EventKind::Return); }
  void tail_call(std::uint64_t step, std::uint32_t fn) { next_ = varint(header(step, EventKind::TailCall), fn); }
  void alloc(std::uint64_t step, std::uint8_t kind, std::uint64_t bytes, std::uint32_t fn, std::uint32_t ip) {
    char* p = header(step, EventKind::Alloc);
    *p++ = static_cast<char>(kind);
    p = varint(p, bytes);
    p = varint(p, fn);
    next_ = varint(p, ip);
  }
  void gc(std::uint64_t step, std::uint8_t trigger, std::uint64_t objects_before, std::uint64_t bytes_before,
          std::uint64_t objects_after, std::uint64_t bytes_after, std::uint64_t pause_ns);
  void thrown(std::uint64_t step, std::uint32_t fn, std::uint32_t ip, std::uint8_t type);
  void caught(std::uint64_t step, std::uint32_t fn, std::uint32_t ip, std::uint32_t depth);
  void host_nil(std::uint64_t step, std::uint8_t host_fn);
  void host_int(std::uint64_t step, std::uint8_t host_fn, std::int64_t value);
  void host_string(std::uint64_t step, std::uint8_t host_fn, std::string_view value);
  void host_strings(std::uint64_t step, std::uint8_t host_fn, const std::vector<std::string_view>& values);
  void output(std::uint64_t step, std::string_view text);

  std::string_view bytes() const { return {begin(), static_cast<std::size_t>(next_ - begin())}; }
  std::uint32_t count() const { return count_; }
  std::uint64_t last_step() const { return last_step_; }
  bool empty() const { return next_ == begin(); }
  // Hands over the events so far with their buffer, and goes on in [reuse] (its contents
  // dropped) from the same step.
  EventBytes take(EventBytes reuse);

 private:
  static constexpr std::size_t kInitialBytes = 1 << 16;
  // A header plus the hot events' fields never need more than this.
  static constexpr std::size_t kEventRoom = 48;

  char* begin() const { return buf_.data.get(); }
  // Makes room for one event and writes its header; returns where its fields go.
  char* header(std::uint64_t step, EventKind kind) {
    if (next_ > limit_) [[unlikely]]
      grow(kEventRoom);
    char* p = varint(next_, ((step - last_step_) << 4) | static_cast<std::uint64_t>(kind));
    last_step_ = step;
    ++count_;
    return p;
  }
  static char* varint(char* p, std::uint64_t v) {
    while (v >= 0x80) {
      *p++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
    return p;
  }
  void grow(std::size_t bytes);
  void adopt(EventBytes bytes);
  // For the rare events with variable-length fields.
  void put_byte(char c);
  void put_varint(std::uint64_t v);
  void put_text(std::string_view s);

  EventBytes buf_;
  std::size_t capacity_hint_ = kInitialBytes;
  char* next_ = nullptr;
  char* limit_ = nullptr;  // room for one hot event while next_ <= limit_
  std::uint32_t count_ = 0;
  std::uint64_t last_step_;
};

// Reads a chunk's events one at a time, without holding them all: what a replayer checking
// a run against its recording wants. Copying a reader is cheap and gives a look-ahead.
class EventReader {
 public:
  EventReader() = default;
  // [from_step], [start_depth] and [first_alloc_id] come from the chunk; [to_step] bounds
  // every step.
  EventReader(std::string_view bytes, std::uint64_t from_step, std::uint64_t to_step, std::uint32_t start_depth,
              std::uint64_t first_alloc_id)
      : bytes_(bytes), step_(from_step), to_step_(to_step), depth_(start_depth), next_id_(first_alloc_id) {}
  // The next event into [e]; false at the end. Throws EventDecodeError on malformed input.
  // Sets the kind, step and depth, and the fields of that kind; a call or return leaves
  // the fields it does not have as they were (they are not read for it).
  bool next(Event& e) {
    // Calls and returns are most events, and most have a one-byte header (a step delta
    // below 8) and a one-byte function: a replay decodes millions of them, so they skip
    // the general path.
    if (pos_ + 1 < bytes_.size()) {
      const auto first = static_cast<std::uint8_t>(bytes_[pos_]);
      const auto second = static_cast<std::uint8_t>(bytes_[pos_ + 1]);
      const std::uint8_t delta = first >> 4;
      if (first < 0x80 && delta < to_step_ - step_) {
        if ((first & 0xF) == static_cast<std::uint8_t>(EventKind::Return) && depth_ > 0) {
          pos_ += 1;
          return took(e, EventKind::Return, delta, --depth_);
        }
        if ((first & 0xF) == static_cast<std::uint8_t>(EventKind::Call) && second < 0x80) {
          e.fn = second;
          pos_ += 2;
          return took(e, EventKind::Call, delta, ++depth_);
        }
      }
    }
    return next_in_general(e);
  }
  bool done() const { return pos_ >= bytes_.size(); }
  std::uint32_t count() const { return count_; }  // events read so far

 private:
  bool next_in_general(Event& e);
  bool took(Event& e, EventKind kind, std::uint64_t delta, std::uint32_t depth) {
    step_ += delta;
    e.kind = kind;
    e.step = step_;
    e.depth = depth;
    ++count_;
    return true;
  }

  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::uint64_t step_ = 0;
  std::uint64_t to_step_ = 0;
  std::uint32_t depth_ = 0;
  std::uint64_t next_id_ = 0;
  std::uint32_t count_ = 0;
};

// Decodes a chunk's events. [from_step], [start_depth] and [first_alloc_id] come from the
// chunk; [to_step] bounds every step. Throws EventDecodeError on malformed input.
std::vector<Event> decode_events(std::string_view bytes, std::uint64_t from_step, std::uint64_t to_step,
                                 std::uint32_t start_depth, std::uint64_t first_alloc_id);

}  // namespace pw::trace
