// The recording driver: header, then slices of execution with a chunk after each and a
// snapshot every interval, then the final snapshot, the outcome and the index.
#include "recorder.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include <capnp/message.h>
#include <fmt/format.h>

#include "frame_format.h"
#include "interpreter_impl.h"
#include "recording_observer.h"
#include "snapshot_packing.h"
#include "state_dump.h"
#include "state_image.h"
#include "trace.capnp.h"
#include "trace_codec.h"
#include "trace_writer.h"

namespace pw::trace {
namespace {

void write_header(TraceWriter& w, const VmState& vm, const RecordOptions& o) {
  auto m = std::make_unique<capnp::MallocMessageBuilder>();
  auto h = m->initRoot<Header>();
  h.setMagic("pwtrace");
  h.setFormatMajor(kFormatMajor);
  h.setFormatMinor(kFormatMinor);
  h.setRecorder(o.recorder_name);
  write_program(h.initProgram(), vm.program(), program_hash(vm.program()));
  const pw::VmConfig& c = vm.config();
  auto cfg = h.initConfig();
  cfg.setMaxSteps(c.limits.max_steps);
  cfg.setMaxStack(c.limits.max_stack);
  cfg.setMaxDepth(c.limits.max_depth);
  cfg.setMaxHeap(c.limits.max_heap);
  cfg.setMaxOutput(c.limits.max_output);
  cfg.setGcEnabled(c.gc.enabled);
  cfg.setGcStress(c.gc.stress);
  cfg.setGcMinThreshold(c.gc.min_threshold);
  h.setCapabilities(capabilities_to_string(c.capabilities));
  auto args = h.initArgs(static_cast<unsigned>(o.args.size()));
  for (unsigned i = 0; i < o.args.size(); ++i) args.set(i, o.args[i]);
  h.setStartTimeUnixNs(std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count());
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) h.setHostName(host);
  struct utsname u;
  if (::uname(&u) == 0) h.setHostSystem(fmt::format("{} {} {}", u.sysname, u.release, u.machine));
  h.setSnapshotInterval(o.snapshot_interval);
  h.setChunkSteps(o.chunk_steps);
  h.setFirstDynamicId(vm.heap.next_id());
  h.setSnapshotStepsPerLiveObject(o.steps_per_live_object);
  h.setHistoryLimit(o.history_limit);
  h.setDerivedEvents(o.derive_events);
  w.append(RecordMeta{RecordKind::Header}, std::move(m));
}

// What the interpreter's thread captures for a snapshot: the state but for its values and
// objects (image), and those packed.
struct SnapshotCapture {
  StateImage image;
  PackedBytes packed;
};

// The snapshot record of [c], whose hash this computes (on the writer thread, in one image
// it keeps for every snapshot). The message references the packed arrays instead of copying
// them: [c] must outlive it.
std::unique_ptr<capnp::MallocMessageBuilder> snapshot_message(const SnapshotCapture& c, bool edited, RecordMeta& meta,
                                                              SegmentScratch& scratch) {
  const StateImage& image = c.image;
  // The capture's arrays are empty: copying it keeps the kept image's room for them.
  StateImage& whole = scratch.image;
  whole = image;
  unpack_image(std::string_view(c.packed.data.get(), c.packed.size), whole);
  const std::uint64_t hash = image_hash(whole);
  // The first segment holds the rest of the snapshot: one allocation, no segment chain.
  const std::size_t words = (image.frames.size() * 5 + image.handlers.size() * 2 +
                             (image.bytes.size() + image.output.size()) / 8 + 256);
  auto m = std::make_unique<capnp::MallocMessageBuilder>(scratch.zeroed(std::min<std::size_t>(words, 1u << 28)));
  auto root = m->initRoot<Snapshot>();
  write_packed_snapshot(root, image, hash, c.packed);
  root.setEdited(edited);
  meta.hash = hash;
  return m;
}

std::size_t image_bytes(const StateImage& image) {
  return (image.stack.size() + image.globals.size() + image.slots.size()) * sizeof(ValueImage) +
         image.objects.size() * sizeof(ObjectImage) + image.frames.size() * sizeof(FrameImage) + image.bytes.size() +
         image.output.size();
}

// Buffers that go to the writer thread with a record and come back for a later one: fresh
// memory for every chunk and snapshot would cost the interpreter's thread page faults.
template <class T>
class BufferPool {
 public:
  explicit BufferPool(std::size_t keep) : keep_(keep) {}
  T take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return T{};
    T t = std::move(free_.back());
    free_.pop_back();
    return t;
  }
  void give(T t) {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < keep_) free_.push_back(std::move(t));
  }

 private:
  std::size_t keep_;
  std::mutex mu_;
  std::vector<T> free_;
};

}  // namespace

