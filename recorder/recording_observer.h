// The recorder's observer: counts every executed instruction by its flat index and encodes
// every event. It flushes nothing and never pauses: the driver (recorder.cpp) runs the
// interpreter in slices and writes a chunk between them.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "event_codec.h"
#include "gc.h"
#include "object.h"
#include "observer.h"

namespace pw::trace {

class RecordingObserver : public ObserverBase {
 public:
  static constexpr bool kStepHook = false;
  static constexpr bool kCountsBlocks = true;

  explicit RecordingObserver(VmState& vm)
      : counts_(vm.code.size(), 0),
        run_end_(straight_run_ends(vm)),
        corrections_(vm.code.size(), 0),
        code_(vm.code.data()),
        // Instructions and counters are both 8 bytes, so a counter sits at a fixed byte
        // distance from its instruction: counting is one add, with one value to keep. The
        // distance is held in a pointer-typed member (a counter store cannot alias a
        // pointer, so it stays in a register) but added as an integer: wrapping unsigned
        // arithmetic is defined, pointer arithmetic past an array is not.
        count_shift_(reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(counts_.data()) -
                                                   reinterpret_cast<std::uintptr_t>(vm.code.data()))),
        next_id_(vm.heap.next_id()),
        output_size_(vm.output.size()),
        vm_(vm) {
    vm.gc_log = &gc_cycles_;
  }
  ~RecordingObserver() { vm_.gc_log = nullptr; }
  RecordingObserver(const RecordingObserver&) = delete;
  RecordingObserver& operator=(const RecordingObserver&) = delete;

  void count_block(const Instr* ip) {
    static_assert(sizeof(Instr) == sizeof(std::uint64_t));
    ++*reinterpret_cast<std::uint64_t*>(reinterpret_cast<std::uintptr_t>(count_shift_) +
                                        reinterpret_cast<std::uintptr_t>(ip));
  }

  void on_call(VmState&, std::uint64_t step, std::uint32_t fn) { events.call(step, fn); }
  void on_tail_call(VmState&, std::uint64_t step, std::uint32_t fn) { events.tail_call(step, fn); }
  void on_return(VmState&, std::uint64_t step, const Value&) { events.ret(step); }
  void on_alloc(VmState& vm, const Object* o) {
    if (!gc_cycles_.empty()) log_collections(vm.step, UINT64_MAX);
    const Frame& f = vm.top();
    events.alloc(vm.step, static_cast<std::uint8_t>(o->kind), Heap::object_bytes(o), f.fn, vm.ip_index(f));
    next_id_ = o->id + 1;
  }
  void on_throw(VmState& vm, const Value& v) {
    const Frame& f = vm.top();
    events.thrown(vm.step, f.fn, vm.ip_index(f), static_cast<std::uint8_t>(v.type));
  }
  void on_catch(VmState& vm, const Value&) {
    const Frame& f = vm.top();
    events.caught(vm.step, f.fn, vm.ip_index(f), vm.depth);
  }
  void on_host(VmState& vm, HostFn fn, const Value& result);

  // The run stopped at the top frame's ip inside a straight-line run that was counted
  // whole: take back what did not execute. [started]: whether the instruction at ip began
  // (it failed) or not (a pause, or the step limit).
  void stopped_inside_block(const VmState& vm, bool started);
  // The profile since the last take: (flat instruction index, executions) for every
  // instruction that ran, expanded from the block entries.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> take_profile();
  std::uint64_t next_alloc_id() const { return next_id_; }
  // Logs the collections not logged yet (one that failed to make room, at the end of a run).
  void log_pending_collections(std::uint64_t step) { log_collections(step, UINT64_MAX); }

  EventEncoder events;

 private:
  // Logs the pending collections that ran before object [before_id] was allocated.
  void log_collections(std::uint64_t step, std::uint64_t before_id);
  static std::vector<std::uint32_t> straight_run_ends(const VmState& vm);
  // Objects a host call allocated (it has no on_alloc of its own): the heap's newest.
  void log_host_allocations(VmState& vm);

  std::vector<std::uint64_t> counts_;   // entries into straight-line runs, by first instruction
  std::vector<std::uint32_t> run_end_;  // last instruction of the run that starts at each one
  std::vector<std::int64_t> corrections_;  // per instruction, applied at the next take
  const Instr* code_;
  const char* count_shift_;
  std::uint64_t next_id_;
  std::size_t output_size_;
  std::vector<GcCycle> gc_cycles_;  // collections not yet logged (VmState::gc_log)
  std::size_t gc_logged_ = 0;       // how many of them are
  VmState& vm_;
};

}  // namespace pw::trace
