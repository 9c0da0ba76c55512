// Matching a replay's events with the recorded ones, and the host that answers from them.
#include "event_checker.h"

#include <fmt/format.h>

#include "object.h"

namespace pw::replay {
namespace {

using trace::Event;
using trace::EventKind;

std::string function_name(const VmState& vm, std::uint32_t fn) {
  return fn < vm.program().functions.size() ? vm.program().functions[fn].name : fmt::format("function #{}", fn);
}

std::string describe(const VmState& vm, const Event& e) {
  switch (e.kind) {
    case EventKind::Call: return fmt::format("a call of {}", function_name(vm, e.fn));
    case EventKind::TailCall: return fmt::format("a tail call of {}", function_name(vm, e.fn));
    case EventKind::Return: return "a return";
    case EventKind::Alloc:
      return fmt::format("the allocation of {} #{} ({} bytes) at {}+{}", type_name(static_cast<ValueType>(e.type)), e.id,
                         e.bytes, function_name(vm, e.fn), e.ip);
    case EventKind::Gc:
      return fmt::format("a collection ({} -> {} live objects)", e.objects_before, e.objects_after);
    case EventKind::Throw: return fmt::format("a throw at {}+{}", function_name(vm, e.fn), e.ip);
    case EventKind::Catch: return fmt::format("a catch at {}+{}", function_name(vm, e.fn), e.ip);
    case EventKind::Host:
      return fmt::format("a host call of {}", host_fn_info(static_cast<HostFn>(e.type)).name);
    case EventKind::Output: return fmt::format("output of {} bytes", e.result_strings.empty() ? 0 : e.result_strings[0].size());
  }
  return "an event";
}

std::string describe(const trace::DerivedCounts& c) {
  const auto n = [](std::uint64_t k, const char* one, const char* many) {
    return fmt::format("{} {}", k, k == 1 ? one : many);
  };
  return fmt::format("{}, {}, {} and {}", n(c.calls, "call", "calls"), n(c.tail_calls, "tail call", "tail calls"),
                     n(c.returns, "return", "returns"), n(c.allocs, "allocation", "allocations"));
}

}  // namespace

Divergence::Divergence(std::uint64_t at, const std::string& what)
    : std::runtime_error(fmt::format("divergence at step {}: {}", at, what)), step(at) {}

EventChecker::EventChecker(VmState& vm) : vm_(vm) { vm.gc_log = &cycles_; }
EventChecker::~EventChecker() { vm_.gc_log = nullptr; }

void EventChecker::begin_chunk(std::shared_ptr<const trace::ChunkData> chunk) {
  Cursor c;
  c.reader = trace::EventReader(chunk->event_bytes, chunk->info.from_step, chunk->info.to_step, chunk->start_depth,
                                chunk->first_alloc_id);
  c.chunk = std::move(chunk);
  cursor_ = std::move(c);
  derived_ = cursor_.chunk->derived_events;
  advance();
  cycles_.clear();
  cycles_matched_ = 0;
  output_size_ = vm_.output.size();
  next_id_ = vm_.heap.next_id();
  divergence_.reset();
}

void EventChecker::resume(const Cursor& cursor) {
  cursor_ = cursor;
  derived_ = cursor_.chunk->derived_events;
  cycles_.clear();
  cycles_matched_ = 0;
  output_size_ = vm_.output.size();
  next_id_ = vm_.heap.next_id();
  divergence_.reset();
}

void EventChecker::decode_failed(const trace::EventDecodeError& e) const {
  throw trace::TraceReadError(fmt::format("chunk {}: {}", cursor_.chunk->index, e.what()));
}

void EventChecker::diverge(std::uint64_t step, std::string what) {
  if (!divergence_) divergence_.emplace(step, what);
}

void EventChecker::check() const {
  if (divergence_) throw *divergence_;
}

std::string EventChecker::describe_next() const {
  return cursor_.has_next ? describe(vm_, cursor_.next) + fmt::format(" at step {}", cursor_.next.step)
                          : std::string("no more events in this chunk");
}

template <class What>
const Event* EventChecker::expect(EventKind kind, std::uint64_t step, What what) {
  if (divergence_) return nullptr;
  if (!cursor_.has_next || cursor_.next.kind != kind || cursor_.next.step != step) {
    diverge(step, fmt::format("the replay made {} but the recording has {}", what(), describe_next()));
    return nullptr;
  }
  // Swapped, not copied: this runs for every event, and the next decode reuses the buffers.
  std::swap(matched_, cursor_.next);
  advance();
  if (listener_) listener_->on_recorded(vm_, matched_);
  return &matched_;
}

void EventChecker::call_mismatch(std::uint64_t step, std::uint32_t fn) {
  const Event* e = expect(EventKind::Call, step, [&] { return fmt::format("a call of {}", function_name(vm_, fn)); });
  if (e && e->fn != fn)
    diverge(step, fmt::format("the replay called {} but the recording called {}", function_name(vm_, fn),
                              function_name(vm_, e->fn)));
}

void EventChecker::tail_call(std::uint64_t step, std::uint32_t fn) {
  if (derived_) {
    ++cursor_.made.tail_calls;
    return;
  }
  const Event* e = expect(EventKind::TailCall, step, [&] { return fmt::format("a tail call of {}", function_name(vm_, fn)); });
  if (e && e->fn != fn)
    diverge(step, fmt::format("the replay tail-called {} but the recording tail-called {}", function_name(vm_, fn),
                              function_name(vm_, e->fn)));
}

void EventChecker::ret_mismatch(std::uint64_t step) { expect(EventKind::Return, step, [] { return "a return"; }); }

void EventChecker::match_collections(const VmState& vm, std::uint64_t before_id) {
  while (cycles_matched_ < cycles_.size() && cycles_[cycles_matched_].next_id <= before_id) {
    const GcCycle& c = cycles_[cycles_matched_++];
    const Event* e = expect(EventKind::Gc, vm.step, [] { return "a collection"; });
    if (e && (e->type != static_cast<std::uint8_t>(c.trigger) || e->objects_before != c.live_objects_before ||
              e->bytes_before != c.live_bytes_before || e->objects_after != c.live_objects_after ||
              e->bytes_after != c.live_bytes_after))
      diverge(vm.step, fmt::format("a collection left {} objects ({} bytes) but the recorded one left {} ({} bytes)",
                                   c.live_objects_after, c.live_bytes_after, e->objects_after, e->bytes_after));
    else if (e && listener_)
      listener_->on_collection(vm, c, *e);
  }
  if (cycles_matched_ == cycles_.size()) {
    cycles_.clear();
    cycles_matched_ = 0;
  }
}

void EventChecker::alloc_mismatch(const VmState& vm, const Object* o) {
  const Frame& f = vm.top();
  const Event* e = expect(EventKind::Alloc, vm.step, [&] { return fmt::format("an allocation of {}", type_name(o->kind)); });
  if (e && (e->id != o->id || e->type != static_cast<std::uint8_t>(o->kind) || e->bytes != Heap::object_bytes(o) ||
            e->fn != f.fn || e->ip != vm.ip_index(f)))
    diverge(vm.step, fmt::format("the replay allocated {} #{} ({} bytes) but the recording has {}",
                                 type_name(o->kind), o->id, Heap::object_bytes(o), describe(vm, *e)));
}

void EventChecker::thrown(const VmState& vm, const Value& v) {
  const Frame& f = vm.top();
  const Event* e = expect(EventKind::Throw, vm.step, [] { return "a throw"; });
  if (e && (e->fn != f.fn || e->ip != vm.ip_index(f) || e->type != static_cast<std::uint8_t>(v.type)))
    diverge(vm.step, fmt::format("the replay threw {} at {}+{} but the recording has {}", type_name(v.type),
                                 function_name(vm, f.fn), vm.ip_index(f), describe(vm, *e)));
}

void EventChecker::caught(const VmState& vm) {
  const Frame& f = vm.top();
  const Event* e = expect(EventKind::Catch, vm.step, [] { return "a catch"; });
  if (e && (e->fn != f.fn || e->ip != vm.ip_index(f) || e->depth != vm.depth))
    diverge(vm.step, fmt::format("the replay caught at {}+{} but the recording has {}", function_name(vm, f.fn),
                                 vm.ip_index(f), describe(vm, *e)));
}

void EventChecker::host(const VmState& vm, HostFn fn) {
  if (fn == HostFn::Print || fn == HostFn::Write) {
    const std::string_view text = std::string_view(vm.output).substr(output_size_);
    output_size_ = vm.output.size();
    const Event* e = expect(EventKind::Output, vm.step, [] { return "output"; });
    if (e && (e->result_strings.empty() || e->result_strings[0] != text))
      diverge(vm.step, "the replay printed other text than the recorded run");
  } else if (fn == HostFn::ReadLine || fn == HostFn::Args) {
    // The objects the host call allocated, in id order, with the collections before each.
    const auto& objects = vm.heap.objects();
    std::size_t first = objects.size();
    while (first > 0 && objects[first - 1]->id >= next_id_) --first;
    for (std::size_t i = first; i < objects.size(); ++i) {
      match_collections(vm, objects[i]->id);
      if (derived_) {
        ++cursor_.made.allocs;
        if (listener_) listener_->on_host_alloc(vm, objects[i]);
        continue;
      }
      const Event* e = expect(EventKind::Alloc, vm.step, [] { return "an allocation"; });
      if (e && e->id != objects[i]->id) diverge(vm.step, "the replay's host call allocated other objects");
    }
    match_collections(vm, UINT64_MAX);
    next_id_ = vm.heap.next_id();
  }
  const Event* e = expect(EventKind::Host, vm.step, [&] { return fmt::format("a host call of {}", host_fn_info(fn).name); });
  if (e && e->type != static_cast<std::uint8_t>(fn))
    diverge(vm.step, fmt::format("the replay called {} but the recording has {}", host_fn_info(fn).name, describe(vm, *e)));
}

const Event* EventChecker::recorded_host_result(const VmState& vm, HostFn fn) {
  // The host event follows the output, collections and allocations of its own step.
  Cursor look = cursor_;
  while (look.has_next && look.next.step == vm.step &&
         (look.next.kind == EventKind::Output || look.next.kind == EventKind::Alloc || look.next.kind == EventKind::Gc)) {
    try {
      look.has_next = look.reader.next(look.next);
    } catch (const trace::EventDecodeError&) {
      look.has_next = false;
    }
  }
  if (look.has_next && look.next.step == vm.step && look.next.kind == EventKind::Host &&
      look.next.type == static_cast<std::uint8_t>(fn)) {
    host_answer_ = look.next;
    return &host_answer_;
  }
  // The recorded run's host call failed here: fail the same way, without a divergence.
  // (Its step counts the failing instruction, this one.)
  if (recorded_failure_ && recorded_failure_->kind == ErrorKind::HostError && recorded_failure_->context.state.step == vm.step + 1)
    return nullptr;
  diverge(vm.step, fmt::format("the replay called {} but the recording has {}", host_fn_info(fn).name,
                               look.has_next && look.next.step == vm.step ? describe(vm, look.next)
                                                                            : std::string("no host call there")));
  return nullptr;
}

void EventChecker::end_slice(const VmState& vm, std::uint64_t position) {
  match_collections(vm, UINT64_MAX);
  if (divergence_) return;
  const bool chunk_done = position >= cursor_.chunk->info.to_step;
  if (cursor_.has_next && (chunk_done || cursor_.next.step < position))
    diverge(cursor_.next.step, fmt::format("the recording has {} that the replay did not make", describe(vm, cursor_.next)));
  else if (chunk_done && cursor_.reader.count() != cursor_.chunk->event_count)
    throw trace::TraceReadError(fmt::format("chunk {}: event count differs from the chunk's", cursor_.chunk->index));
  else if (chunk_done && derived_ && cursor_.made != cursor_.chunk->derived)
    diverge(cursor_.chunk->info.from_step,
            fmt::format("in steps {}..{} the replay made {} but the recording counted {}", cursor_.chunk->info.from_step,
                        cursor_.chunk->info.to_step - 1, describe(cursor_.made), describe(cursor_.chunk->derived)));
}

// ---- RecordedHost --------------------------------------------------------------------

const trace::Event& RecordedHost::answer(HostFn fn) {
  if (const trace::Event* e = checker_->recorded_host_result(*vm_, fn)) return *e;
  // No recorded answer: either the recorded run's host call failed here (fail the same
  // way, so the VM reports the same HostError), or the replay diverged (the checker noted
  // it; failing the call stops the run).
  const auto& failure = checker_->recorded_failure();
  if (failure && failure->kind == ErrorKind::HostError) {
    const std::string marker = "() failed: ";
    const auto at = failure->message.find(marker);
    if (at == std::string::npos) throw 0;  // the host threw something that was not a std::exception
    throw std::runtime_error(failure->message.substr(at + marker.size()));
  }
  throw std::runtime_error("the replay diverged from the recording");
}

std::optional<std::string> RecordedHost::read_line() {
  const trace::Event& e = answer(HostFn::ReadLine);
  if (e.result_tag == trace::HostResultTag::String && !e.result_strings.empty()) return e.result_strings[0];
  return std::nullopt;
}

std::vector<std::string> RecordedHost::args() { return answer(HostFn::Args).result_strings; }
std::int64_t RecordedHost::clock_ns() { return answer(HostFn::Clock).result_int; }
std::int64_t RecordedHost::random_below(std::int64_t) { return answer(HostFn::Random).result_int; }

}  // namespace pw::replay