struct Recorder::Buffers {
  BufferPool<EventBytes> events{4};
  BufferPool<SnapshotCapture> snapshots{3};  // as many as the writer may hold at once
};

// The recording observer, asked before every instruction too.
template <bool kDerive>
struct Recorder::Observer : RecordingHooks<kDerive> {
  static constexpr bool kStepHook = true;
  using RecordingHooks<kDerive>::RecordingHooks;
  bool on_step(VmState& vm) {
    this->paused_by_hook = this->hook->before_step(vm);
    return this->paused_by_hook;
  }
};

template <bool kDerive>
RunStatus Recorder::run_slice(std::uint64_t steps) {
  auto& obs = static_cast<Observer<kDerive>&>(*obs_);
  return obs.hook ? run_with(vm_, obs, steps) : run_with(vm_, static_cast<RecordingHooks<kDerive>&>(obs), steps);
}

namespace {
// [o] with a snapshot at least every half window, so that dropping everything before a
// snapshot still leaves the window whole without keeping much more.
RecordOptions with_window_cadence(RecordOptions o) {
  if (o.history_limit) {
    const std::uint64_t half = std::max<std::uint64_t>(1, o.history_limit / 2);
    if (o.snapshot_interval == 0 || o.snapshot_interval > half) o.snapshot_interval = half;
  }
  return o;
}
}  // namespace

Recorder::Recorder(VmState& vm, RecordOptions options)
    : vm_(vm),
      options_(with_window_cadence(std::move(options))),
      writer_(std::make_unique<TraceWriter>(options_.path, options_.compression_level, options_.history_limit)),
      buffers_(std::make_shared<Buffers>()) {
  if (writer_->failed()) throw TraceWriteError(write_error());  // the program does not run
  if (options_.chunk_steps == 0) options_.chunk_steps = 1'000'000;
  write_header(*writer_, vm_, options_);
  write_snapshot();
  if (options_.derive_events) obs_ = std::make_unique<Observer<true>>(vm_, true);
  else obs_ = std::make_unique<Observer<false>>(vm_, false);
  start_ = chunk_start();
  obs_->events.reset(start_.step);
  next_snapshot_ = options_.snapshot_interval ? options_.snapshot_interval : UINT64_MAX;
}

Recorder::~Recorder() = default;

Recorder::ChunkStart Recorder::chunk_start() const {
  return ChunkStart{vm_.step, vm_.depth, obs_->next_alloc_id(), vm_.output.size()};
}

void Recorder::write_snapshot(bool edited) {
  // Only the capture runs here, packed: an image's arrays are seven times the bytes, in
  // fresh pages the first time. Unpacking, hashing, encoding and compressing are the
  // writer's. The buffers go back to the pool when the writer is done with the record (the
  // message references them until then).
  const std::shared_ptr<SnapshotCapture> capture(new SnapshotCapture(buffers_->snapshots.take()),
                                                 [buffers = buffers_](SnapshotCapture* done) {
                                                   buffers->snapshots.give(std::move(*done));
                                                   delete done;
                                                 });
  capture_state_except_values(vm_, capture->image);
  pack_state(vm_, capture->image, capture->packed);
  RecordMeta meta{RecordKind::Snapshot};
  meta.from_step = vm_.step;
  meta.edited = edited;
  const std::size_t bytes = capture->packed.size + image_bytes(capture->image);
  writer_->append(
      meta,
      [capture, edited](RecordMeta& m, SegmentScratch& scratch) { return snapshot_message(*capture, edited, m, scratch); },
      bytes);
  ++result_.snapshots;
  last_snapshot_step_ = vm_.step;
}

