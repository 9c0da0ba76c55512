// The recording driver: header, then slices of execution with a chunk after each and a
// snapshot every interval, then the final snapshot, the outcome and the index.
#include "recorder.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>

#include <capnp/message.h>
#include <fmt/format.h>

#include "frame_format.h"
#include "interpreter_impl.h"
#include "recording_observer.h"
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
  w.append(RecordMeta{RecordKind::Header}, std::move(m));
}

// [image] is scratch space reused across snapshots.
void write_snapshot_record(TraceWriter& w, const VmState& vm, StateImage& image) {
  capture_state(vm, image);
  const std::uint64_t hash = image_hash(image);
  // Size the first segment to hold the whole snapshot: one allocation, no segment chain.
  const std::size_t words = (image.stack.size() + image.globals.size() + image.slots.size()) * 2 +
                            image.objects.size() * 3 + image.frames.size() * 5 + image.handlers.size() * 2 +
                            (image.bytes.size() + image.output.size()) / 8 + 256;
  auto m = std::make_unique<capnp::MallocMessageBuilder>(static_cast<unsigned>(std::min<std::size_t>(words, 1u << 28)));
  write_snapshot(m->initRoot<Snapshot>(), image, hash);
  RecordMeta meta{RecordKind::Snapshot};
  meta.from_step = image.step;
  meta.hash = hash;
  w.append(meta, std::move(m));
}

struct ChunkStart {
  std::uint64_t step = 0;
  std::uint32_t depth = 0;
  std::uint64_t alloc_id = 0;
  std::uint64_t output_bytes = 0;
};

}  // namespace

RecordResult record_run(VmState& vm, const RecordOptions& o) {
  TraceWriter writer(o.path, o.compression_level);
  RecordResult result;
  write_header(writer, vm, o);
  StateImage scratch;
  write_snapshot_record(writer, vm, scratch);
  ++result.snapshots;

  RecordingObserver obs(vm);
  std::uint32_t chunk_index = 0;
  auto chunk_start = [&] {
    return ChunkStart{vm.step, vm.depth, obs.next_alloc_id(), vm.output.size()};
  };
  ChunkStart start = chunk_start();
  obs.events.reset(start.step);
  auto flush_chunk = [&](std::uint64_t to_step) {
    obs.log_pending_collections(vm.step);
    const std::string_view bytes = obs.events.bytes();
    auto m = std::make_unique<capnp::MallocMessageBuilder>(static_cast<unsigned>(bytes.size() / 8 + 1024));
    auto c = m->initRoot<EventChunk>();
    c.setIndex(chunk_index++);
    c.setFromStep(start.step);
    c.setToStep(to_step);
    c.setEventCount(obs.events.count());
    c.setStartDepth(start.depth);
    c.setFirstAllocId(start.alloc_id);
    c.setEvents(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()));
    const auto profile = obs.take_profile();
    auto list = c.initProfile(static_cast<unsigned>(profile.size()));
    for (unsigned i = 0; i < profile.size(); ++i) {
      list[i].setInstruction(profile[i].first);
      list[i].setCount(profile[i].second);
    }
    c.setOutputBytes(start.output_bytes);
    RecordMeta meta{RecordKind::EventChunk};
    meta.from_step = start.step;
    meta.to_step = to_step;
    meta.event_count = obs.events.count();
    writer.append(meta, std::move(m));
    result.events += obs.events.count();
    ++result.chunks;
    start = chunk_start();
    obs.events.reset(start.step);
  };

  const std::uint64_t interval = o.snapshot_interval;
  std::uint64_t next_snapshot = interval ? interval : UINT64_MAX;
  const std::uint64_t chunk_steps = o.chunk_steps ? o.chunk_steps : 1'000'000;
  RunStatus status = vm.status;
  std::uint64_t last_snapshot_step = 0;
  for (;;) {
    std::uint64_t boundary = std::min(start.step + chunk_steps, next_snapshot);
    if (o.stop_at) boundary = std::min(boundary, *o.stop_at);
    status = run_with(vm, obs, boundary > vm.step ? boundary - vm.step : 0);
    if (status != RunStatus::Paused) break;
    obs.stopped_inside_block(vm, /*started=*/false);
    flush_chunk(vm.step);
    if (vm.step >= next_snapshot) {
      write_snapshot_record(writer, vm, scratch);
      ++result.snapshots;
      last_snapshot_step = vm.step;
      next_snapshot = vm.step + std::max(interval, vm.heap.stats().live_objects * o.steps_per_live_object);
    }
    if (writer.failed() || (o.stop_at && vm.step >= *o.stop_at)) break;
  }
  // The last chunk also holds the events of a failing instruction, whose step is vm.step
  // (a run stopped by the step limit has no such instruction).
  const bool failing_instruction =
      status == RunStatus::Failed && vm.error && vm.error->kind != ErrorKind::StepLimitExceeded;
  if (status == RunStatus::Failed) obs.stopped_inside_block(vm, failing_instruction);  // pauses were corrected in the loop
  obs.log_pending_collections(vm.step);
  std::uint64_t last_to = vm.step + (failing_instruction ? 1 : 0);
  if (obs.events.count() && obs.events.last_step() >= last_to) last_to = obs.events.last_step() + 1;
  if (last_to > start.step || obs.events.count()) flush_chunk(last_to);
  if (last_snapshot_step != vm.step || status != RunStatus::Paused) {
    write_snapshot_record(writer, vm, scratch);
    ++result.snapshots;
  }

  auto m = std::make_unique<capnp::MallocMessageBuilder>();
  auto out = m->initRoot<Outcome>();
  out.setSteps(vm.step);
  out.setOutputBytes(vm.output.size());
  out.setFinalHash(state_hash(vm));
  if (status == RunStatus::Halted) {
    out.setStatus(Outcome::Status::HALTED);
    out.setResult(display(vm, vm.result));
  } else if (status == RunStatus::Failed && vm.error) {
    out.setStatus(Outcome::Status::FAILED);
    write_error(out.initError(), *vm.error);
  } else {
    out.setStatus(Outcome::Status::STOPPED);
  }
  writer.append(RecordMeta{RecordKind::Outcome}, std::move(m));

  result.status = status;
  result.steps = vm.step;
  try {
    writer.finish();
  } catch (const TraceWriteError& e) {
    result.write_error = e.what();
  }
  result.file_bytes = writer.file_bytes();
  result.uncompressed_bytes = writer.uncompressed_bytes();
  return result;
}

}  // namespace pw::trace
