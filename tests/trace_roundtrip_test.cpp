// The recorder and the reader together: a recorded run reads back exactly (snapshots restore
// to the live states, events match what an independent observer saw, the outcome matches an
// unrecorded run), recording never changes the run, and the reader survives damaged input.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <random>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <zstd.h>

#include "event_codec.h"
#include "event_listing.h"
#include "frame_format.h"
#include "interpreter_impl.h"
#include "recorder.h"
#include "state_image.h"
#include "test_util.h"
#include "trace.capnp.h"
#include "trace_codec.h"
#include "trace_reader.h"
#include "trace_test_util.h"

namespace {

namespace fs = std::filesystem;
using pwtest::feed;
using pwtest::kArgs;
using pwtest::step_cap;
using pwtest::Subject;
using pwtest::subjects;
using pw::trace::Event;
using pw::trace::EventKind;
using pw::trace::TraceReadError;
using pw::trace::TraceReader;
using pwtest::Machine;
using pwtest::same_text;

constexpr std::size_t kind_index(EventKind k) { return static_cast<std::size_t>(k); }

// Snapshots of big heaps are spaced further apart: at least this many steps per live
// object. Long runs use the recorder's default; short ones (whose string constants alone
// would space snapshots past their end) one step per object.
std::uint64_t steps_per_live_object_for(std::uint64_t steps) {
  return steps <= 100'000 ? 1 : pw::trace::RecordOptions{}.steps_per_live_object;
}

// ---- an independent count of what the interpreter reported --------------------------

// Counts the observer hooks and notes every allocation.
struct Collector : pw::ObserverBase {
  explicit Collector(const pw::VmState&) {}

  std::array<std::uint64_t, pw::trace::kEventKindCount> counts{};
  std::uint64_t host_objects = 0;  // objects host calls allocated (they have no on_alloc)
  struct Alloc {
    std::uint32_t kind;
    std::uint64_t bytes;
  };
  std::map<std::uint64_t, Alloc> allocs;  // by id, from on_alloc

