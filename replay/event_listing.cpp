// Listing a trace's events, made again by a replay where the trace derives
// them.
#include "event_listing.h"

#include <fmt/format.h>

#include <algorithm>

#include "block_counter.h"
#include "replay_listener.h"
#include "timeline.h"

namespace pw::replay {
namespace {

using trace::Event;
using trace::EventKind;

// Turns what a replay does into the events a recording of every event would
// hold: the replay's calls, returns and allocations, and the recorded events as
// the checker matches them, each with the call depth after it.
class EventMaker final : public ReplayListener {
 public:
  EventMaker(const VmState& vm, std::function<void(const Event&)> each) : counter_(vm), each_(std::move(each)) {
    blocks = &counter_;
  }

  void on_call(const VmState& vm, std::uint64_t step, std::uint32_t fn) override {
    made(EventKind::Call, step, fn, vm.depth);
  }
  void on_tail_call(const VmState& vm, std::uint64_t step, std::uint32_t fn) override {
    made(EventKind::TailCall, step, fn, vm.depth);
  }
  // Told before the frame goes: the depth after it is one less.
  void on_return(const VmState& vm, std::uint64_t step) override {
    made(EventKind::Return, step, 0, vm.depth > 0 ? vm.depth - 1 : 0);
  }
  void on_alloc(const VmState& vm, const Object* o) override { allocated(vm, o); }
  void on_host_alloc(const VmState& vm, const Object* o) override { allocated(vm, o); }
  void on_recorded(const VmState& vm, const Event& e) override {
    if (trace::is_derived_kind(e.kind)) return;  // not in a trace that derives them
    event_ = e;
    if (e.kind != EventKind::Catch) event_.depth = vm.depth;  // a catch records its own
    each_(event_);
  }

 private:
  void made(EventKind kind, std::uint64_t step, std::uint32_t fn, std::uint32_t depth) {
    event_ = Event{};
    event_.kind = kind;
    event_.step = step;
    event_.fn = fn;
    event_.depth = depth;
    each_(event_);
  }
  void allocated(const VmState& vm, const Object* o) {
    const Frame& f = vm.top();
    event_ = Event{};
    event_.kind = EventKind::Alloc;
    event_.step = vm.step;
    event_.type = static_cast<std::uint8_t>(o->kind);
    event_.bytes = Heap::object_bytes(o);
    event_.fn = f.fn;
    event_.ip = vm.ip_index(f);
    event_.id = o->id;
    event_.depth = vm.depth;
    each_(event_);
  }

  BlockCounter counter_;  // a listener must count; nobody reads it
  std::function<void(const Event&)> each_;
  Event event_;
};

bool wants(std::uint32_t wanted, EventKind kind) { return wanted == 0 || (wanted & kind_bit(kind)); }

}  // namespace

void for_each_event(const trace::TraceReader& reader, const std::string& path, std::uint64_t from, std::uint64_t to,
                    std::uint32_t wanted, bool depths, const std::function<void(const Event&)>& each,
                    std::vector<std::string>& damage) {
  const bool replay = reader.header().derived_events &&
                      (depths || wants(wanted, EventKind::Call) || wants(wanted, EventKind::TailCall) ||
                       wants(wanted, EventKind::Return) || wants(wanted, EventKind::Alloc));
  if (replay) {
    Timeline timeline(path);
    const std::uint64_t first = std::max(from, timeline.start());
    if (first > timeline.end() || (first == timeline.end() && to < first)) return;
    timeline.seek(first);
    const auto filtered = [&](const Event& e) {
      if (e.step >= from && e.step <= to && wants(wanted, e.kind)) each(e);
    };
    EventMaker maker(timeline.state(), filtered);
    const std::uint64_t limit = to >= timeline.end() ? timeline.end() : to + 1;
    timeline.run_forward(limit, nullptr, maker);
    return;
  }
  for (std::size_t i = 0; i < reader.chunks().size(); ++i) {
    const auto& info = reader.chunks()[i];
    if (info.to_step <= from || info.from_step > to) continue;
    trace::ChunkData chunk;
    try {
      chunk = reader.read_chunk(i);
    } catch (const trace::TraceReadError& e) {
      damage.push_back(fmt::format("{} (steps {}..{} are missing)", e.what(), info.from_step, info.to_step));
      continue;
    }
    for (const Event& e : chunk.events)
      if (e.step >= from && e.step <= to && wants(wanted, e.kind)) each(e);
  }
}

std::vector<Event> all_events(const std::string& path) {
  trace::TraceReader reader(path);
  std::vector<Event> out;
  std::vector<std::string> damage;
  for_each_event(
      reader, path, 0, UINT64_MAX, 0, true, [&](const Event& e) { out.push_back(e); }, damage);
  if (!damage.empty()) throw trace::TraceReadError(damage.front());
  return out;
}

}  // namespace pw::replay