std::string Recorder::write_error() const {
  const std::string error = writer_->error();
  if (error.empty()) return error;
  // Chunks are written in step order: the last one written is where a reader's run ends.
  std::uint64_t recorded = 0;
  for (const WrittenRecord& r : writer_->written())
    if (r.meta.kind == RecordKind::EventChunk) recorded = r.meta.to_step;
  return fmt::format("{}; recording stopped at step {}", error, std::min(recorded, vm_.step));
}

std::vector<WrittenRecord> Recorder::written() const { return writer_->written(); }

void Recorder::flush_chunk(std::uint64_t to_step) {
  RecordingObserver& obs = *obs_;
  obs.log_pending_collections(vm_.step);
  auto events = std::make_shared<EventBytes>(obs.events.take(buffers_->events.take()));
  RecordMeta meta{RecordKind::EventChunk};
  meta.from_step = start_.step;
  meta.to_step = to_step;
  meta.event_count = events->count;
  // The writer thread builds the message.
  writer_->append(
      meta,
      [events, start = start_, derived = obs.derived, index = chunk_index_++, buffers = buffers_](
          RecordMeta& m, SegmentScratch& scratch) {
        auto message = std::make_unique<capnp::MallocMessageBuilder>(scratch.zeroed(events->size / 8 + 1024));
        auto c = message->initRoot<EventChunk>();
        c.setIndex(index);
        c.setFromStep(start.step);
        c.setToStep(m.to_step);
        c.setEventCount(events->count);
        c.setStartDepth(start.depth);
        c.setFirstAllocId(start.alloc_id);
        c.setEvents(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(events->data.get()), events->size));
        c.setOutputBytes(start.output_bytes);
        c.setDerivedCalls(derived.calls);
        c.setDerivedTailCalls(derived.tail_calls);
        c.setDerivedReturns(derived.returns);
        c.setDerivedAllocs(derived.allocs);
        buffers->events.give(std::move(*events));
        return message;
      },
      events->size + 1024);
  // Every event the run made, the derived ones too: what a listing of the trace shows.
  result_.events += meta.event_count + obs.derived.calls + obs.derived.tail_calls + obs.derived.returns +
                    obs.derived.allocs;
  ++result_.chunks;
  start_ = chunk_start();
  obs.events.reset(start_.step);
  obs.derived = {};
}

RunStatus Recorder::run(std::uint64_t max_steps, StepHook* hook) {
  if (finished_ || (vm_.status != RunStatus::Ready && vm_.status != RunStatus::Paused)) return vm_.status;
  std::uint64_t stop = max_steps > UINT64_MAX - vm_.step ? UINT64_MAX : vm_.step + max_steps;
  if (options_.stop_at) stop = std::min(stop, *options_.stop_at);
  obs_->hook = hook;
  for (;;) {
    if (options_.stop_signal && !result_.signal) result_.signal = options_.stop_signal->load(std::memory_order_relaxed);
    if (vm_.step >= stop || writer_->failed() || result_.signal)
      return vm_.status == RunStatus::Ready ? RunStatus::Paused : vm_.status;
    const std::uint64_t boundary = std::min<std::uint64_t>({start_.step + options_.chunk_steps, next_snapshot_, stop});
    obs_->paused_by_hook = false;
    const RunStatus status =
        options_.derive_events ? run_slice<true>(boundary - vm_.step) : run_slice<false>(boundary - vm_.step);
    if (status != RunStatus::Paused) return status;
    if (vm_.step >= start_.step + options_.chunk_steps || vm_.step >= next_snapshot_) flush_chunk(vm_.step);
    if (vm_.step >= next_snapshot_) {
      write_snapshot();
      next_snapshot_ = vm_.step + std::max(options_.snapshot_interval,
                                           vm_.heap.stats().live_objects * options_.steps_per_live_object);
    }
    if (obs_->paused_by_hook) return status;
  }
}