  void on_call(pw::VmState&, std::uint64_t, std::uint32_t) { ++counts[kind_index(EventKind::Call)]; }
  void on_return(pw::VmState&, std::uint64_t, const pw::Value&) { ++counts[kind_index(EventKind::Return)]; }
  void on_tail_call(pw::VmState&, std::uint64_t, std::uint32_t) { ++counts[kind_index(EventKind::TailCall)]; }
  void on_throw(pw::VmState&, const pw::Value&) { ++counts[kind_index(EventKind::Throw)]; }
  void on_catch(pw::VmState&, const pw::Value&) { ++counts[kind_index(EventKind::Catch)]; }
  void on_alloc(pw::VmState&, const pw::Object* o) {
    ++counts[kind_index(EventKind::Alloc)];
    allocs[o->id] = {static_cast<std::uint32_t>(o->kind), pw::Heap::object_bytes(o)};
  }
  void on_host(pw::VmState&, pw::HostFn fn, const pw::Value& result) {
    ++counts[kind_index(EventKind::Host)];
    switch (fn) {
      case pw::HostFn::Print:
      case pw::HostFn::Write: ++counts[kind_index(EventKind::Output)]; break;
      case pw::HostFn::ReadLine: host_objects += result.type == pw::ValueType::String ? 1 : 0; break;
      case pw::HostFn::Args: host_objects += 1 + pw::as_array(result)->length; break;
      default: break;
    }
  }
};

// ---- recording ------------------------------------------------------------------------

// Records [machine]'s run into [path] with the given granularity; [machine] is left in the
// final state.
pw::trace::RecordResult record(Machine& machine, const std::string& path, std::uint64_t interval,
                               std::uint64_t chunk_steps, std::uint64_t steps_per_live_object,
                               bool derive_events = true) {
  pw::trace::RecordOptions o;
  o.path = path;
  o.derive_events = derive_events;
  o.snapshot_interval = interval;
  o.chunk_steps = chunk_steps;
  o.steps_per_live_object = steps_per_live_object;
  o.stop_at = step_cap();
  o.args = kArgs;
  o.recorder_name = "trace_roundtrip_test";
  return pw::trace::record_run(machine.vm, o);
}

std::string status_of(const pw::trace::TraceOutcome& o) {
  switch (o.status) {
    case pw::trace::TraceOutcome::Status::Halted: return "Halted";
    case pw::trace::TraceOutcome::Status::Failed: return "Failed";
    case pw::trace::TraceOutcome::Status::Stopped: return "Paused";  // stopped by stop_at
  }
  return "?";
}

// Small programs get a snapshot every few steps; long ones about 40 snapshots in all, so
// that comparing full dumps at each stays quick.
std::uint64_t interval_for(std::uint64_t steps) {
  if (steps <= 8'000) return std::max<std::uint64_t>(1, std::min<std::uint64_t>(1000, steps / 8));
  if (steps <= 100'000) return 1000;
  return (steps + 39) / 40;
}

// ---- the round trip ---------------------------------------------------------------------

// [derive]: record with derived events (format 1.5's default), or every event.
void check_round_trip(const Subject& s, const pwtest::ScratchDir& dir, bool derive) {
  // The unrecorded reference run.
  Machine ref(s.program, s.config);
  feed(ref.host);
  ref.run(step_cap().value_or(pw::kRunForever));
  const std::uint64_t steps = ref.vm.step;
  const std::uint64_t end_step = pw::executed_steps(ref.vm);  // a failing instruction counts
  const std::uint64_t interval = interval_for(steps);
  const std::uint64_t chunk_steps = std::max<std::uint64_t>(1, interval / 2);
  const std::uint64_t per_object = steps_per_live_object_for(steps);
  SCOPED_TRACE("steps " + std::to_string(steps) + ", snapshot interval " + std::to_string(interval) +
               ", chunk steps " + std::to_string(chunk_steps));

  // The same run, recorded.
  const std::string path = dir.path(s.name + (derive ? ".derived" : ".all") + ".pwtrace");
  Machine rec(s.program, s.config);
  feed(rec.host);
  const pw::trace::RecordResult rr = record(rec, path, interval, chunk_steps, per_object, derive);
  ASSERT_EQ(rr.write_error, "");

  // Recording changed nothing.
  EXPECT_EQ(rr.status, ref.vm.status) << ref.outcome();
  EXPECT_EQ(rr.steps, end_step);
  EXPECT_EQ(rec.vm.status, ref.vm.status);
  EXPECT_EQ(rec.outcome(), ref.outcome());
  EXPECT_EQ(rec.host.output, ref.host.output);
  EXPECT_TRUE(same_text(rec.dump(), ref.dump()));

  // ---- what the trace says ----
  TraceReader reader(path);
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(reader.damage(), "");
  EXPECT_TRUE(pw::same_code(*reader.header().program, *s.program));
  EXPECT_EQ(reader.steps(), end_step);
  EXPECT_EQ(reader.chunks().size(), rr.chunks);
  EXPECT_EQ(reader.snapshots().size(), rr.snapshots);

  // Outcome.
  ASSERT_TRUE(reader.outcome().has_value());
  const pw::trace::TraceOutcome& out = *reader.outcome();
  EXPECT_EQ(status_of(out), pwtest::status_name(ref.vm.status));
  EXPECT_EQ(out.steps, end_step);
  EXPECT_EQ(out.final_hash, pw::state_hash(ref.vm));
  EXPECT_EQ(out.output_bytes, ref.vm.output.size());
  if (ref.vm.status == pw::RunStatus::Halted) {
    EXPECT_EQ(out.result, ref.result());
  }
  if (ref.vm.status == pw::RunStatus::Failed) {
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(out.error->kind, ref.vm.error->kind);
    EXPECT_EQ(out.error->message, ref.vm.error->message);
    EXPECT_EQ(out.error->context.function, ref.vm.error->context.function);
    EXPECT_EQ(out.error->context.line, ref.vm.error->context.line);
    EXPECT_EQ(out.error->context.state.step, ref.vm.error->context.state.step);
    EXPECT_EQ(out.error->format(), ref.vm.error->format());
  }

  // Snapshots: each restores to the live state at its step, and its hash is that state's.
  ASSERT_GE(reader.snapshots().size(), steps >= 20 ? 4u : 2u) << "the initial, the final and some between";
  EXPECT_EQ(reader.snapshots().front().step, 0u);
  EXPECT_EQ(reader.snapshots().back().step, steps);
  Machine live(s.program, s.config);
  feed(live.host);
  std::optional<pw::trace::SnapshotData> previous;
  for (std::size_t i = 0; i < reader.snapshots().size(); ++i) {
    const pw::trace::SnapshotData snap = reader.read_snapshot(i);
    SCOPED_TRACE("snapshot " + std::to_string(i) + " at step " + std::to_string(snap.info.step));
    const bool last = i + 1 == reader.snapshots().size();
    if (!last) {
      // Where snapshots fall: the first after one interval, then each one interval after
      // the previous, or further when the heap is big (steps_per_live_object per object).
      if (i == 0) {
        EXPECT_EQ(snap.info.step, 0u);
      } else if (i == 1) {
        EXPECT_EQ(snap.info.step, interval);
      } else {
        EXPECT_EQ(snap.info.step,
                  previous->info.step + std::max(interval, previous->image.gc.live_objects * per_object));
      }
      ASSERT_GE(snap.info.step, live.vm.step);
      if (snap.info.step > live.vm.step) live.run(snap.info.step - live.vm.step);
    } else {
      live.run(step_cap() ? *step_cap() - live.vm.step : pw::kRunForever);
    }
    ASSERT_EQ(live.vm.step, snap.info.step);
    EXPECT_EQ(snap.image.step, snap.info.step);
    EXPECT_EQ(snap.info.hash, pw::image_hash(snap.image));
    EXPECT_EQ(snap.info.hash, pw::state_hash(live.vm));

    pw::ScriptedHost idle;
    pw::VmState restored(reader.header().program, reader.header().config, &idle);
    ASSERT_NO_THROW(pw::restore_state(restored, snap.image));
    // A failed run's final snapshot carries its error, so it dumps like the live state.
    ASSERT_TRUE(same_text(pw::dump_state(restored), live.dump()));
    EXPECT_EQ(pw::state_hash(restored), snap.info.hash);
    previous = snap;
  }

  // Events, chunk by chunk: every event of the run as a listing gives them (read from the
  // chunks, or made again by a replay where the trace derives them).
  EXPECT_EQ(reader.header().derived_events, derive);
  std::vector<Event> listed;
  ASSERT_NO_THROW(listed = pw::replay::all_events(path));
  std::vector<Event> events;
  std::uint64_t profile_sum = 0;
  std::uint64_t expected_from = 0;
  std::uint64_t expected_alloc_id = reader.header().first_dynamic_id;
  std::uint32_t depth = 1;  // the entry frame exists before step 0
  std::string output;
  std::size_t next = 0;  // into listed
  for (std::size_t i = 0; i < reader.chunks().size(); ++i) {
    SCOPED_TRACE("chunk " + std::to_string(i));
    const pw::trace::ChunkData c = reader.read_chunk(i);
    EXPECT_EQ(c.index, i);
    // Chunks tile the run: each starts where the previous one ended.
    EXPECT_EQ(c.info.from_step, expected_from);
    EXPECT_GE(c.info.to_step, c.info.from_step);
    EXPECT_LE(c.info.to_step - c.info.from_step, chunk_steps);
    expected_from = c.info.to_step;
    EXPECT_EQ(c.info.event_count, c.events.size());
    // What a reader needs to start decoding here agrees with the chunks before it.
    EXPECT_EQ(c.first_alloc_id, expected_alloc_id);
    EXPECT_EQ(c.start_depth, depth);
    EXPECT_EQ(c.output_bytes, output.size());
    std::vector<Event> in_chunk;
    pw::trace::DerivedCounts derived;
    for (; next < listed.size() && listed[next].step < c.info.to_step; ++next) {
      const Event& e = listed[next];
      EXPECT_GE(e.step, c.info.from_step);
      if (e.kind == EventKind::Alloc) {
        EXPECT_EQ(e.id, expected_alloc_id++);
      }
      if (e.kind == EventKind::Output) output += e.result_strings.at(0);
      depth = e.depth;
      events.push_back(e);
      switch (e.kind) {
        case EventKind::Call: ++derived.calls; break;
        case EventKind::TailCall: ++derived.tail_calls; break;
        case EventKind::Return: ++derived.returns; break;
        case EventKind::Alloc: ++derived.allocs; break;
        default: in_chunk.push_back(e); continue;
      }
      if (!derive) in_chunk.push_back(e);
    }
    // The chunk holds exactly the recorded ones, and with derived events counts the others.
    // (Decoding a derived chunk alone cannot know the depth: only the listing does.)
    if (derive) {
      EXPECT_EQ(c.derived, derived);
      ASSERT_EQ(c.events.size(), in_chunk.size());
      for (std::size_t k = 0; k < in_chunk.size(); ++k) {
        Event recorded = c.events[k];
        if (recorded.kind != EventKind::Catch) recorded.depth = in_chunk[k].depth;
        EXPECT_EQ(recorded, in_chunk[k]) << "event " << k;
      }
    } else {
      EXPECT_EQ(c.derived, pw::trace::DerivedCounts{});
      EXPECT_EQ(c.events, in_chunk);
    }
    for (const auto& [instruction, count] : c.profile) profile_sum += count;
  }
  EXPECT_EQ(next, listed.size()) << "events after the last chunk";
  // The chunks end at the last step. A failed run's last chunk also covers the failing
  // instruction (step == steps: it started but did not complete), so it ends one later;
  // when the step limit ended the run, no instruction started at that step.
  ASSERT_FALSE(reader.chunks().empty());
  const std::uint64_t end = reader.chunks().back().to_step;
  if (ref.vm.status == pw::RunStatus::Failed) {
    EXPECT_EQ(end, ref.vm.error->kind == pw::ErrorKind::StepLimitExceeded ? steps : steps + 1);
  } else if (ref.vm.status == pw::RunStatus::Halted) {
    EXPECT_EQ(end, steps);
  } else {
    EXPECT_TRUE(end == steps || end == steps + 1) << end;  // stopped by stop_at
  }

  // Events are in step order.
  for (std::size_t i = 1; i < events.size(); ++i) ASSERT_LE(events[i - 1].step, events[i].step) << "event " << i;
  EXPECT_EQ(events.size(), rr.events);

  // All output, as printed.
  EXPECT_TRUE(same_text(output, ref.host.output));

  // Allocation ids count up from the header's first dynamic id, one per allocation.
  EXPECT_EQ(expected_alloc_id, ref.vm.heap.next_id());

  // The host events are all a replay needs: the recorded program and config, answered from
  // them, end in the recorded final state.
  {
    std::vector<Event> answers;
    for (const Event& e : events)
      if (e.kind == EventKind::Host) answers.push_back(e);
    pwtest::ReplayHost host(answers);
    pw::VmState replay(reader.header().program, reader.header().config, &host);
    pw::run(replay, step_cap().value_or(pw::kRunForever));
    EXPECT_EQ(replay.step, steps);
    EXPECT_EQ(pw::state_hash(replay), out.final_hash) << "replaying the recorded host answers diverged";
    EXPECT_EQ(host.remaining(), 0u);
    EXPECT_EQ(host.output, ref.host.output);
  }

  // An independent observer on a third run sees the same events and the same profile.
  Machine watched(s.program, s.config);
  feed(watched.host);
  Collector col(watched.vm);
  pw::run_with(watched.vm, col, step_cap().value_or(pw::kRunForever));
  ASSERT_EQ(watched.vm.step, steps);
  std::array<std::uint64_t, pw::trace::kEventKindCount> recorded{};
  for (const Event& e : events) ++recorded[kind_index(e.kind)];
  for (EventKind k : {EventKind::Call, EventKind::Return, EventKind::TailCall, EventKind::Throw, EventKind::Catch,
                      EventKind::Host, EventKind::Output})
    EXPECT_EQ(recorded[kind_index(k)], col.counts[kind_index(k)]) << pw::trace::event_kind_name(k) << " events";
  EXPECT_EQ(recorded[kind_index(EventKind::Alloc)], col.counts[kind_index(EventKind::Alloc)] + col.host_objects)
      << "alloc events: one per on_alloc plus the objects host calls allocated";
  std::uint64_t matched_allocs = 0;
  for (const Event& e : events) {
    if (e.kind != EventKind::Alloc) continue;
    const auto it = col.allocs.find(e.id);
    if (it == col.allocs.end()) continue;  // a host call's object
    ++matched_allocs;
    EXPECT_EQ(e.type, it->second.kind) << "object #" << e.id;
    EXPECT_EQ(e.bytes, it->second.bytes) << "object #" << e.id;
  }
  EXPECT_EQ(matched_allocs, col.allocs.size());
  // Every collection is an event, including several in one host call and the one before
  // an allocation that fails anyway.
  EXPECT_EQ(recorded[kind_index(EventKind::Gc)], watched.vm.heap.stats().collections);

  // Since format 1.3 the chunks carry no per-instruction profile: replaying recomputes it
  // (pwreplay perf), so recording does not count instructions.
  EXPECT_EQ(profile_sum, 0u);
}

TEST(TraceRoundTrip, EveryExampleReadsBackExactly) {
  const auto all = subjects();
  ASSERT_GT(all.size(), 1u);
  pwtest::ScratchDir dir("roundtrip");
  for (const Subject& s : all) {
    SCOPED_TRACE(s.name);
    for (const bool derive : {true, false}) {
      SCOPED_TRACE(derive ? "derived events" : "every event recorded");
      check_round_trip(s, dir, derive);
    }
    // The events a replay makes again are the ones a recording of every event holds, in
    // the same order and with the same fields (but a collection's pause, which is measured).
    std::vector<Event> made = pw::replay::all_events(dir.path(s.name + ".derived.pwtrace"));
    std::vector<Event> recorded = pw::replay::all_events(dir.path(s.name + ".all.pwtrace"));
    for (auto* list : {&made, &recorded})
      for (Event& e : *list) e.pause_ns = 0;
    ASSERT_EQ(made.size(), recorded.size());
    for (std::size_t i = 0; i < made.size(); ++i) ASSERT_EQ(made[i], recorded[i]) << "event " << i;
  }
}

// The run is the same recorded or not, also when every allocation collects (whatever the
// environment says) and with a snapshot after every step of a short run.
TEST(TraceRoundTrip, RecordingUnderGcStressChangesNothing) {
  pwtest::ScratchDir dir("stress");
  for (Subject s : subjects()) {
    SCOPED_TRACE(s.name);
    s.config.gc.stress = true;
    Machine ref(s.program, s.config);
    feed(ref.host);
    ref.run(20'000);
    Machine rec(s.program, s.config);
    feed(rec.host);
    pw::trace::RecordOptions o;
    o.path = dir.path(s.name + ".pwtrace");
    o.snapshot_interval = ref.vm.step < 500 ? 1 : 997;
    o.chunk_steps = ref.vm.step < 500 ? 3 : 250;
    o.stop_at = 20'000;
    o.args = kArgs;
    const auto rr = pw::trace::record_run(rec.vm, o);
    EXPECT_EQ(rr.write_error, "");
    EXPECT_EQ(rec.outcome(), ref.outcome());
    EXPECT_EQ(rec.host.output, ref.host.output);
    EXPECT_TRUE(same_text(rec.dump(), ref.dump()));
    TraceReader reader(o.path);
    ASSERT_TRUE(reader.outcome().has_value());
    EXPECT_EQ(reader.outcome()->final_hash, pw::state_hash(ref.vm));
    EXPECT_TRUE(reader.header().config.gc.stress);
    // The last snapshot is the final state.
    const auto last = reader.read_snapshot(reader.snapshots().size() - 1);
    pw::ScriptedHost idle;
    pw::VmState restored(reader.header().program, reader.header().config, &idle);
    pw::restore_state(restored, last.image);
    if (restored.status == pw::RunStatus::Failed && !restored.error) restored.error = reader.outcome()->error;
    EXPECT_TRUE(same_text(pw::dump_state(restored), ref.dump()));
  }
}

// Snapshots are captured on the interpreter's thread and hashed, encoded and compressed on
// the writer thread while the run goes on, collecting at every allocation: each one must
// still be the state of its own step, byte for byte, not of a later one.
TEST(TraceRoundTrip, EverySnapshotUnderGcStressIsTheStateOfItsStep) {
  pwtest::ScratchDir dir("stress-snapshots");
  for (Subject s : subjects()) {
    SCOPED_TRACE(s.name);
    s.config.gc.stress = true;
    Machine rec(s.program, s.config);
    feed(rec.host);
    pw::trace::RecordOptions o;
    o.path = dir.path(s.name + ".pwtrace");
    o.snapshot_interval = 389;
    o.steps_per_live_object = 0;
    o.chunk_steps = 250;
    o.stop_at = 20'000;
    o.args = kArgs;
    ASSERT_EQ(pw::trace::record_run(rec.vm, o).write_error, "");
    TraceReader reader(o.path);
    Machine ref(s.program, s.config);
    feed(ref.host);
    for (std::size_t i = 0; i < reader.snapshots().size(); ++i) {
      const auto snap = reader.read_snapshot(i);
      ASSERT_GE(snap.info.step, ref.vm.step);
      // The last snapshot is the end state: of a failed run, after its failing instruction.
      const bool last = i + 1 == reader.snapshots().size();
      if (last) ref.run(*o.stop_at - ref.vm.step);
      else if (snap.info.step > ref.vm.step) ref.run(snap.info.step - ref.vm.step);
      ASSERT_EQ(ref.vm.step, snap.info.step);
      EXPECT_EQ(snap.info.hash, pw::state_hash(ref.vm)) << "snapshot " << i;
      pw::ScriptedHost idle;
      pw::VmState restored(reader.header().program, reader.header().config, &idle);
      pw::restore_state(restored, snap.image);
      if (restored.status == pw::RunStatus::Failed && !restored.error) restored.error = reader.outcome()->error;
      ASSERT_TRUE(same_text(pw::dump_state(restored), ref.dump())) << "snapshot " << i << " at step " << snap.info.step;
    }
  }
}

// ---- the header -----------------------------------------------------------------------

TEST(TraceHeader, RecordsProgramConfigCapabilitiesAndArgs) {
  pwtest::ScratchDir dir("header");
  const auto program = pw::load_program((fs::path(EXAMPLES_DIR) / "closures.pwa").string());
  pw::VmConfig c = pwtest::default_config();
  c.limits.max_steps = 12'345'678;
  c.limits.max_stack = 54'321;
  c.limits.max_depth = 777;
  c.limits.max_heap = 3u << 20;
  c.limits.max_output = 98'765;
  c.gc.min_threshold = 4096;
  c.capabilities = pw::kCapIo | pw::kCapRandom;
  Machine m(program, c);
  const std::uint64_t first_dynamic_id = m.vm.heap.next_id();
  pw::trace::RecordOptions o;
  o.path = dir.path("closures.pwtrace");
  o.snapshot_interval = 100;
  o.steps_per_live_object = 0;  // exactly every 100 steps
  o.chunk_steps = 30;
  o.args = {"alpha", "b c", ""};
  o.recorder_name = "header test 1.2";
  const std::int64_t before = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  pw::trace::record_run(m.vm, o);
  const std::int64_t after = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();

  TraceReader reader(o.path);
  const pw::trace::TraceHeader& h = reader.header();
  EXPECT_EQ(h.format_major, pw::trace::kFormatMajor);
  EXPECT_EQ(h.format_minor, pw::trace::kFormatMinor);
  EXPECT_EQ(h.recorder, "header test 1.2");
  ASSERT_NE(h.program, nullptr);
  EXPECT_TRUE(pw::same_code(*h.program, *program));
  EXPECT_EQ(h.program->source_name, program->source_name);
  EXPECT_EQ(h.program->source, program->source);
  EXPECT_EQ(h.program_hash, pw::trace::program_hash(*program));
  EXPECT_EQ(h.program_hash, pw::trace::program_hash(*h.program));
  EXPECT_EQ(h.config.limits.max_steps, c.limits.max_steps);
  EXPECT_EQ(h.config.limits.max_stack, c.limits.max_stack);
  EXPECT_EQ(h.config.limits.max_depth, c.limits.max_depth);
  EXPECT_EQ(h.config.limits.max_heap, c.limits.max_heap);
  EXPECT_EQ(h.config.limits.max_output, c.limits.max_output);
  EXPECT_EQ(h.config.gc.enabled, c.gc.enabled);
  EXPECT_EQ(h.config.gc.stress, c.gc.stress);
  EXPECT_EQ(h.config.gc.min_threshold, c.gc.min_threshold);
  EXPECT_EQ(h.config.capabilities, pw::kCapIo | pw::kCapRandom);
  EXPECT_EQ(h.args, o.args);
  EXPECT_EQ(h.snapshot_interval, 100u);
  EXPECT_EQ(h.chunk_steps, 30u);
  EXPECT_EQ(h.first_dynamic_id, first_dynamic_id);
  EXPECT_GE(h.start_time_unix_ns, before);
  EXPECT_LE(h.start_time_unix_ns, after);
  EXPECT_FALSE(h.host_system.empty());
  // 225 steps, a snapshot every 100: at 0, 100, 200 and the end.
  ASSERT_EQ(reader.snapshots().size(), 4u);
  EXPECT_EQ(reader.snapshots()[1].step, 100u);
  EXPECT_EQ(reader.snapshots()[2].step, 200u);
  EXPECT_EQ(reader.chunks().size(), 9u) << "chunks of 30 steps, cut at each snapshot as well";
}

// A run stopped part way (stop_at) says so, and its trace ends at that step.
TEST(TraceHeader, StoppedRunIsRecordedAsStopped) {
  pwtest::ScratchDir dir("stopped");
  const auto program = pw::load_program((fs::path(EXAMPLES_DIR) / "factorial.pwa").string());
  Machine m(program);
  pw::trace::RecordOptions o;
  o.path = dir.path("f.pwtrace");
  o.snapshot_interval = 250;
  o.chunk_steps = 100;
  o.stop_at = 777;
  const auto rr = pw::trace::record_run(m.vm, o);
  EXPECT_EQ(rr.status, pw::RunStatus::Paused);
  EXPECT_EQ(m.vm.step, 777u);
  TraceReader reader(o.path);
  ASSERT_TRUE(reader.outcome().has_value());
  EXPECT_EQ(reader.outcome()->status, pw::trace::TraceOutcome::Status::Stopped);
  EXPECT_EQ(reader.steps(), 777u);
  EXPECT_EQ(reader.snapshots().back().step, 777u);
  EXPECT_EQ(reader.outcome()->final_hash, pw::state_hash(m.vm));
}

// A host whose every print raises the recorder's stop flag, as a signal handler would.
class StopOnPrintHost final : public pw::Host {
 public:
  explicit StopOnPrintHost(std::atomic<int>& stop) : stop_(stop) {}
  void write_output(std::string_view) override { stop_ = SIGINT; }
  std::optional<std::string> read_line() override { return std::nullopt; }
  std::vector<std::string> args() override { return {}; }
  std::int64_t clock_ns() override { return 0; }
  std::int64_t random_below(std::int64_t) override { return 0; }

 private:
  std::atomic<int>& stop_;
};

// The stop flag is looked at between slices only: the run ends at the first chunk boundary
// after it is raised, and the trace says which signal ended it.
TEST(Recorder, StopSignalEndsTheRunAtTheNextSliceAndIsRecorded) {
  pwtest::ScratchDir dir("stop_signal");
  // Prints at step 3, then counts for ever.
  const auto program = pwtest::load(
      "func main()\n  local i\n  push 0\n  set_local i\n  push 1\n  host print\n  pop\nloop:\n  inc_local i, 1\n"
      "  jump loop\nend\n");
  std::atomic<int> stop{0};
  StopOnPrintHost host(stop);
  pw::VmState vm(program, pwtest::default_config(), &host);
  pw::trace::RecordOptions o;
  o.path = dir.path("stopped.pwtrace");
  o.chunk_steps = 1000;
  o.stop_signal = &stop;
  const auto rr = pw::trace::record_run(vm, o);
  EXPECT_EQ(rr.status, pw::RunStatus::Paused);
  EXPECT_EQ(rr.signal, SIGINT);
  EXPECT_EQ(vm.step, 1000u);
  TraceReader reader(o.path);
  EXPECT_TRUE(reader.complete());
  ASSERT_TRUE(reader.outcome().has_value());
  EXPECT_EQ(reader.outcome()->status, pw::trace::TraceOutcome::Status::Stopped);
  EXPECT_EQ(reader.outcome()->signal, static_cast<std::uint32_t>(SIGINT));
  EXPECT_EQ(reader.outcome()->steps, 1000u);
  EXPECT_EQ(reader.snapshots().back().step, 1000u);
  EXPECT_EQ(reader.outcome()->final_hash, pw::state_hash(vm));
}

// ---- format versions --------------------------------------------------------------------

TEST(TraceFormat, NewerMajorVersionIsRefusedClearly) {
  pwtest::ScratchDir dir("newer");
  const std::string path = dir.path("future.pwtrace");
  pwtest::write_text_file(path, pwtest::header_only_trace(99, 0));
  try {
    TraceReader reader(path);
    FAIL() << "a format 99.0 trace was accepted";
  } catch (const TraceReadError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("newer"), std::string::npos) << what;
    EXPECT_NE(what.find("99.0"), std::string::npos) << what;
  }
}

TEST(TraceFormat, NewerMinorVersionIsRead) {
  pwtest::ScratchDir dir("minor");
  const std::string path = dir.path("minor.pwtrace");
  pwtest::write_text_file(path, pwtest::header_only_trace(pw::trace::kFormatMajor, 7));
  TraceReader reader(path);
  EXPECT_EQ(reader.header().format_minor, 7u);
  EXPECT_FALSE(reader.complete());
  EXPECT_EQ(reader.damage(), "");
  EXPECT_TRUE(reader.chunks().empty());
  EXPECT_EQ(reader.steps(), 0u);
}

TEST(TraceFormat, LimitsBeyondAnyRunAreRefused) {
  // A replay would allocate the stack and frames they ask for (up to 192 GiB) first.
  pwtest::ScratchDir dir("limits");
  const std::string path = dir.path("limits.pwtrace");
  const std::pair<std::uint32_t, std::uint32_t> limits[] = {{pw::kMaxStackCeiling + 1, 100}, {1000, pw::kMaxDepthCeiling + 1},
                                                            {UINT32_MAX, UINT32_MAX}};
  for (const auto& [stack, depth] : limits) {
    pwtest::write_text_file(path, pwtest::header_only_trace(pw::trace::kFormatMajor, pw::trace::kFormatMinor,
                                                            [stack = stack, depth = depth](pw::trace::Header::Builder h) {
                                                              h.getConfig().setMaxStack(stack);
                                                              h.getConfig().setMaxDepth(depth);
                                                            }));
    try {
      TraceReader reader(path);
      FAIL() << "max stack " << stack << " and max depth " << depth << " were accepted";
    } catch (const TraceReadError& e) {
      EXPECT_NE(std::string(e.what()).find("is above the most a VM accepts"), std::string::npos) << e.what();
    }
  }
}

TEST(TraceFormat, MajorVersionZeroIsRefused) {
  pwtest::ScratchDir dir("zero");
  const std::string path = dir.path("zero.pwtrace");
  pwtest::write_text_file(path, pwtest::header_only_trace(0, 3));
  EXPECT_THROW(TraceReader{path}, TraceReadError);
}

// ---- damaged and foreign files -------------------------------------------------------

std::string fixture(const std::string& name) { return pwtest::read_text_file(std::string(TRACES_DIR) + "/" + name); }

// Opens [path] and reads everything it lists. Every failure must be a TraceReadError (gtest
// reports anything else thrown); returns the error texts seen, the constructor's first.
struct ReadAll {
  bool opened = false;
  bool complete = false;
  std::string damage;
  bool torn_tail = false;
  std::vector<std::string> errors;
  std::size_t chunks = 0, snapshots = 0;
  std::vector<pw::trace::ChunkInfo> chunk_infos;
};

// With [restore], every snapshot that decodes is also restored into a VM of the recorded
// program (with small stack and depth limits: building a VM with the default ones costs a
// 20 MB memset, and thousands of them would dominate the test).
ReadAll read_all(const std::string& path, bool restore = false) {
  ReadAll r;
  std::optional<TraceReader> reader;
  try {
    reader.emplace(path);
  } catch (const TraceReadError& e) {
    r.errors.push_back(e.what());
    return r;
  }
  r.opened = true;
  r.complete = reader->complete();
  r.damage = reader->damage();
  r.torn_tail = reader->torn_tail();
  r.chunk_infos = reader->chunks();
  (void)reader->steps();
  (void)reader->uncompressed_bytes();
  for (std::size_t i = 0; i < reader->chunks().size(); ++i) {
    try {
      (void)reader->read_chunk(i);
      ++r.chunks;
    } catch (const TraceReadError& e) {
      r.errors.push_back(e.what());
    }
  }
  for (std::size_t i = 0; i < reader->snapshots().size(); ++i) {
    try {
      const pw::trace::SnapshotData s = reader->read_snapshot(i);
      ++r.snapshots;
      // A snapshot that decodes is still untrusted: restoring it either works or is refused.
      if (restore) {
        pw::VmConfig c = reader->header().config;
        c.limits.max_stack = std::min<std::uint32_t>(c.limits.max_stack, 1u << 14);
        c.limits.max_depth = std::min<std::uint32_t>(c.limits.max_depth, 1u << 10);
        pw::ScriptedHost idle;
        pw::VmState vm(reader->header().program, c, &idle);
        try {
          pw::restore_state(vm, s.image);
        } catch (const pw::StateImageError&) {
        }
      }
    } catch (const TraceReadError& e) {
      r.errors.push_back(e.what());
    }
  }
  return r;
}

bool mentions_frame_and_byte(const std::string& s) {
  return s.find("frame") != std::string::npos && s.find("byte") != std::string::npos;
}

TEST(TraceRobustness, TruncatedAtEveryLengthIsReadUpToTheCut) {
  const std::string good = fixture("exceptions.pwtrace");
  ASSERT_GT(good.size(), 1000u);
  pwtest::ScratchDir dir("truncate");
  const std::string path = dir.path("cut.pwtrace");
  pwtest::write_text_file(path, good);
  const ReadAll full = read_all(path);
  ASSERT_TRUE(full.opened && full.complete);
  ASSERT_TRUE(full.errors.empty()) << full.errors.front();
  const auto frames = pwtest::frame_spans(good);
  ASSERT_GE(frames.size(), 3u);
  const std::uint64_t header_end = frames[0].end();

  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n < std::min<std::size_t>(200, good.size()); ++n) lengths.push_back(n);
  const std::size_t spaced = pwtest::slow_mode() ? 100 : 400;
  for (std::size_t i = 0; i <= spaced; ++i) lengths.push_back(200 + (good.size() - 200) * i / spaced);
  for (const auto& f : frames) lengths.insert(lengths.end(), {f.offset, f.offset + 1, f.end() - 1});
  for (std::size_t k = 1; k <= 17; ++k) lengths.push_back(good.size() - k);  // into the trailer

  for (const std::size_t n : lengths) {
    SCOPED_TRACE("truncated to " + std::to_string(n) + " of " + std::to_string(good.size()) + " bytes");
    pwtest::write_text_file(path, std::string_view(good).substr(0, n));
    const ReadAll r = read_all(path);
    if (n < header_end) {
      EXPECT_FALSE(r.opened) << "a file without a whole header must be refused";
      continue;
    }
    ASSERT_TRUE(r.opened) << (r.errors.empty() ? "" : r.errors.front());
    if (n == good.size()) {
      EXPECT_TRUE(r.complete);
      continue;
    }
    EXPECT_TRUE(!r.damage.empty() || !r.complete);
    EXPECT_FALSE(r.complete) << "a truncated file has no trailer";
    // What survives is a prefix of the original, and all of it reads.
    EXPECT_TRUE(r.errors.empty()) << r.errors.front();
    ASSERT_LE(r.chunk_infos.size(), full.chunk_infos.size());
    for (std::size_t i = 0; i < r.chunk_infos.size(); ++i) {
      EXPECT_EQ(r.chunk_infos[i].from_step, full.chunk_infos[i].from_step);
      EXPECT_EQ(r.chunk_infos[i].offset, full.chunk_infos[i].offset);
    }
    // A cut between frames loses only what came after; a cut inside a frame (or the
    // trailer) says where reading stopped, and is only a torn tail: what a killed writer
    // leaves, not damage.
    const bool on_boundary = std::any_of(frames.begin(), frames.end(), [&](const auto& f) { return f.end() == n; });
    if (on_boundary) {
      EXPECT_EQ(r.damage, "");
      EXPECT_FALSE(r.torn_tail);
    } else {
      EXPECT_NE(r.damage, "");
      EXPECT_TRUE(mentions_frame_and_byte(r.damage)) << r.damage;
      EXPECT_TRUE(r.torn_tail) << r.damage;
    }
  }
}

// A recorder killed while it writes a snapshot (the biggest frames, written by the writer
// thread while the run goes on) leaves the file cut inside that frame: everything before
// it reads, and the cut is a torn tail, not damage.
TEST(TraceRobustness, CutInsideASnapshotFrameReadsUpToTheFrameBefore) {
  pwtest::ScratchDir dir("cut-snapshot");
  Machine m(pwtest::kForever);
  pw::trace::RecordOptions o;
  o.path = dir.path("full.pwtrace");
  o.snapshot_interval = 20'000;
  o.steps_per_live_object = 0;
  o.chunk_steps = 5'000;
  o.stop_at = 100'000;
  ASSERT_EQ(pw::trace::record_run(m.vm, o).write_error, "");
  const std::string good = pwtest::read_text_file(o.path);
  const ReadAll full = read_all(o.path);
  ASSERT_TRUE(full.opened && full.complete && full.errors.empty());
  const std::string path = dir.path("cut.pwtrace");
  std::size_t cuts = 0;
  for (const auto& f : pwtest::frame_spans(good)) {
    if (f.kind != pw::trace::RecordKind::Snapshot || f.offset == pwtest::frame_spans(good)[1].offset) continue;
    for (const std::uint64_t n : {f.offset + 1, f.offset + (f.end() - f.offset) / 2, f.end() - 1}) {
      SCOPED_TRACE("cut at byte " + std::to_string(n) + " inside the snapshot frame at " + std::to_string(f.offset));
      ++cuts;
      pwtest::write_text_file(path, std::string_view(good).substr(0, n));
      const ReadAll r = read_all(path);
      ASSERT_TRUE(r.opened);
      EXPECT_FALSE(r.complete);
      EXPECT_TRUE(r.torn_tail) << r.damage;
      EXPECT_TRUE(r.errors.empty()) << r.errors.front();
      // Every chunk before the cut survives.
      std::size_t before = 0;
      for (const auto& c : full.chunk_infos) before += c.offset < f.offset;
      EXPECT_EQ(r.chunk_infos.size(), before);
    }
  }
  EXPECT_GE(cuts, 9u) << "the run should have written several snapshots";
}

TEST(TraceRobustness, EveryFlippedByteIsSurvivedAndPayloadFlipsAreDetected) {
  const std::string good = fixture("exceptions.pwtrace");
  pwtest::ScratchDir dir("flip");
  const std::string path = dir.path("flip.pwtrace");
  const auto frames = pwtest::frame_spans(good);
  ASSERT_GE(frames.size(), 3u);
  // Every byte of a file this small (a stride under sanitizers and GC stress).
  const std::size_t stride = pwtest::slow_mode() ? 7 : 1;
  std::size_t payload_flips = 0;
  for (std::size_t at = 0; at < good.size(); at += stride) {
    SCOPED_TRACE("byte " + std::to_string(at) + " flipped");
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x5A);
    pwtest::write_text_file(path, bad);
    const ReadAll r = read_all(path);  // must not crash, hang or throw anything else
    const auto in = std::find_if(frames.begin(), frames.end(),
                                 [&](const auto& f) { return at >= f.payload_offset && at < f.end(); });
    if (at < pw::trace::kFileMagic.size()) {
      ASSERT_FALSE(r.opened);
      EXPECT_NE(r.errors.front().find("not a pwvm trace"), std::string::npos) << r.errors.front();
      continue;
    }
    if (in == frames.end()) continue;  // frame headers and trailer: survived is enough
    // A flipped byte in a payload fails the frame's checksum, and whoever reads that frame
    // says which frame it is and where.
    ++payload_flips;
    std::vector<std::string> reports = r.errors;
    if (!r.damage.empty()) reports.push_back(r.damage);
    ASSERT_FALSE(reports.empty()) << "a flipped payload byte in a " << pw::trace::record_kind_name(in->kind)
                                  << " frame at byte " << in->offset << " went unnoticed";
    const std::string byte_text = "at byte " + std::to_string(in->offset);
    const bool named = std::any_of(reports.begin(), reports.end(), [&](const std::string& s) {
      return mentions_frame_and_byte(s) && s.find("checksum") != std::string::npos &&
             s.find(byte_text) != std::string::npos;
    });
    EXPECT_TRUE(named) << "no report names the checksum of the frame " << byte_text << ": " << reports.front();
    if (in->kind == pw::trace::RecordKind::Header) {
      EXPECT_FALSE(r.opened);
    }
  }
  EXPECT_GT(payload_flips, good.size() / (2 * stride));
}

// Flips inside the compressed payload are caught by the checksum before anything parses
// them. Behind a valid checksum the records themselves are still untrusted: mutate the
// decompressed messages, re-frame them with correct checksums, and read.
TEST(TraceRobustness, DamagedRecordsBehindValidChecksumsAreRefusedOrHarmless) {
  const std::string good = fixture("exceptions.pwtrace");
  const auto frames = pwtest::frame_spans(good);
  pwtest::ScratchDir dir("records");
  const std::string path = dir.path("mutated.pwtrace");
  std::mt19937_64 rng(12345);
  const std::size_t per_frame = pwtest::slow_mode() ? 60 : 400;
  std::size_t reads = 0;
  for (const auto& f : frames) {
    const std::string payload = good.substr(f.payload_offset, f.payload_bytes);
    const unsigned long long size = ZSTD_getFrameContentSize(payload.data(), payload.size());
    ASSERT_NE(size, ZSTD_CONTENTSIZE_ERROR);
    std::string raw(size, '\0');
    ASSERT_EQ(ZSTD_decompress(raw.data(), raw.size(), payload.data(), payload.size()), size);
    const std::size_t tries = std::min<std::size_t>(per_frame, raw.size() * 2);
    for (std::size_t t = 0; t < tries; ++t) {
      std::string mutated = raw;
      const std::size_t at = t < raw.size() && tries >= raw.size() ? t : rng() % raw.size();
      const char patterns[] = {'\xff', '\x01', '\x80', '\x7f', '\x00'};
      mutated[at] = t % 2 ? static_cast<char>(mutated[at] ^ (1 << (rng() % 8))) : patterns[rng() % 5];
      if (mutated == raw) continue;
      std::string z(ZSTD_compressBound(mutated.size()), '\0');
      z.resize(ZSTD_compress(z.data(), z.size(), mutated.data(), mutated.size(), 1));
      pw::trace::FrameHeader h;
      h.payload_bytes = static_cast<std::uint32_t>(z.size());
      h.kind = f.kind;
      h.checksum = pw::trace::checksum(z.data(), z.size());
      const auto head = h.encode();
      // The other frames keep their place only if the size did not change: rebuild the file
      // and let the reader scan it (drop the index and trailer when offsets moved).
      std::string file = good.substr(0, f.offset) + std::string(head.data(), head.size()) + z;
      if (z.size() == f.payload_bytes) file += good.substr(f.end());
      else {
        for (const auto& g : frames)
          if (g.offset > f.offset && g.kind != pw::trace::RecordKind::Index)
            file += good.substr(g.offset, g.end() - g.offset);
      }
      SCOPED_TRACE(std::string(pw::trace::record_kind_name(f.kind)) + " frame at byte " + std::to_string(f.offset) +
                   ", message byte " + std::to_string(at));
      pwtest::write_text_file(path, file);
      (void)read_all(path, /*restore=*/true);
      ++reads;
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_GT(reads, 100u);
}

TEST(TraceRobustness, ForeignFilesAreNotTraces) {
  pwtest::ScratchDir dir("foreign");
  std::mt19937_64 rng(7);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  const std::string pwa = pwtest::read_text_file(std::string(EXAMPLES_DIR) + "/hello.pwa");
  ASSERT_FALSE(pwa.empty());
  const std::vector<std::pair<std::string, std::string>> files = {
      {"empty", ""}, {"noise", noise}, {"source.pwa", pwa}, {"short", "PWTRA"}, {"magic_only", "PWTRACE\n"},
      {"magic_then_noise", "PWTRACE\n" + noise}, {"trailer_only", "PWTREND\n"}};
  for (const auto& [name, text] : files) {
    SCOPED_TRACE(name);
    const std::string path = dir.path(name);
    pwtest::write_text_file(path, text);
    try {
      TraceReader reader(path);
      ADD_FAILURE() << "accepted as a trace";
    } catch (const TraceReadError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path), std::string::npos) << what;
      if (text.rfind("PWTRACE\n", 0) != 0) {
        EXPECT_NE(what.find("not a pwvm trace"), std::string::npos) << what;
      } else {
        EXPECT_NE(what.find("header"), std::string::npos) << what;
      }
      EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
    }
  }
  EXPECT_THROW(TraceReader{dir.path("missing.pwtrace")}, TraceReadError);
  EXPECT_THROW(TraceReader{dir.dir().string()}, TraceReadError);
}

// A read error says which chunk it was reading and where that chunk's frame starts.
TEST(TraceRobustness, ChunkReadErrorsNameTheChunkAndItsOffset) {
  const std::string good = fixture("exceptions.pwtrace");
  const auto frames = pwtest::frame_spans(good);
  pwtest::ScratchDir dir("chunkerror");
  const std::string path = dir.path("t.pwtrace");
  // Damage the payload of the second event chunk; the index (at the end) stays intact.
  std::vector<pwtest::FrameSpan> chunks;
  for (const auto& f : frames)
    if (f.kind == pw::trace::RecordKind::EventChunk) chunks.push_back(f);
  ASSERT_GE(chunks.size(), 3u);
  std::string bad = good;
  bad[chunks[1].payload_offset + chunks[1].payload_bytes / 2] ^= 0x40;
  pwtest::write_text_file(path, bad);
  TraceReader reader(path);
  ASSERT_TRUE(reader.complete());
  EXPECT_NO_THROW(reader.read_chunk(0));
  try {
    reader.read_chunk(1);
    FAIL() << "the damaged chunk was read";
  } catch (const TraceReadError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("chunk 1 "), std::string::npos) << what;
    EXPECT_NE(what.find("at byte " + std::to_string(chunks[1].offset)), std::string::npos) << what;
    EXPECT_NE(what.find("checksum"), std::string::npos) << what;
  }
  EXPECT_NO_THROW(reader.read_chunk(2));
}

