// The recording observer's rarer hooks.
#include "recording_observer.h"

namespace pw::trace {

void RecordingObserver::log_collections(std::uint64_t step, std::uint64_t before_id) {
  while (gc_logged_ < gc_cycles_.size() && gc_cycles_[gc_logged_].next_id <= before_id) {
    const GcCycle& c = gc_cycles_[gc_logged_++];
    events.gc(step, static_cast<std::uint8_t>(c.trigger), c.live_objects_before, c.live_bytes_before,
              c.live_objects_after, c.live_bytes_after, c.pause_ns);
  }
  if (gc_logged_ == gc_cycles_.size()) {
    gc_cycles_.clear();
    gc_logged_ = 0;
  }
}

void RecordingObserver::log_host_allocations(VmState& vm) {
  // A host call may allocate several objects, collecting before any of them: the cycles'
  // next_id says which allocation each one preceded, so the events keep their real order.
  const auto& objects = vm.heap.objects();
  std::size_t first = objects.size();
  while (first > 0 && objects[first - 1]->id >= next_id_) --first;
  const Frame& f = vm.top();
  for (std::size_t i = first; i < objects.size(); ++i) {
    log_collections(vm.step, objects[i]->id);
    if (derive_)
      ++derived.allocs;
    else
      events.alloc(vm.step, static_cast<std::uint8_t>(objects[i]->kind), Heap::object_bytes(objects[i]), f.fn,
                   vm.ip_index(f));
  }
  log_collections(vm.step, UINT64_MAX);
  next_id_ = vm.heap.next_id();
}

void RecordingObserver::on_host(VmState& vm, HostFn fn, const Value& result) {
  const auto id = static_cast<std::uint8_t>(fn);
  switch (fn) {
    case HostFn::Print:
    case HostFn::Write:
      events.output(vm.step, std::string_view(vm.output).substr(output_size_));
      output_size_ = vm.output.size();
      events.host_nil(vm.step, id);
      break;
    case HostFn::ReadLine:
      log_host_allocations(vm);
      if (result.type == ValueType::String) events.host_string(vm.step, id, as_string(result)->view());
      else events.host_nil(vm.step, id);
      break;
    case HostFn::Args: {
      log_host_allocations(vm);
      std::vector<std::string_view> list;
      const ArrayObj* a = as_array(result);
      for (std::uint32_t i = 0; i < a->length; ++i) list.push_back(as_string(a->items()[i])->view());
      events.host_strings(vm.step, id, list);
      break;
    }
    case HostFn::Clock:
    case HostFn::Random: events.host_int(vm.step, id, result.i); break;
  }
}

}  // namespace pw::trace
