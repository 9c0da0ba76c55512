// Fuzzes what lies behind a trace's checksums: the zstd decoder, the Cap'n Proto reader, the
// header's program and config, the event decoder, the snapshot decoder and the replay that
// uses them. The input is a trace file, like fuzz_trace_reader's, but its custom mutator
// changes the file record by record (a field of a decoded message, the message's bytes, the
// compressed bytes, whole frames) and re-frames it: fresh checksums, the index and trailer
// pointed at the frames' new places, a changed snapshot's hash recomputed. A crash found here
// is a trace file that pwreplay reads the same way.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "capnp_mutation.h"
#include "frame_format.h"
#include "state_image.h"
#include "trace.capnp.h"
#include "trace_codec.h"
#include "trace_exercise.h"
#include "trace_frames.h"

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace {

namespace t = pw::trace;
using pwfuzz::Rng;

capnp::StructSchema schema_of(std::uint8_t kind) {
  switch (static_cast<t::RecordKind>(kind)) {
    case t::RecordKind::Header: return capnp::Schema::from<t::Header>();
    case t::RecordKind::EventChunk: return capnp::Schema::from<t::EventChunk>();
    case t::RecordKind::Snapshot: return capnp::Schema::from<t::Snapshot>();
    case t::RecordKind::Outcome: return capnp::Schema::from<t::Outcome>();
    default: return capnp::Schema::from<t::Index>();
  }
}

// A changed snapshot keeps a hash that matches its contents, so a replay restores it
// instead of refusing it as damaged.
void rehash_snapshot(capnp::MallocMessageBuilder& message) {
  try {
    auto s = message.getRoot<t::Snapshot>();
    s.setHash(pw::image_hash(t::read_snapshot_image(s.asReader())));
  } catch (const t::TraceFormatError&) {
  } catch (const kj::Exception&) {
  }
}

// One field of the frame's decoded message.
bool mutate_field(pwfuzz::TraceFrame& frame, Rng& rng) {
  auto words = pwfuzz::decompress_record(frame.payload);
  if (!words) return false;
  try {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 1u << 26;
    capnp::FlatArrayMessageReader reader(*words, options);
    capnp::MallocMessageBuilder message;
    const auto schema = schema_of(frame.kind);
    message.setRoot(reader.getRoot<capnp::DynamicStruct>(schema));
    if (!pwfuzz::mutate_one_field(message.getRoot<capnp::DynamicStruct>(schema), rng)) return false;
    if (frame.kind == static_cast<std::uint8_t>(t::RecordKind::Snapshot) && rng() % 8 != 0) rehash_snapshot(message);
    frame.payload = pwfuzz::compress_record(capnp::messageToFlatArray(message));
    return true;
  } catch (const kj::Exception&) {
    return false;
  }
}

// The message's bytes, as libFuzzer mutates bytes (pointers and all).
bool mutate_message_bytes(pwfuzz::TraceFrame& frame) {
  auto words = pwfuzz::decompress_record(frame.payload);
  if (!words || words->size() == 0) return false;
  std::string bytes(words->asBytes().begin(), words->asBytes().end());
  const std::size_t size = bytes.size();
  bytes.resize(size * 2 + 64);
  bytes.resize(LLVMFuzzerMutate(reinterpret_cast<std::uint8_t*>(bytes.data()), size, bytes.size()));
  bytes.resize((bytes.size() + 7) / 8 * 8);
  auto out = kj::heapArray<capnp::word>(bytes.size() / 8);
  std::memcpy(out.begin(), bytes.data(), bytes.size());
  frame.payload = pwfuzz::compress_record(out);
  return true;
}

// The compressed bytes: what the zstd decoder reads.
void mutate_payload(pwfuzz::TraceFrame& frame) {
  std::string& p = frame.payload;
  const std::size_t size = p.size();
  if (size == 0) return;
  p.resize(size * 2 + 64);
  p.resize(LLVMFuzzerMutate(reinterpret_cast<std::uint8_t*>(p.data()), size, p.size()));
}

// Whole frames: dropped, repeated, swapped, given another kind, or the file cut short.
void mutate_frames(pwfuzz::SplitTrace& trace, Rng& rng) {
  auto& frames = trace.frames;
  const std::size_t i = rng() % frames.size();
  switch (rng() % 5) {
    case 0:
      if (frames.size() > 1) frames.erase(frames.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    case 1: {
      pwfuzz::TraceFrame copy = frames[i];
      copy.old_offset = pwfuzz::TraceFrame::kNoOffset;
      frames.insert(frames.begin() + static_cast<std::ptrdiff_t>(rng() % (frames.size() + 1)), std::move(copy));
      break;
    }
    case 2: std::swap(frames[i], frames[rng() % frames.size()]); break;
    case 3: frames[i].kind = static_cast<std::uint8_t>(rng() % 7); break;
    default: {
      // A torn tail: the last frame cut somewhere, the trailer gone.
      const std::size_t last = frames.size() - 1;
      if (last == 0) break;
      pwfuzz::TraceFrame& f = frames[last];
      const std::string whole = pwfuzz::join_trace({{f}, "", false, 0});
      const std::string_view framed = std::string_view(whole).substr(t::kFileMagic.size());
      trace.tail.assign(framed.substr(0, rng() % framed.size()));
      frames.pop_back();
      trace.has_trailer = false;
      break;
    }
  }
}

void mutate_trace(pwfuzz::SplitTrace& trace, Rng& rng) {
  const unsigned strategy = rng() % 16;
  if (strategy >= 13) {
    mutate_frames(trace, rng);
    return;
  }
  pwfuzz::TraceFrame& frame = trace.frames[rng() % trace.frames.size()];
  frame.changed = true;
  if (strategy < 10 && mutate_field(frame, rng)) return;
  if (strategy < 12 && mutate_message_bytes(frame)) return;
  mutate_payload(frame);
}

// Writes [file] to libFuzzer's buffer; 0 (no mutation) when it does not fit.
std::size_t emit(const std::string& file, std::uint8_t* data, std::size_t max_size) {
  if (file.size() > max_size) return 0;
  std::memcpy(data, file.data(), file.size());
  return file.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pwfuzz::exercise_trace(data, size);
  return 0;
}

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  Rng rng(seed);
  auto trace = pwfuzz::split_trace(std::string_view(reinterpret_cast<const char*>(data), size));
  // Inputs that are no longer traces, and now and then any input, get plain byte mutations.
  if (!trace || trace->frames.empty() || rng() % 32 == 0) return LLVMFuzzerMutate(data, size, max_size);
  mutate_trace(*trace, rng);
  const std::size_t n = emit(pwfuzz::join_trace(*trace), data, max_size);
  return n ? n : LLVMFuzzerMutate(data, size, max_size);
}

// A record of one trace put in the place of a record of the same kind in another (a
// snapshot or chunk from another run, another program's header), where the index finds it.
extern "C" std::size_t LLVMFuzzerCustomCrossOver(const std::uint8_t* data1, std::size_t size1, const std::uint8_t* data2,
                                                 std::size_t size2, std::uint8_t* out, std::size_t max_out_size,
                                                 unsigned int seed) {
  Rng rng(seed);
  auto a = pwfuzz::split_trace(std::string_view(reinterpret_cast<const char*>(data1), size1));
  auto b = pwfuzz::split_trace(std::string_view(reinterpret_cast<const char*>(data2), size2));
  if (!a || !b || a->frames.empty() || b->frames.empty()) return 0;
  const pwfuzz::TraceFrame& donor = b->frames[rng() % b->frames.size()];
  std::vector<std::size_t> places;
  for (std::size_t i = 0; i < a->frames.size(); ++i)
    if (a->frames[i].kind == donor.kind) places.push_back(i);
  if (places.empty()) return 0;
  pwfuzz::TraceFrame& place = a->frames[places[rng() % places.size()]];
  place.payload = donor.payload;
  place.changed = true;
  return emit(pwfuzz::join_trace(*a), out, max_out_size);
}