// ---- collections in host calls and failures, and failed final states ---------------

// A collection that happens inside a host call that allocates several objects (args, under
// GC stress: one collection per object) is each an event, like every other collection.
TEST(TraceEventsAndSnapshots, EveryCollectionInAHostCallIsAGcEvent) {
  pwtest::ScratchDir dir("hostgc");
  pw::VmConfig c = pwtest::default_config();
  c.capabilities = pw::kCapIo;
  c.gc.stress = true;
  Machine m(pwtest::load(pwtest::main_program("  host args\n  halt")), c);
  m.host.program_args = {"a", "b", "c"};
  pw::trace::RecordOptions o;
  o.path = dir.path("args.pwtrace");
  o.args = m.host.program_args;
  pw::trace::record_run(m.vm, o);
  ASSERT_EQ(m.vm.status, pw::RunStatus::Halted);
  TraceReader reader(o.path);
  std::uint64_t gc_events = 0, alloc_events = 0;
  for (const Event& e : pw::replay::all_events(o.path)) {
    gc_events += e.kind == EventKind::Gc;
    alloc_events += e.kind == EventKind::Alloc;
  }
  EXPECT_EQ(alloc_events, 4u) << "the array and its three strings";
  EXPECT_EQ(reader.read_chunk(0).derived.allocs, 4u);
  EXPECT_EQ(m.vm.heap.stats().collections, 4u);
  EXPECT_EQ(gc_events, m.vm.heap.stats().collections) << "collections during the host call are lost";
}

