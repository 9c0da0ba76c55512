// Mark-and-sweep collection.
//
// Roots, all of them:
//   - the value stack [stack, sp): locals, operands, callee slots of dynamic calls
//   - every frame's running closure (frames of plain functions have none)
//   - globals
//   - the constant pool (its strings are heap objects that live for the whole run)
//   - temp_roots: values the runtime holds in C++ while it allocates
//   - the result of a halted run
// Exception handlers hold no values (a thrown value is on the stack until caught).
//
// Invariant: after propagate(), every object reachable from a root is marked; sweep frees
// exactly the unmarked ones. Objects never move, so no pointer needs fixing.
//
// Pacing is a byte debt, never a clock: the same program with the same inputs collects at
// the same steps and allocates the same ids on every run.
#include "gc.h"

#include <algorithm>
#include <chrono>

namespace pw {
namespace {

void mark_roots(VmState& vm) {
  Heap& heap = vm.heap;
  for (const Value* v = vm.stack; v < vm.sp; ++v) heap.mark(*v);
  for (std::uint32_t i = 0; i < vm.depth; ++i) heap.mark(vm.frames[i].closure);
  for (const Value& v : vm.globals) heap.mark(v);
  for (const Value& v : vm.constants) heap.mark(v);
  for (const Value& v : vm.temp_roots) heap.mark(v);
  heap.mark(vm.result);
}

}  // namespace

void collect_garbage(VmState& vm, GcTrigger trigger) {
  const auto start = std::chrono::steady_clock::now();
  GcCycle cycle;
  cycle.trigger = trigger;
  cycle.live_objects_before = vm.heap.stats().live_objects;
  cycle.live_bytes_before = vm.heap.stats().live_bytes;
  mark_roots(vm);
  vm.heap.propagate();
  vm.heap.sweep();
  vm.heap.reset_since_collection();
  GcStats& s = vm.heap.stats();
  vm.gc_threshold = std::max<std::uint64_t>(vm.config().gc.min_threshold, s.live_bytes);
  s.collections++;
  const auto pause = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
  s.total_pause_ns += pause;
  s.max_pause_ns = std::max(s.max_pause_ns, pause);
  cycle.live_objects_after = s.live_objects;
  cycle.live_bytes_after = s.live_bytes;
  cycle.pause_ns = pause;
  cycle.next_id = vm.heap.next_id();
  if (vm.gc_log) vm.gc_log->push_back(cycle);
}

Object* allocate_object(VmState& vm, ValueType kind, std::size_t bytes, std::uint32_t length,
                        ErrorKind* failure) {
  const GcConfig& gc = vm.config().gc;
  const std::uint64_t max_heap = vm.config().limits.max_heap;
  if (bytes > max_heap) {
    *failure = ErrorKind::MemoryError;
    return nullptr;
  }
  if (gc.enabled) {
    if (gc.stress) collect_garbage(vm, GcTrigger::Stress);
    else if (vm.heap.bytes_since_collection() + bytes > vm.gc_threshold) collect_garbage(vm, GcTrigger::Threshold);
    else if (vm.heap.stats().live_bytes + bytes > max_heap) collect_garbage(vm, GcTrigger::HeapLimit);
  }
  if (vm.heap.stats().live_bytes + bytes > max_heap) {
    *failure = gc.enabled ? ErrorKind::HeapExhausted : ErrorKind::GcDisabled;
    return nullptr;
  }
  Object* o = vm.heap.allocate(kind, bytes, length);
  if (!o) *failure = ErrorKind::MemoryError;
  return o;
}

}  // namespace pw
