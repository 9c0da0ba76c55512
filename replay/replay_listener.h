// A listener to a re-execution: told what the replayed run does, as an observer is told of
// a live one, for analyses that need more than positions (performance reports). Its
// BlockCounter, when set, counts executed instructions exactly at the cost of one add per
// straight-line run; its hooks are called for calls, returns, allocations, exceptions and
// collections.
#pragma once
#include <cstdint>

#include "block_counter.h"
#include "event_codec.h"
#include "heap.h"
#include "object.h"
#include "vm.h"

namespace pw::replay {

class ReplayListener {
 public:
  virtual ~ReplayListener() = default;
  BlockCounter* blocks = nullptr;  // counted inline when set
  virtual void on_call(const VmState&, std::uint64_t /*step*/, std::uint32_t /*fn*/) {}
  virtual void on_tail_call(const VmState&, std::uint64_t /*step*/, std::uint32_t /*fn*/) {}
  virtual void on_return(const VmState&, std::uint64_t /*step*/) {}
  virtual void on_alloc(const VmState&, const Object*) {}
  virtual void on_throw(const VmState&) {}
  virtual void on_catch(const VmState&) {}
  // A collection ran ([replayed]: the replay's figures; objects with ids from
  // replayed.next_id on came after it) and matched [recorded], which carries the pause
  // measured on the recording machine.
  virtual void on_collection(const VmState&, const GcCycle& /*replayed*/, const trace::Event& /*recorded*/) {}
};

}  // namespace pw::replay
