// Every event of a recorded run, in the order the run made them. A trace that
// records them all is read chunk by chunk; one with derived events (format 1.5)
// has only the recorded inputs and rare events in its chunks, so the calls,
// tail calls, returns and allocations are made again by replaying the range,
// and merged in where the run made them.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "event_codec.h"
#include "trace_reader.h"

namespace pw::replay {

// The bit of [kind] in a set of kinds.
constexpr std::uint32_t kind_bit(trace::EventKind kind) { return std::uint32_t{1} << static_cast<unsigned>(kind); }

// Calls [each] for every event of [reader]'s trace whose step is in [from, to],
// in order. [wanted] (kind_bit() of each kind wanted, 0: every kind) limits it
// to some kinds; a trace with derived events is replayed only when a derived kind
// is wanted, or [depths] asks for the call depth of every event (its chunks
// cannot tell the depth of the others: only the calls and returns say it, and a
// catch records its own). A damaged chunk read directly is skipped, and one
// line about it is added to [damage]; a replay stops at the first damage and
// throws (trace::TraceReadError, or Divergence when the replay does not match
// the recording). [path] is the trace's file, for the replay.
void for_each_event(const trace::TraceReader& reader, const std::string& path, std::uint64_t from, std::uint64_t to,
                    std::uint32_t wanted, bool depths, const std::function<void(const trace::Event&)>& each,
                    std::vector<std::string>& damage);

// The same for every kind, collected: what a test compares.
std::vector<trace::Event> all_events(const std::string& path);

}  // namespace pw::replay