void Recorder::record_change() {
  if (finished_) return;
  // The events so far end here; the changed state is the point every replay restarts from.
  if (vm_.step > start_.step || !obs_->events.empty()) flush_chunk(vm_.step);
  write_snapshot(/*edited=*/true);
}

void Recorder::sync() {
  if (finished_) return;
  if (vm_.step > start_.step || !obs_->events.empty()) flush_chunk(vm_.step);
  try {
    writer_->drain();
  } catch (const TraceWriteError&) {
    throw TraceWriteError(write_error());
  }
}

void Recorder::discard() {
  if (finished_) return;
  finished_ = true;
  obs_.reset();  // detaches the GC log from the VM
  writer_->discard();
}

std::uint64_t Recorder::final_hash() {
  // The last snapshot is of this very state, and the writer thread has hashed it already:
  // capturing the state again would cost as much as the snapshot did.
  try {
    writer_->drain();
  } catch (const TraceWriteError&) {
    return state_hash(vm_);  // the snapshot may not have been written
  }
  const std::vector<WrittenRecord> written = writer_->written();
  for (auto r = written.rbegin(); r != written.rend(); ++r)
    if (r->meta.kind == RecordKind::Snapshot)
      return r->meta.from_step == vm_.step ? r->meta.hash : state_hash(vm_);
  return state_hash(vm_);
}

RecordResult Recorder::finish() {
  if (finished_) return result_;
  finished_ = true;
  RecordingObserver& obs = *obs_;
  const RunStatus status = vm_.status;
  // The last chunk also holds the events of a failing instruction, whose step is vm.step
  // (a run stopped by the step limit has no such instruction).
  const bool failing_instruction = failed_in_instruction(vm_);
  obs.log_pending_collections(vm_.step);
  std::uint64_t last_to = vm_.step + (failing_instruction ? 1 : 0);
  if (!obs.events.empty() && obs.events.last_step() >= last_to) last_to = obs.events.last_step() + 1;
  if (last_to > start_.step || !obs.events.empty()) flush_chunk(last_to);
  if (last_snapshot_step_ != vm_.step || (status != RunStatus::Paused && status != RunStatus::Ready)) write_snapshot();

  auto m = std::make_unique<capnp::MallocMessageBuilder>();
  auto out = m->initRoot<Outcome>();
  out.setSteps(vm_.step);  // format 1.0: a failing instruction is not counted here (readers add it)
  out.setOutputBytes(vm_.output.size());
  out.setFinalHash(final_hash());
  if (status == RunStatus::Halted) {
    out.setStatus(Outcome::Status::HALTED);
    // The start of a huge value: the outcome is a summary, and a Text field holds at most 512 MiB.
    out.setResult(text_ref(display_brief(vm_, vm_.result)));
  } else if (status == RunStatus::Failed && vm_.error) {
    out.setStatus(Outcome::Status::FAILED);
    trace::write_error(out.initError(), *vm_.error);
  } else {
    out.setStatus(Outcome::Status::STOPPED);
    out.setSignal(static_cast<std::uint32_t>(result_.signal));
  }
  writer_->append(RecordMeta{RecordKind::Outcome}, std::move(m));

  result_.status = status;
  result_.steps = executed_steps(vm_);
  try {
    writer_->finish();
  } catch (const TraceWriteError&) {
    result_.write_error = write_error();
  }
  result_.file_bytes = writer_->file_bytes();
  result_.uncompressed_bytes = writer_->uncompressed_bytes();
  obs_.reset();  // detaches the GC log from the VM
  return result_;
}

RecordResult record_run(VmState& vm, const RecordOptions& o) {
  Recorder recorder(vm, o);
  recorder.run(UINT64_MAX);
  return recorder.finish();
}

}  // namespace pw::trace
