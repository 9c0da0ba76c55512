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

// A call, tail call or return, as a listener's call log holds it.
struct LoggedCall {
  enum Kind : std::uint8_t { Call, TailCall, Return };
  std::uint64_t step_and_kind;  // step << 2 | kind
  std::uint32_t fn;             // calls and tail calls
  std::uint64_t step() const { return step_and_kind >> 2; }
  Kind kind() const { return static_cast<Kind>(step_and_kind & 3); }
};

class ReplayListener {
 public:
  virtual ~ReplayListener() = default;
  BlockCounter* blocks = nullptr;  // counted inline when set

  // A listener that sets a call log (log_next and log_end around its own buffer) is told of
  // calls, tail calls and returns in batches: each one goes into the buffer inline, and
  // drain_calls() takes them in when it is full. It must also take them in before it
  // handles anything else (an allocation, a collection, the end of a slice), so that it sees
  // the events in order. Millions of calls then cost a store each, not a virtual call.
  LoggedCall* log_next = nullptr;
  LoggedCall* log_end = nullptr;
  virtual void drain_calls() {}
  void log_call(std::uint64_t step, LoggedCall::Kind kind, std::uint32_t fn) {
    *log_next++ = LoggedCall{step << 2 | kind, fn};
    if (log_next == log_end) drain_calls();
  }
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
  // A recorded event the replay matched, in the recording's order: collections, throws,
  // catches, host calls and output (and in a trace that records them all, the calls,
  // returns and allocations the fast path does not match inline).
  virtual void on_recorded(const VmState&, const trace::Event&) {}
  // An object a host call allocated (there is no on_alloc for those), in a trace with derived
  // events; in other traces, on_recorded tells of its recorded allocation.
  virtual void on_host_alloc(const VmState&, const Object*) {}
};

}  // namespace pw::replay