// The collection that a failing allocation makes (a heap-limit collection that frees too
// little, then HeapExhausted) is the one a user debugging the failure most wants to see, but
// only a successful allocation logs the collections before it.
TEST(TraceEventsAndSnapshots, TheCollectionBeforeAHeapExhaustedFailureIsAGcEvent) {
  pwtest::ScratchDir dir("heapgc");
  pw::VmConfig c = pwtest::default_config();
  c.gc.stress = false;
  c.limits.max_heap = 4096;
  c.gc.min_threshold = 1 << 20;  // only the heap limit triggers a collection
  Machine m(pwtest::load(pwtest::main_program("grow:\n  push 1\n  get_local l\n  cons\n  set_local l\n  jump grow",
                                              "l")),
            c);
  pw::trace::RecordOptions o;
  o.path = dir.path("heap.pwtrace");
  pw::trace::record_run(m.vm, o);
  ASSERT_EQ(m.vm.status, pw::RunStatus::Failed);
  ASSERT_EQ(m.vm.error->kind, pw::ErrorKind::HeapExhausted);
  ASSERT_EQ(m.vm.heap.stats().collections, 1u);
  TraceReader reader(o.path);
  std::uint64_t gc_events = 0;
  for (std::size_t i = 0; i < reader.chunks().size(); ++i)
    for (const Event& e : reader.read_chunk(i).events) gc_events += e.kind == EventKind::Gc;
  EXPECT_EQ(gc_events, 1u) << "the heap-limit collection before the failure is not in the trace";
}

