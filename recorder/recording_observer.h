// The recorder's observer: encodes every event that the trace keeps, a room check and a few
// stores for the frequent ones. With derived events (format 1.5, the default) calls, tail
// calls, returns and allocations are only counted, an add each: a replay makes them again
// from the program and the recorded inputs, and checks the counts. Which of the two is a
// template argument (RecordingHooks), so the hot hooks test nothing at run time. It flushes nothing and never
// pauses: the driver (recorder.cpp) runs the interpreter in slices and hands the events to
// the writer thread between them. It counts nothing per instruction: how often each
// instruction ran is recomputed by replaying (pwreplay perf), not recorded.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "event_codec.h"
#include "gc.h"
#include "object.h"
#include "observer.h"
#include "recorder.h"

namespace pw::trace {

// What the recorder keeps between slices, and the rare hooks; RecordingHooks adds the hot ones.
class RecordingObserver : public ObserverBase {
 public:
  static constexpr bool kStepHook = false;

  RecordingObserver(VmState& vm, bool derive_events)
      : derive_(derive_events), next_id_(vm.heap.next_id()), output_size_(vm.output.size()), vm_(vm) {
    vm.gc_log = &gc_cycles_;
  }
  virtual ~RecordingObserver() { vm_.gc_log = nullptr; }
  RecordingObserver(const RecordingObserver&) = delete;
  RecordingObserver& operator=(const RecordingObserver&) = delete;

  void on_throw(VmState& vm, const Value& v) {
    const Frame& f = vm.top();
    events.thrown(vm.step, f.fn, vm.ip_index(f), static_cast<std::uint8_t>(v.type));
  }
  void on_catch(VmState& vm, const Value&) {
    const Frame& f = vm.top();
    events.caught(vm.step, f.fn, vm.ip_index(f), vm.depth);
  }
  void on_host(VmState& vm, HostFn fn, const Value& result);

  std::uint64_t next_alloc_id() const { return next_id_; }
  // Logs the collections not logged yet (one that failed to make room, at the end of a run).
  void log_pending_collections(std::uint64_t step) { log_collections(step, UINT64_MAX); }

  EventEncoder events;
  DerivedCounts derived;  // since the chunk began, when events are derived
  // For a driver that asks before every instruction (Recorder's live sessions).
  StepHook* hook = nullptr;
  bool paused_by_hook = false;

 protected:
  // Before an allocation: the collections before it go first.
  void allocated(VmState& vm, const Object* o) {
    if (!gc_cycles_.empty()) log_collections(vm.step, UINT64_MAX);
    next_id_ = o->id + 1;
  }

 private:
  // Logs the pending collections that ran before object [before_id] was allocated.
  void log_collections(std::uint64_t step, std::uint64_t before_id);
  // Objects a host call allocated (it has no on_alloc of its own): the heap's newest.
  void log_host_allocations(VmState& vm);

  const bool derive_;
  std::uint64_t next_id_;
  std::size_t output_size_;
  std::vector<GcCycle> gc_cycles_;  // collections not yet logged (VmState::gc_log)
  std::size_t gc_logged_ = 0;       // how many of them are
  VmState& vm_;
};

template <bool kDerive>
class RecordingHooks : public RecordingObserver {
 public:
  using RecordingObserver::RecordingObserver;
  void on_call(VmState&, std::uint64_t step, std::uint32_t fn) {
    if constexpr (kDerive) ++derived.calls;
    else events.call(step, fn);
  }
  void on_tail_call(VmState&, std::uint64_t step, std::uint32_t fn) {
    if constexpr (kDerive) ++derived.tail_calls;
    else events.tail_call(step, fn);
  }
  void on_return(VmState&, std::uint64_t step, const Value&) {
    if constexpr (kDerive) ++derived.returns;
    else events.ret(step);
  }
  void on_alloc(VmState& vm, const Object* o) {
    allocated(vm, o);
    if constexpr (kDerive) {
      ++derived.allocs;
    } else {
      const Frame& f = vm.top();
      events.alloc(vm.step, static_cast<std::uint8_t>(o->kind), Heap::object_bytes(o), f.fn, vm.ip_index(f));
    }
  }
};

}  // namespace pw::trace
