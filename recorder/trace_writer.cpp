// The trace writer and its thread.
#include "trace_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include <capnp/serialize.h>
#include <fmt/format.h>
#include <xxhash.h>
#include <zstd.h>

#include "trace.capnp.h"

namespace pw::trace {

namespace {
// Enough to keep both cores busy without letting a slow disk eat memory.
constexpr std::size_t kMaxQueuedBytes = 64u << 20;
}  // namespace

std::uint64_t checksum(const void* data, std::size_t bytes) { return XXH3_64bits(data, bytes); }

std::string_view record_kind_name(RecordKind kind) {
  switch (kind) {
    case RecordKind::Header: return "header";
    case RecordKind::EventChunk: return "chunk";
    case RecordKind::Snapshot: return "snapshot";
    case RecordKind::Outcome: return "outcome";
    case RecordKind::Index: return "index";
  }
  return "unknown";
}

TraceWriter::TraceWriter(std::string path, int compression_level) : path_(std::move(path)), level_(compression_level) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw TraceWriteError(fmt::format("cannot create {}: {}", path_, std::strerror(errno)));
  write_all(kFileMagic.data(), kFileMagic.size());
  if (!error_.empty()) {
    ::close(fd_);
    fd_ = -1;
    throw TraceWriteError(error_);
  }
  thread_ = std::thread([this] { run(); });
}

TraceWriter::~TraceWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

void TraceWriter::append(const RecordMeta& meta, std::unique_ptr<capnp::MallocMessageBuilder> message) {
  const std::size_t bytes = capnp::computeSerializedSizeInWords(*message) * sizeof(capnp::word);
  Job job{meta, std::move(message), bytes};
  std::unique_lock<std::mutex> lock(mu_);
  if (!error_.empty()) return;
  room_ready_.wait(lock, [&] { return queued_bytes_ == 0 || queued_bytes_ + bytes <= kMaxQueuedBytes || !error_.empty(); });
  queued_bytes_ += bytes;
  uncompressed_ += bytes;
  queue_.push_back(std::move(job));
  lock.unlock();
  work_ready_.notify_one();
}

void TraceWriter::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    write_frame(job);
    {
      std::lock_guard<std::mutex> lock(mu_);
      queued_bytes_ -= job.bytes;
      busy_ = false;
    }
    room_ready_.notify_all();
  }
}

void TraceWriter::write_all(const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      std::lock_guard<std::mutex> lock(mu_);
      if (error_.empty()) error_ = fmt::format("writing {}: {}", path_, std::strerror(errno));
      return;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
    offset_ += static_cast<std::uint64_t>(w);
  }
}

void TraceWriter::write_frame(const Job& job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_.empty()) return;
  }
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(*job.message);
  const auto bytes = words.asBytes();
  // The frame header goes in front of the compressed payload, in one buffer, one write.
  std::string& frame = frame_buffer_;
  frame.resize(kFrameHeaderBytes + ZSTD_compressBound(bytes.size()));
  // Snapshots are the bulk of a trace of a big heap: the fastest level keeps the writer
  // thread ahead of the interpreter; events compress well at the configured level.
  const int level = job.meta.kind == RecordKind::Snapshot ? std::min(level_, -1) : level_;
  const std::size_t n =
      ZSTD_compress(frame.data() + kFrameHeaderBytes, frame.size() - kFrameHeaderBytes, bytes.begin(), bytes.size(), level);
  if (ZSTD_isError(n)) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = fmt::format("compressing a trace record: {}", ZSTD_getErrorName(n));
    return;
  }
  FrameHeader h;
  h.payload_bytes = static_cast<std::uint32_t>(n);
  h.kind = job.meta.kind;
  h.checksum = checksum(frame.data() + kFrameHeaderBytes, n);
  const auto head = h.encode();
  std::memcpy(frame.data(), head.data(), head.size());
  const std::uint64_t at = offset_;
  // One write per frame, so a kill leaves either all of it or a torn tail.
  write_all(frame.data(), kFrameHeaderBytes + n);
  std::lock_guard<std::mutex> lock(mu_);
  if (error_.empty()) written_.push_back({job.meta, at});
}

std::vector<WrittenRecord> TraceWriter::written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return written_;
}

void TraceWriter::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  room_ready_.wait(lock, [&] { return (queue_.empty() && !busy_) || !error_.empty(); });
  if (!error_.empty()) throw TraceWriteError(error_);
}

void TraceWriter::finish() {
  drain();
  auto message = std::make_unique<capnp::MallocMessageBuilder>();
  auto index = message->initRoot<Index>();
  std::size_t chunks = 0, snapshots = 0;
  for (const WrittenRecord& r : written_) {
    chunks += r.meta.kind == RecordKind::EventChunk;
    snapshots += r.meta.kind == RecordKind::Snapshot;
  }
  auto chunk_list = index.initChunks(static_cast<unsigned>(chunks));
  auto snap_list = index.initSnapshots(static_cast<unsigned>(snapshots));
  unsigned c = 0, s = 0;
  for (const WrittenRecord& r : written_) {
    if (r.meta.kind == RecordKind::EventChunk) {
      auto e = chunk_list[c++];
      e.setFromStep(r.meta.from_step);
      e.setToStep(r.meta.to_step);
      e.setOffset(r.offset);
      e.setEventCount(r.meta.event_count);
    } else if (r.meta.kind == RecordKind::Snapshot) {
      auto e = snap_list[s++];
      e.setStep(r.meta.from_step);
      e.setOffset(r.offset);
      e.setHash(r.meta.hash);
    } else if (r.meta.kind == RecordKind::Outcome) {
      index.setOutcomeOffset(r.offset);
    }
  }
  const std::uint64_t index_offset = offset_;
  Job job{RecordMeta{RecordKind::Index}, std::move(message)};
  write_frame(job);
  char trailer[kTrailerBytes];
  std::memcpy(trailer, &index_offset, 8);
  std::memcpy(trailer + 8, kTrailerMagic.data(), 8);
  write_all(trailer, sizeof trailer);
  if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.empty()) error_ = fmt::format("writing {}: {}", path_, std::strerror(errno));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!error_.empty()) throw TraceWriteError(error_);
}

bool TraceWriter::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !error_.empty();
}

std::string TraceWriter::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

std::uint64_t TraceWriter::file_bytes() const { return offset_; }

std::uint64_t TraceWriter::uncompressed_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return uncompressed_;
}

}  // namespace pw::trace
