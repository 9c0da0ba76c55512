// Splitting a trace file into frames and joining them again, with the index kept in step.
#include "trace_frames.h"

#include <cstring>
#include <map>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>
#include <zstd.h>

#include "frame_format.h"
#include "trace.capnp.h"

namespace pwfuzz {

namespace t = pw::trace;

namespace {

capnp::ReaderOptions reader_options() {
  capnp::ReaderOptions o;
  o.traversalLimitInWords = 1u << 26;
  return o;
}

// The frames that fit in [begin, limit); returns where the walk stopped.
std::size_t walk(std::string_view file, std::size_t limit, std::vector<TraceFrame>& frames) {
  std::size_t offset = t::kFileMagic.size();
  while (offset + t::kFrameHeaderBytes <= limit) {
    const t::FrameHeader h = t::FrameHeader::decode(file.data() + offset);
    if (h.payload_bytes > limit - offset - t::kFrameHeaderBytes) break;
    TraceFrame f;
    f.kind = static_cast<std::uint8_t>(h.kind);
    f.codec = static_cast<std::uint8_t>(h.codec);
    f.payload.assign(file.substr(offset + t::kFrameHeaderBytes, h.payload_bytes));
    f.old_offset = offset;
    frames.push_back(std::move(f));
    offset += t::kFrameHeaderBytes + h.payload_bytes;
  }
  return offset;
}

// What the index repeats of a chunk or snapshot record.
struct RecordFacts {
  std::uint64_t from = 0, to = 0, hash = 0;
  std::uint32_t events = 0;
};

std::optional<RecordFacts> facts_of(const TraceFrame& frame) {
  auto words = decompress_record(frame.payload);
  if (!words) return std::nullopt;
  try {
    capnp::FlatArrayMessageReader r(*words, reader_options());
    RecordFacts facts;
    if (frame.kind == static_cast<std::uint8_t>(t::RecordKind::EventChunk)) {
      auto c = r.getRoot<t::EventChunk>();
      facts = {c.getFromStep(), c.getToStep(), 0, c.getEventCount()};
    } else if (frame.kind == static_cast<std::uint8_t>(t::RecordKind::Snapshot)) {
      auto s = r.getRoot<t::Snapshot>();
      facts = {s.getStep(), 0, s.getHash(), 0};
    } else {
      return std::nullopt;
    }
    return facts;
  } catch (const kj::Exception&) {
    return std::nullopt;
  }
}

// [index] with its offsets moved to where the frames are now ([moved]: old offset -> new
// offset and frame), and the facts of changed records copied in.
std::optional<std::string> fixed_index(kj::ArrayPtr<const capnp::word> index, const std::vector<TraceFrame>& frames,
                                       const std::map<std::uint64_t, std::pair<std::uint64_t, std::size_t>>& moved) {
  try {
    capnp::FlatArrayMessageReader r(index, reader_options());
    capnp::MallocMessageBuilder b;
    b.setRoot(r.getRoot<t::Index>());
    auto out = b.getRoot<t::Index>();
    auto place = [&](std::uint64_t offset) -> const std::pair<std::uint64_t, std::size_t>* {
      auto it = moved.find(offset);
      return it == moved.end() ? nullptr : &it->second;
    };
    for (auto c : out.getChunks()) {
      const auto* p = place(c.getOffset());
      if (!p) continue;
      c.setOffset(p->first);
      if (!frames[p->second].changed) continue;
      if (auto facts = facts_of(frames[p->second])) {
        c.setFromStep(facts->from);
        c.setToStep(facts->to);
        c.setEventCount(facts->events);
      }
    }
    for (auto s : out.getSnapshots()) {
      const auto* p = place(s.getOffset());
      if (!p) continue;
      s.setOffset(p->first);
      if (!frames[p->second].changed) continue;
      if (auto facts = facts_of(frames[p->second])) {
        s.setStep(facts->from);
        s.setHash(facts->hash);
      }
    }
    if (const auto* p = place(out.getOutcomeOffset())) out.setOutcomeOffset(p->first);
    return compress_record(capnp::messageToFlatArray(b));
  } catch (const kj::Exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<kj::Array<capnp::word>> decompress_record(std::string_view payload) {
  const unsigned long long size = ZSTD_getFrameContentSize(payload.data(), payload.size());
  // Far above any record of the seed traces: a mutation that claims more is not decompressed.
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (64u << 20) ||
      size % sizeof(capnp::word) != 0)
    return std::nullopt;
  auto words = kj::heapArray<capnp::word>(size / sizeof(capnp::word));
  const std::size_t n = ZSTD_decompress(words.begin(), size, payload.data(), payload.size());
  if (ZSTD_isError(n) || n != size) return std::nullopt;
  return words;
}

std::string compress_record(kj::ArrayPtr<const capnp::word> message) {
  const auto bytes = message.asBytes();
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  const std::size_t n = ZSTD_compress(out.data(), out.size(), bytes.begin(), bytes.size(), 1);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

std::optional<SplitTrace> split_trace(std::string_view file) {
  if (file.size() < t::kFileMagic.size() || file.substr(0, t::kFileMagic.size()) != t::kFileMagic) return std::nullopt;
  SplitTrace trace;
  const std::size_t trailer_at = file.size() - t::kTrailerBytes;
  if (file.size() >= t::kFileMagic.size() + t::kTrailerBytes && file.substr(trailer_at + 8) == t::kTrailerMagic &&
      walk(file, trailer_at, trace.frames) == trailer_at) {
    trace.has_trailer = true;
    std::memcpy(&trace.trailer_offset, file.data() + trailer_at, 8);
    return trace;
  }
  trace.frames.clear();
  trace.tail.assign(file.substr(walk(file, file.size(), trace.frames)));
  return trace;
}

std::string join_trace(const SplitTrace& trace) {
  const auto& frames = trace.frames;
  std::vector<std::string> payloads;
  std::vector<std::optional<kj::Array<capnp::word>>> indexes;  // each Index frame's message as split
  for (const TraceFrame& f : frames) {
    payloads.push_back(f.payload);
    indexes.push_back(f.kind == static_cast<std::uint8_t>(t::RecordKind::Index) ? decompress_record(f.payload)
                                                                              : std::nullopt);
  }
  std::vector<std::uint64_t> offsets(frames.size());
  std::map<std::uint64_t, std::pair<std::uint64_t, std::size_t>> moved;
  // A rewritten index may change size and move the frames after it: a few rounds settle it.
  for (int round = 0; round < 4; ++round) {
    std::uint64_t offset = t::kFileMagic.size();
    moved.clear();
    for (std::size_t i = 0; i < frames.size(); ++i) {
      offsets[i] = offset;
      if (frames[i].old_offset != TraceFrame::kNoOffset) moved.emplace(frames[i].old_offset, std::make_pair(offset, i));
      offset += t::kFrameHeaderBytes + payloads[i].size();
    }
    bool settled = true;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      if (!indexes[i]) continue;
      auto fixed = fixed_index(*indexes[i], frames, moved);
      if (fixed && *fixed != payloads[i]) {
        payloads[i] = std::move(*fixed);
        settled = false;
      }
    }
    if (settled) break;
  }
  std::string out(t::kFileMagic);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    t::FrameHeader h;
    h.payload_bytes = static_cast<std::uint32_t>(payloads[i].size());
    h.kind = static_cast<t::RecordKind>(frames[i].kind);
    h.codec = static_cast<t::Codec>(frames[i].codec);
    h.checksum = t::checksum(payloads[i].data(), payloads[i].size());
    const auto head = h.encode();
    out.append(head.data(), head.size());
    out += payloads[i];
  }
  out += trace.tail;
  if (trace.has_trailer) {
    std::uint64_t index_offset = trace.trailer_offset;
    if (auto it = moved.find(index_offset); it != moved.end()) index_offset = it->second.first;
    char trailer[8];
    std::memcpy(trailer, &index_offset, 8);
    out.append(trailer, 8);
    out += t::kTrailerMagic;
  }
  return out;
}

}  // namespace pwfuzz