// The final snapshot of a failed run is "the complete VM state" (trace.capnp), but it has
// no error: restored, it is a VM with status Failed and vm.error empty, which dumps
// differently from the live failed state (no "error" object) and crashes code that reads
// vm.error->... after checking the status (as pwvm's --stats does).
TEST(TraceEventsAndSnapshots, FailedRunsFinalSnapshotRestoresWithItsError) {
  pwtest::ScratchDir dir("failedsnap");
  Machine live(pwtest::load(pwtest::main_program("  push 1\n  car\n  halt")));
  live.run();
  ASSERT_EQ(live.vm.status, pw::RunStatus::Failed);
  Machine m(live.program);
  pw::trace::RecordOptions o;
  o.path = dir.path("failed.pwtrace");
  pw::trace::record_run(m.vm, o);
  TraceReader reader(o.path);
  const auto last = reader.read_snapshot(reader.snapshots().size() - 1);
  pw::ScriptedHost idle;
  pw::VmState restored(reader.header().program, reader.header().config, &idle);
  pw::restore_state(restored, last.image);
  EXPECT_EQ(restored.status, pw::RunStatus::Failed);
  EXPECT_TRUE(restored.error.has_value()) << "status Failed without an error";
  EXPECT_TRUE(same_text(pw::dump_state(restored), live.dump()));
}

}  // namespace
