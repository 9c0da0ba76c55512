// Reading trace files: framing, checksums, decompression, Cap'n Proto with limits.
#include "trace_reader.h"
#include "file_kind.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <capnp/serialize.h>
#include <fmt/format.h>
#include <kj/exception.h>
#include <zstd.h>

#include "trace.capnp.h"
#include "trace_codec.h"
#include "verifier.h"

namespace pw::trace {

namespace {
// A frame that runs past the end of the file: cut short, as a killed writer leaves its last.
class CutFrame : public TraceReadError {
 public:
  using TraceReadError::TraceReadError;
};
}  // namespace

struct TraceReader::Frame {
  FrameHeader header;
  std::uint64_t offset = 0;
  std::uint64_t end = 0;  // offset just past the frame
  kj::Array<capnp::word> words;
};

TraceReader::TraceReader(const std::string& path) : path_(path) {
  open(path);
  try {
    if (!read_index_from_trailer()) scan();
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

TraceReader::TraceReader(const std::string& path, const std::vector<WrittenRecord>& written) : path_(path) {
  open(path);
  try {
    index_written(written);
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

void TraceReader::index_written(const std::vector<WrittenRecord>& written) {
  for (; written_indexed_ < written.size(); ++written_indexed_) {
    const WrittenRecord& r = written[written_indexed_];
    switch (r.meta.kind) {
      case RecordKind::EventChunk:
        chunks_.push_back({r.meta.from_step, r.meta.to_step, r.offset, r.meta.event_count});
        break;
      case RecordKind::Snapshot: snapshots_.push_back({r.meta.from_step, r.offset, r.meta.hash, r.meta.edited}); break;
      case RecordKind::Outcome: read_outcome(r.offset, "outcome frame"); break;
      default: break;  // the header (read already) and the index
    }
  }
  scan_done_ = true;  // the writer's list is the index: no scanning after it
}

bool TraceReader::refresh(const std::vector<WrittenRecord>& written) {
  struct stat st;
  if (::fstat(fd_, &st) == 0) file_bytes_ = static_cast<std::uint64_t>(st.st_size);
  const std::size_t before = written_indexed_;
  index_written(written);
  return written_indexed_ != before;
}

namespace {

// A trace is read at random offsets: only a regular file will do. Says what [path] is else.
TraceReadError not_a_trace_file(const std::string& path, mode_t mode) {
  return TraceReadError(fmt::format("{} is {}, not a trace file", path, file_kind_name(mode)));
}

}  // namespace

void TraceReader::open(const std::string& path) {
  // Checked before opening as well: opening a pipe with no writer, or some devices, blocks.
  struct stat named {};
  if (::stat(path.c_str(), &named) == 0 && !S_ISREG(named.st_mode)) throw not_a_trace_file(path, named.st_mode);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw TraceReadError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw not_a_trace_file(path, st.st_mode);
  }
  file_bytes_ = static_cast<std::uint64_t>(st.st_size);
  try {
    char magic[8] = {};
    if (file_bytes_ < kFileMagic.size() || ::pread(fd_, magic, 8, 0) != 8 ||
        std::string_view(magic, 8) != kFileMagic)
      throw TraceReadError(fmt::format("{}: not a pwvm trace (no PWTRACE magic at byte 0)", path));
    read_header();
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

TraceReader::~TraceReader() {
  if (fd_ >= 0) ::close(fd_);
}

TraceReader::Frame TraceReader::read_frame(std::uint64_t offset, const std::string& what_frame) const {
  auto fail = [&](const std::string& what) -> TraceReadError {
    return TraceReadError(fmt::format("{}: {} at byte {}: {}", path_, what_frame, offset, what));
  };
  auto cut = [&](const std::string& what) { return CutFrame(fail(what).what()); };
  Frame f;
  f.offset = offset;
  if (offset + kFrameHeaderBytes > file_bytes_) throw cut("truncated frame header");
  char head[kFrameHeaderBytes];
  if (::pread(fd_, head, sizeof head, static_cast<off_t>(offset)) != static_cast<ssize_t>(sizeof head))
    throw fail(fmt::format("read error: {}", std::strerror(errno)));
  f.header = FrameHeader::decode(head);
  const auto kind = static_cast<std::uint8_t>(f.header.kind);
  if (kind < 1 || kind > 5) throw fail(fmt::format("unknown record kind {}", kind));
  if (f.header.codec != Codec::Zstd) throw fail(fmt::format("unknown codec {}", static_cast<int>(f.header.codec)));
  if (f.header.payload_bytes > kMaxPayloadBytes) throw fail("implausible payload length");
  f.end = offset + kFrameHeaderBytes + f.header.payload_bytes;
  if (f.end > file_bytes_)
    throw cut(fmt::format("truncated: the frame needs {} bytes, the file has {} left", f.header.payload_bytes,
                          file_bytes_ - offset - kFrameHeaderBytes));
  std::string payload(f.header.payload_bytes, '\0');
  if (::pread(fd_, payload.data(), payload.size(), static_cast<off_t>(offset + kFrameHeaderBytes)) !=
      static_cast<ssize_t>(payload.size()))
    throw fail(fmt::format("read error: {}", std::strerror(errno)));
  if (checksum(payload.data(), payload.size()) != f.header.checksum) throw fail("checksum mismatch");
  // The size a zstd frame declares bounds what decompression may write: nothing is
  // allocated for a frame that declares more than the format allows (a decompression bomb),
  // and one that expands past its declaration fails when it reaches the end of the buffer.
  const unsigned long long size = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) throw fail("not a zstd frame");
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) throw fail("the zstd frame does not declare its size");
  if (size > kMaxRecordBytes)
    throw fail(fmt::format("the record declares {} bytes, more than the {} a record may hold", size, kMaxRecordBytes));
  if (size % sizeof(capnp::word) != 0) throw fail("implausible record size");
  f.words = kj::heapArray<capnp::word>(size / sizeof(capnp::word));
  const std::size_t n = ZSTD_decompress(f.words.begin(), size, payload.data(), payload.size());
  if (ZSTD_isError(n) || n != size) throw fail("corrupt compressed data");
  return f;
}

namespace {

capnp::ReaderOptions limits_for(std::size_t words) {
  capnp::ReaderOptions o;
  // Room to traverse the message a few times over, never more: untrusted input.
  o.traversalLimitInWords = words * 4 + 1024;
  o.nestingLimit = 32;
  return o;
}

// Runs [body] and turns Cap'n Proto's complaints about a malformed message into ours.
template <class F>
auto parse(const std::string& where, F&& body) {
  try {
    return body();
  } catch (const kj::Exception& e) {
    throw TraceReadError(fmt::format("{}: malformed record: {}", where, e.getDescription().cStr()));
  } catch (const TraceFormatError& e) {
    throw TraceReadError(fmt::format("{}: {}", where, e.what()));
  } catch (const EventDecodeError& e) {
    throw TraceReadError(fmt::format("{}: {}", where, e.what()));
  }
}

}  // namespace

void TraceReader::read_header() {
  Frame f;
  try {
    f = read_frame(kFileMagic.size(), "frame 0 (header)");
  } catch (const TraceReadError& e) {
    throw TraceReadError(fmt::format("{} (the header is unreadable, so nothing else is)", e.what()));
  }
  const std::string where = fmt::format("{}: frame 0 at byte {}", path_, f.offset);
  if (f.header.kind != RecordKind::Header) throw TraceReadError(where + ": the first record is not a header");
  parse(where, [&] {
    capnp::FlatArrayMessageReader r(f.words, limits_for(f.words.size()));
    auto h = r.getRoot<Header>();
    if (h.getMagic() != "pwtrace") throw TraceFormatError("header magic is not 'pwtrace'");
    header_.format_major = h.getFormatMajor();
    header_.format_minor = h.getFormatMinor();
    if (header_.format_major > kFormatMajor)
      throw TraceFormatError(fmt::format("trace format {}.{} is newer than this reader's {}.{}: use a newer pwreplay",
                                         header_.format_major, header_.format_minor, kFormatMajor, kFormatMinor));
    if (header_.format_major == 0) throw TraceFormatError("trace format 0 does not exist");
    header_.recorder = h.getRecorder().cStr();
    auto program = std::make_shared<pw::Program>(read_program(h.getProgram()));
    try {
      verify(*program);
    } catch (const VerifyError& e) {
      throw TraceFormatError(fmt::format("the recorded program does not verify: {}", e.what()));
    }
    header_.program = program;
    header_.program_hash = h.getProgram().getHash();
    auto c = h.getConfig();
    header_.config.limits.max_steps = c.getMaxSteps();
    header_.config.limits.max_stack = c.getMaxStack();
    header_.config.limits.max_depth = c.getMaxDepth();
    header_.config.limits.max_heap = c.getMaxHeap();
    header_.config.limits.max_output = c.getMaxOutput();
    header_.config.gc.enabled = c.getGcEnabled();
    header_.config.gc.stress = c.getGcStress();
    header_.config.gc.min_threshold = c.getGcMinThreshold();
    // Checked before anything is sized by them: a VM allocates its stack and frames up front.
    if (const std::string problem = limits_problem(header_.config.limits); !problem.empty())
      throw TraceFormatError(fmt::format("the recorded VM limits are out of range: {}", problem));
    const auto caps = parse_capabilities(h.getCapabilities().cStr());
    if (!caps) throw TraceFormatError("unknown capability in the header");
    header_.config.capabilities = *caps;
    for (auto a : h.getArgs()) header_.args.emplace_back(a.cStr(), a.size());
    header_.start_time_unix_ns = h.getStartTimeUnixNs();
    header_.host_name = h.getHostName().cStr();
    header_.host_system = h.getHostSystem().cStr();
    header_.snapshot_interval = h.getSnapshotInterval();
    header_.snapshot_steps_per_live_object = h.getSnapshotStepsPerLiveObject();
    header_.chunk_steps = h.getChunkSteps();
    header_.first_dynamic_id = h.getFirstDynamicId();
    header_.history_limit = h.getHistoryLimit();
    header_.derived_events = h.getDerivedEvents();
    return 0;
  });
  header_end_ = f.end;
}

bool TraceReader::read_index_from_trailer() {
  if (file_bytes_ < header_end_ + kTrailerBytes) return false;
  char trailer[kTrailerBytes];
  if (::pread(fd_, trailer, sizeof trailer, static_cast<off_t>(file_bytes_ - kTrailerBytes)) !=
      static_cast<ssize_t>(sizeof trailer))
    return false;
  if (std::string_view(trailer + 8, 8) != kTrailerMagic) return false;
  std::uint64_t index_offset;
  std::memcpy(&index_offset, trailer, 8);
  if (index_offset < header_end_ || index_offset >= file_bytes_ - kTrailerBytes) return false;
  try {
    Frame f = read_frame(index_offset, "index frame");
    if (f.header.kind != RecordKind::Index || f.end != file_bytes_ - kTrailerBytes) return false;
    std::optional<std::uint64_t> outcome_offset;
    parse(path_, [&] {
      capnp::FlatArrayMessageReader r(f.words, limits_for(f.words.size()));
      auto index = r.getRoot<Index>();
      std::uint64_t last = 0;
      for (auto c : index.getChunks()) {
        if (c.getOffset() < header_end_ || c.getOffset() >= index_offset || c.getFromStep() < last ||
            c.getToStep() < c.getFromStep())
          throw TraceFormatError("index entry out of order");
        last = c.getToStep();
        chunks_.push_back({c.getFromStep(), c.getToStep(), c.getOffset(), c.getEventCount()});
      }
      for (auto s : index.getSnapshots()) {
        if (s.getOffset() < header_end_ || s.getOffset() >= index_offset) throw TraceFormatError("index entry out of range");
        snapshots_.push_back({s.getStep(), s.getOffset(), s.getHash(), s.getEdited()});
      }
      if (index.getOutcomeOffset() >= header_end_ && index.getOutcomeOffset() < index_offset)
        outcome_offset = index.getOutcomeOffset();
      return 0;
    });
    if (outcome_offset) read_outcome(*outcome_offset, "outcome frame");
  } catch (const TraceReadError&) {
    // A damaged index is no reason to give up: the frames can still be scanned.
    chunks_.clear();
    snapshots_.clear();
    outcome_.reset();
    return false;
  }
  complete_ = true;
  return true;
}

void TraceReader::read_outcome(std::uint64_t offset, const std::string& what) {
  Frame f = read_frame(offset, what);
  if (f.header.kind != RecordKind::Outcome) throw TraceReadError(fmt::format("{}: frame at byte {} is not the outcome", path_, offset));
  parse(fmt::format("{}: {} at byte {}", path_, what, offset), [&] {
    capnp::FlatArrayMessageReader r(f.words, limits_for(f.words.size()));
    auto o = r.getRoot<Outcome>();
    TraceOutcome out;
    out.steps = o.getSteps();
    out.final_hash = o.getFinalHash();
    out.output_bytes = o.getOutputBytes();
    switch (o.getStatus()) {
      case Outcome::Status::HALTED:
        out.status = TraceOutcome::Status::Halted;
        out.result = text_of(o.getResult());
        break;
      case Outcome::Status::FAILED:
        out.status = TraceOutcome::Status::Failed;
        out.error = read_error(o.getError());
        // Recorded without the failing instruction: the run's end step counts it.
        if (fails_inside_instruction(out.error->kind)) ++out.steps;
        break;
      default:
        out.status = TraceOutcome::Status::Stopped;
        out.signal = o.getSignal();
        break;
    }
    outcome_ = std::move(out);
    return 0;
  });
}

void TraceReader::scan() {
  if (!scan_offset_) scan_offset_ = header_end_;
  std::uint64_t& offset = scan_offset_;
  std::size_t& number = scan_frames_;
  std::uint64_t& last_step = scan_last_step_;
  while (offset < file_bytes_ && !scan_done_) {
    try {
      Frame f = read_frame(offset, fmt::format("frame {}", number));
      const std::string where = fmt::format("{}: frame {} at byte {}", path_, number, offset);
      switch (f.header.kind) {
        case RecordKind::EventChunk:
          parse(where, [&] {
            capnp::FlatArrayMessageReader r(f.words, limits_for(f.words.size()));
            auto c = r.getRoot<EventChunk>();
            if (c.getFromStep() < last_step || c.getToStep() < c.getFromStep())
              throw TraceFormatError("chunk steps out of order");
            last_step = c.getToStep();
            chunks_.push_back({c.getFromStep(), c.getToStep(), offset, c.getEventCount()});
            return 0;
          });
          break;
        case RecordKind::Snapshot:
          parse(where, [&] {
            capnp::FlatArrayMessageReader r(f.words, limits_for(f.words.size()));
            auto s = r.getRoot<trace::Snapshot>();
            snapshots_.push_back({s.getStep(), offset, s.getHash(), s.getEdited()});
            return 0;
          });
          break;
        case RecordKind::Outcome: read_outcome(offset, fmt::format("frame {}", number)); break;
        case RecordKind::Index:
          break;
        case RecordKind::Header: throw TraceReadError(where + ": a second header");
      }
      uncompressed_ += f.words.size() * sizeof(capnp::word);
      offset = f.end;
      ++number;
      // A trailer after the index ends the file.
      if (f.header.kind == RecordKind::Index && file_bytes_ - offset == kTrailerBytes) {
        offset = file_bytes_;
        scan_done_ = true;
        break;
      }
    } catch (const TraceReadError& e) {
      damage_ = fmt::format("{}; the trace is read up to byte {} ({} frames)", e.what(), offset, number);
      // A frame cut by the end of a file that never got its trailer is the torn tail of a
      // killed writer; anywhere else (a trailer follows) the framing itself is damaged.
      torn_tail_ = dynamic_cast<const CutFrame*>(&e) != nullptr && !ends_with_trailer();
      break;
    }
  }
  uncompressed_known_ = true;
}

bool TraceReader::ends_with_trailer() const {
  char magic[8];
  return file_bytes_ >= kTrailerBytes &&
         ::pread(fd_, magic, sizeof magic, static_cast<off_t>(file_bytes_ - sizeof magic)) == sizeof magic &&
         std::string_view(magic, sizeof magic) == kTrailerMagic;
}

bool TraceReader::refresh() {
  if (complete_ || scan_done_) return false;
  struct stat st;
  if (::fstat(fd_, &st) != 0 || static_cast<std::uint64_t>(st.st_size) <= file_bytes_) return false;
  file_bytes_ = static_cast<std::uint64_t>(st.st_size);
  damage_.clear();  // a frame cut short may be whole now
  torn_tail_ = false;
  const std::size_t chunks = chunks_.size(), snapshots = snapshots_.size();
  const bool had_outcome = outcome_.has_value();
  scan();
  return chunks_.size() != chunks || snapshots_.size() != snapshots || outcome_.has_value() != had_outcome;
}

std::uint64_t TraceReader::steps() const {
  if (outcome_) return outcome_->steps;
  return chunks_.empty() ? 0 : chunks_.back().to_step;
}

std::uint64_t TraceReader::first_step() const {
  return header_.history_limit && !snapshots_.empty() ? snapshots_.front().step : 0;
}

ChunkData TraceReader::read_chunk(std::size_t i, ChunkParts parts) const {
  const ChunkInfo& info = chunks_.at(i);
  Frame f = read_frame(info.offset, fmt::format("frame of chunk {}", i));
  const std::string where = fmt::format("{}: chunk {} at byte {}", path_, i, info.offset);
  if (f.header.kind != RecordKind::EventChunk) throw TraceReadError(where + ": not an event chunk");
  return parse(where, [&] {
    capnp::FlatArrayMessageReader r(f.words, limits_for(f.words.size()));
    auto c = r.getRoot<EventChunk>();
    ChunkData out;
    out.info = info;
    out.index = c.getIndex();
    out.start_depth = c.getStartDepth();
    out.first_alloc_id = c.getFirstAllocId();
    out.output_bytes = c.getOutputBytes();
    out.derived_events = header_.derived_events;
    if (out.derived_events)
      out.derived = DerivedCounts{c.getDerivedCalls(), c.getDerivedTailCalls(), c.getDerivedReturns(), c.getDerivedAllocs()};
    if (c.getFromStep() != info.from_step || c.getToStep() != info.to_step)
      throw TraceFormatError("the chunk disagrees with the index");
    auto ev = c.getEvents();
    out.event_count = c.getEventCount();
    if (parts == ChunkParts::EncodedEvents) {
      out.event_bytes.assign(reinterpret_cast<const char*>(ev.begin()), ev.size());
      return out;
    }
    out.events = decode_events(std::string_view(reinterpret_cast<const char*>(ev.begin()), ev.size()), info.from_step,
                               info.to_step, out.start_depth, out.first_alloc_id);
    if (out.events.size() != c.getEventCount()) throw TraceFormatError("event count differs from the chunk's");
    const std::size_t instructions = header_.program ? [&] {
      std::size_t n = 0;
      for (const auto& fn : header_.program->functions) n += fn.code.size();
      return n;
    }() : 0;
    for (auto p : c.getProfile()) {
      if (p.getInstruction() >= instructions) throw TraceFormatError("profile names an instruction that does not exist");
      out.profile.emplace_back(p.getInstruction(), p.getCount());
    }
    return out;
  });
}

SnapshotData TraceReader::read_snapshot(std::size_t i) const {
  SnapshotData out;
  read_snapshot(i, out);
  return out;
}

void TraceReader::read_snapshot(std::size_t i, SnapshotData& out) const {
  const SnapshotInfo& info = snapshots_.at(i);
  Frame f = read_frame(info.offset, fmt::format("frame of snapshot {}", i));
  const std::string where = fmt::format("{}: snapshot {} at byte {}", path_, i, info.offset);
  if (f.header.kind != RecordKind::Snapshot) throw TraceReadError(where + ": not a snapshot");
  parse(where, [&] {
    capnp::FlatArrayMessageReader r(f.words, limits_for(f.words.size()));
    out.info = info;
    read_snapshot_image(r.getRoot<trace::Snapshot>(), out.image);
    if (out.image.step != info.step) throw TraceFormatError("the snapshot disagrees with the index");
    return 0;
  });
}

std::uint64_t TraceReader::uncompressed_bytes() const {
  if (uncompressed_known_) return uncompressed_;
  // Walk the frame headers.
  std::uint64_t total = 0;
  std::uint64_t offset = kFileMagic.size();
  const std::uint64_t end = complete_ ? file_bytes_ - kTrailerBytes : file_bytes_;
  while (offset + kFrameHeaderBytes <= end) {
    const std::optional<FrameSizes> sizes = frame_sizes(offset);
    if (!sizes) break;
    total += sizes->content;
    offset += kFrameHeaderBytes + sizes->payload;
  }
  uncompressed_ = total;
  uncompressed_known_ = true;
  return total;
}

std::optional<TraceReader::FrameSizes> TraceReader::frame_sizes(std::uint64_t offset) const {
  char head[kFrameHeaderBytes];
  if (::pread(fd_, head, sizeof head, static_cast<off_t>(offset)) != static_cast<ssize_t>(sizeof head))
    return std::nullopt;
  const FrameHeader h = FrameHeader::decode(head);
  // A zstd frame states its content size in its first bytes.
  char zhead[18] = {};  // the largest zstd frame header
  const std::size_t n = std::min<std::size_t>(h.payload_bytes, sizeof zhead);
  if (::pread(fd_, zhead, n, static_cast<off_t>(offset + kFrameHeaderBytes)) != static_cast<ssize_t>(n))
    return std::nullopt;
  const unsigned long long size = ZSTD_getFrameContentSize(zhead, n);
  const bool known = size != ZSTD_CONTENTSIZE_ERROR && size != ZSTD_CONTENTSIZE_UNKNOWN;
  return FrameSizes{h.payload_bytes, known ? static_cast<std::uint64_t>(size) : 0};
}

std::uint64_t TraceReader::snapshot_bytes(std::size_t i) const {
  const std::optional<FrameSizes> sizes = frame_sizes(snapshots_.at(i).offset);
  return sizes ? sizes->content : 0;
}

}  // namespace pw::trace
