// Re-execution checked against the recording. The EventChecker walks a chunk's recorded
// events while the replayed run produces its own, and notes the first difference as a
// divergence. In a trace with derived events (format 1.5) the replay's calls, tail calls,
// returns and allocations have no recorded counterpart: they are counted, and the counts
// must be the chunk's at its end; RecordedHost answers the program's host calls with the recorded results, so
// a replay never touches the real terminal, clock or random source.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "event_codec.h"
#include "gc.h"
#include "host.h"
#include "replay_listener.h"
#include "trace_reader.h"
#include "vm.h"

namespace pw::replay {

// The replay did not do what the recorded run did: a trace from another build, a damaged
// snapshot, a program that is not deterministic. [step] is where it was noticed.
class Divergence : public std::runtime_error {
 public:
  Divergence(std::uint64_t step, const std::string& what);
  std::uint64_t step;
};

class EventChecker {
 public:
  // Where the checker is in the recording: cheap to copy, so a saved position (a cached
  // state) can resume checking without decoding its chunk from the start.
  struct Cursor {
    std::shared_ptr<const trace::ChunkData> chunk;
    trace::EventReader reader;
    trace::Event next;   // the next recorded event, when has_next
    bool has_next = false;
    trace::DerivedCounts made;  // derived events the replay made since the chunk began
  };

  // Checks the run of [vm] from now on; sets vm.gc_log to watch collections.
  explicit EventChecker(VmState& vm);
  ~EventChecker();
  EventChecker(const EventChecker&) = delete;
  EventChecker& operator=(const EventChecker&) = delete;

  // Start checking at the beginning of [chunk] (the VM is at its first step).
  void begin_chunk(std::shared_ptr<const trace::ChunkData> chunk);
  // Resume from a saved cursor (the VM is at the step the cursor was saved at).
  void resume(const Cursor& cursor);
  const Cursor& cursor() const { return cursor_; }
  // The failure the recording ended with, so a host call that failed then fails again.
  void set_recorded_failure(std::optional<VmError> error) { recorded_failure_ = std::move(error); }
  const std::optional<VmError>& recorded_failure() const { return recorded_failure_; }
  // Told of every collection matched from now on (nullptr: nobody).
  void set_listener(ReplayListener* listener) { listener_ = listener; }

  // After a slice of execution that stopped at [position]: every recorded event before it
  // must have been matched, and at the chunk's end every event at all.
  void end_slice(const VmState& vm, std::uint64_t position);

  bool diverged() const { return divergence_.has_value(); }
  // Throws the first divergence, if any.
  void check() const;

  // Observer hooks (see ReplayObserver).
  // Calls and returns are most events: matched inline, the rest out of line.
  void call(std::uint64_t step, std::uint32_t fn) {
    if (derived_) ++cursor_.made.calls;
    else if (matches(trace::EventKind::Call, step) && cursor_.next.fn == fn) advance();
    else call_mismatch(step, fn);
  }
  void tail_call(std::uint64_t step, std::uint32_t fn);
  void ret(std::uint64_t step) {
    if (derived_) ++cursor_.made.returns;
    else if (matches(trace::EventKind::Return, step)) advance();
    else ret_mismatch(step);
  }
  // Allocations are most of the rest in a program that builds data: matched inline too,
  // once the collections before them are.
  void alloc(const VmState& vm, const Object* o) {
    if (!cycles_.empty()) match_collections(vm, UINT64_MAX);
    next_id_ = o->id + 1;
    if (derived_) {
      ++cursor_.made.allocs;
      return;
    }
    const Frame& f = vm.top();
    const trace::Event& e = cursor_.next;
    if (matches(trace::EventKind::Alloc, vm.step) && e.id == o->id && e.type == static_cast<std::uint8_t>(o->kind) &&
        e.bytes == Heap::object_bytes(o) && e.fn == f.fn && e.ip == vm.ip_index(f))
      advance();
    else
      alloc_mismatch(vm, o);
  }
  void thrown(const VmState& vm, const Value& v);
  void caught(const VmState& vm);
  void host(const VmState& vm, HostFn fn);

  // What the recorded run's host answered to [fn] at vm.step; nullopt (and a divergence)
  // when the recording has no such call there.
  const trace::Event* recorded_host_result(const VmState& vm, HostFn fn);

 private:
  bool matches(trace::EventKind kind, std::uint64_t step) const {
    return !divergence_ && cursor_.has_next && cursor_.next.kind == kind && cursor_.next.step == step;
  }
  void call_mismatch(std::uint64_t step, std::uint32_t fn);
  void ret_mismatch(std::uint64_t step);
  void alloc_mismatch(const VmState& vm, const Object* o);
  // Decodes the next recorded event. It runs for every event, inside the interpreter's
  // loop: a call there would cost more than the decoding of a call or return.
  [[gnu::always_inline]] void advance() {
    try {
      cursor_.has_next = cursor_.reader.next(cursor_.next);
    } catch (const trace::EventDecodeError& e) {
      decode_failed(e);
    }
  }
  [[noreturn]] void decode_failed(const trace::EventDecodeError& e) const;
  // The next recorded event must be of [kind] at [step]; returns it, or nullptr after
  // noting a divergence; [what]() describes what the replay did (built only then).
  template <class What>
  const trace::Event* expect(trace::EventKind kind, std::uint64_t step, What what);
  void diverge(std::uint64_t step, std::string what);
  void match_collections(const VmState& vm, std::uint64_t before_id);
  std::string describe_next() const;

  VmState& vm_;
  Cursor cursor_;
  bool derived_ = false;  // the chunk's trace derives calls, returns and allocations
  trace::Event matched_;      // the event expect() matched last
  trace::Event host_answer_;  // what recorded_host_result() found
  std::vector<GcCycle> cycles_;  // collections of the replay not yet matched
  std::size_t cycles_matched_ = 0;
  std::size_t output_size_ = 0;
  std::uint64_t next_id_ = 0;  // the id the next allocation gets: host calls' objects are the newer ones
  std::optional<VmError> recorded_failure_;
  std::optional<Divergence> divergence_;
  ReplayListener* listener_ = nullptr;
};

// The host of a replay: every answer comes from the recording; output goes nowhere (the
// VM keeps it in its state).
class RecordedHost final : public Host {
 public:
  RecordedHost() = default;
  void attach(VmState* vm, EventChecker* checker) {
    vm_ = vm;
    checker_ = checker;
  }
  void write_output(std::string_view) override {}
  std::optional<std::string> read_line() override;
  std::vector<std::string> args() override;
  std::int64_t clock_ns() override;
  std::int64_t random_below(std::int64_t n) override;

 private:
  const trace::Event& answer(HostFn fn);
  VmState* vm_ = nullptr;
  EventChecker* checker_ = nullptr;
};

}  // namespace pw::replay
