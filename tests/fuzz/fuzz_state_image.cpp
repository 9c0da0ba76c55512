// Fuzzes restoring a VM state from a snapshot (runtime/state_image.h), which a replay does
// with whatever a trace holds. The input is one byte choosing an example program and a
// Snapshot message (trace.capnp, unpacked, uncompressed), decoded with the snapshot decoder
// the trace reader uses. An image that restore_state accepts must read back as itself, and
// the restored state must run, dump and hash without misbehaving.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "capnp_mutation.h"
#include "fuzz_support.h"
#include "interpreter.h"
#include "state_dump.h"
#include "state_image.h"
#include "trace.capnp.h"
#include "trace_codec.h"

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace {

namespace t = pw::trace;

constexpr std::uint64_t kSteps = 5'000;

kj::Array<capnp::word> words_of(const std::uint8_t* data, std::size_t size) {
  auto words = kj::heapArray<capnp::word>((size + 7) / 8);
  std::memset(words.begin(), 0, words.size() * sizeof(capnp::word));
  if (size) std::memcpy(words.begin(), data, size);
  return words;
}

capnp::ReaderOptions reader_options() {
  capnp::ReaderOptions o;
  o.traversalLimitInWords = 1u << 22;
  o.nestingLimit = 32;
  return o;
}

// [image] as capture_state lays a state out: objects' strings and slots one after the other,
// in object order; no function outside closures; the payloads of nil and bool as the VM
// holds them. restore_state may accept other layouts of the same state.
pw::StateImage canonical(const pw::StateImage& image) {
  pw::StateImage out = image;
  auto fix = [](pw::ValueImage& v) {
    if (v.type == static_cast<std::uint64_t>(pw::ValueType::Nil)) v.payload = 0;
    if (v.type == static_cast<std::uint64_t>(pw::ValueType::Bool)) v.payload = v.payload != 0;
  };
  out.bytes.clear();
  out.slots.clear();
  for (std::size_t i = 0; i < image.objects.size(); ++i) {
    const pw::ObjectImage& in = image.objects[i];
    pw::ObjectImage& o = out.objects[i];
    const std::uint64_t end = std::uint64_t{in.first} + in.count;
    if (in.kind == static_cast<std::uint32_t>(pw::ValueType::String) && end <= image.bytes.size()) {
      o.first = static_cast<std::uint32_t>(out.bytes.size());
      out.bytes.append(image.bytes, in.first, in.count);
    } else if (in.kind != static_cast<std::uint32_t>(pw::ValueType::String) && end <= image.slots.size()) {
      o.first = static_cast<std::uint32_t>(out.slots.size());
      out.slots.insert(out.slots.end(), image.slots.data() + in.first, image.slots.data() + end);
    }
    if (in.kind != static_cast<std::uint32_t>(pw::ValueType::Closure)) o.fn = 0;
  }
  for (auto* values : {&out.stack, &out.globals, &out.slots})
    for (pw::ValueImage& v : *values) fix(v);
  fix(out.result);
  return out;
}

// The first part of two images that differs, for the report.
const char* first_difference(const pw::StateImage& a, const pw::StateImage& b) {
  if (a.step != b.step) return "step";
  if (a.status != b.status) return "status";
  if (a.next_frame_id != b.next_frame_id) return "next_frame_id";
  if (a.stack != b.stack) return "stack";
  if (a.frames != b.frames) return "frames";
  if (a.globals != b.globals) return "globals";
  if (a.handlers != b.handlers) return "handlers";
  if (a.objects != b.objects) return "objects";
  if (a.slots != b.slots) return "slots";
  if (a.bytes != b.bytes) return "bytes";
  if (a.gc != b.gc) return "gc counters";
  if (a.output != b.output) return "output";
  if (a.result != b.result) return "result";
  return "error";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto& programs = pwfuzz::example_programs();
  const auto& program = programs[data[0] % programs.size()];
  pw::StateImage image;
  try {
    const auto words = words_of(data + 1, size - 1);
    capnp::FlatArrayMessageReader reader(words, reader_options());
    image = t::read_snapshot_image(reader.getRoot<t::Snapshot>());
  } catch (const kj::Exception&) {
    return 0;
  } catch (const t::TraceFormatError&) {
    return 0;
  }
  pw::ScriptedHost host;
  pwfuzz::feed(host);
  pw::VmState vm(program, pwfuzz::small_config(), &host);
  try {
    pw::restore_state(vm, image);
  } catch (const pw::StateImageError&) {
    return 0;
  }
  // Only an image restore_state accepted gets here: its bounds are checked.
  if (const pw::StateImage again = pw::capture_state(vm); again != canonical(image)) {
    image = canonical(image);
    std::fprintf(stderr, "the restored state does not read back as the image it was restored from: %s differ\n",
                 first_difference(image, again));
    for (std::size_t i = 0; i < image.objects.size() && i < again.objects.size(); ++i) {
      const pw::ObjectImage &a = image.objects[i], &b = again.objects[i];
      if (a == b) continue;
      std::fprintf(stderr, "object %zu: id %llu kind %u fn %u first %u count %u, read back as id %llu kind %u fn %u first %u count %u\n", i,
                   static_cast<unsigned long long>(a.id), a.kind, a.fn, a.first, a.count,
                   static_cast<unsigned long long>(b.id), b.kind, b.fn, b.first, b.count);
      break;
    }
    std::abort();
  }
  (void)pw::dump_state(vm);
  if (vm.status == pw::RunStatus::Ready || vm.status == pw::RunStatus::Paused) pw::run(vm, kSteps);
  (void)pw::state_hash(vm);
  return 0;
}

// Mutates the message field by field, so that changes land inside the snapshot's blobs (the
// values, frames, objects, handlers) and numbers rather than in Cap'n Proto's pointers; now
// and then the program byte, or the bytes as they are.
extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  pwfuzz::Rng rng(seed);
  const unsigned choice = rng() % 16;
  if (size < 9 || choice == 0) return LLVMFuzzerMutate(data, size, max_size);
  if (choice == 1) {
    data[0] = static_cast<std::uint8_t>(rng());
    return size;
  }
  try {
    const auto input = words_of(data + 1, size - 1);
    capnp::FlatArrayMessageReader reader(input, reader_options());
    capnp::MallocMessageBuilder message;
    const auto schema = capnp::Schema::from<t::Snapshot>();
    message.setRoot(reader.getRoot<capnp::DynamicStruct>(schema));
    if (!pwfuzz::mutate_one_field(message.getRoot<capnp::DynamicStruct>(schema), rng))
      return LLVMFuzzerMutate(data, size, max_size);
    const auto output = capnp::messageToFlatArray(message);
    const auto bytes = output.asBytes();
    if (bytes.size() + 1 > max_size) return LLVMFuzzerMutate(data, size, max_size);
    std::memcpy(data + 1, bytes.begin(), bytes.size());
    return bytes.size() + 1;
  } catch (const kj::Exception&) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
}
