// The trace writer and its thread.
#include "trace_writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <capnp/serialize.h>
#include <fmt/format.h>
#include <xxhash.h>
#include <zstd.h>

#include "trace.capnp.h"
#include "trace_window.h"

namespace pw::trace {

namespace {
// Enough to keep both cores busy without letting a slow disk eat memory.
constexpr std::size_t kMaxQueuedBytes = 64u << 20;
// How often a windowed writer replaces its file: what a writer killed hard can lose.
constexpr std::chrono::seconds kWindowRewriteEvery{1};

// Writes all of [data] to [fd]; 0, or the errno of the write that failed.
int write_fully(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return 0;
}

// The Index record of a file holding [records].
std::unique_ptr<capnp::MallocMessageBuilder> index_message(const std::vector<WrittenRecord>& records) {
  auto message = std::make_unique<capnp::MallocMessageBuilder>();
  auto index = message->initRoot<Index>();
  std::size_t chunks = 0, snapshots = 0;
  for (const WrittenRecord& r : records) {
    chunks += r.meta.kind == RecordKind::EventChunk;
    snapshots += r.meta.kind == RecordKind::Snapshot;
  }
  auto chunk_list = index.initChunks(static_cast<unsigned>(chunks));
  auto snap_list = index.initSnapshots(static_cast<unsigned>(snapshots));
  unsigned c = 0, s = 0;
  for (const WrittenRecord& r : records) {
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
      e.setEdited(r.meta.edited);
    } else if (r.meta.kind == RecordKind::Outcome) {
      index.setOutcomeOffset(r.offset);
    }
  }
  return message;
}

// The 16-byte trailer that says where the index is.
std::string trailer_for(std::uint64_t index_offset) {
  std::string trailer(kTrailerBytes, '\0');
  std::memcpy(trailer.data(), &index_offset, 8);
  std::memcpy(trailer.data() + 8, kTrailerMagic.data(), 8);
  return trailer;
}
}  // namespace

std::uint64_t checksum(const void* data, std::size_t bytes) { return XXH3_64bits(data, bytes); }

void TraceWriter::CCtxFree::operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }

kj::ArrayPtr<capnp::word> SegmentScratch::zeroed(std::size_t words) {
  if (words > capacity_) {
    // With room to spare: snapshots grow with the heap, and each new buffer is fresh pages.
    capacity_ = words + words / 2;
    data_.reset();
    data_ = std::make_unique_for_overwrite<capnp::word[]>(capacity_);
  }
  std::memset(static_cast<void*>(data_.get()), 0, words * sizeof(capnp::word));
  return {data_.get(), words};
}

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

TraceWriter::TraceWriter(std::string path, int compression_level, std::uint64_t history_limit)
    : path_(std::move(path)), level_(compression_level) {
  open_locked();
  if (history_limit) {
    // The window is rewritten into a file beside this one, renamed over it.
    if (!regular_file_) {
      close_file();
      throw TraceWriteError(
          fmt::format("cannot record the last {} steps to {}: it is not a regular file", history_limit, path_));
    }
    window_ = std::make_unique<TraceWindow>(history_limit);
    next_rewrite_ = std::chrono::steady_clock::now() + kWindowRewriteEvery;
  }
  write_all(kFileMagic.data(), kFileMagic.size());  // a failure here shows in failed(), as later ones
  // Signals are for the thread that runs the program: a signal that asks the run to stop
  // must reach it, and interrupt what it waits for, not the writer.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  thread_ = std::thread([this] { run(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

// Opens [path_] without truncating it, takes the lock, then truncates: a second recorder
// of the same path finds the lock taken and leaves the first one's file alone.
void TraceWriter::open_locked() {
  for (int attempt = 0;; ++attempt) {
    // O_NONBLOCK only for the open: a FIFO nobody reads is refused instead of waited for.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
    if (fd_ < 0) throw TraceWriteError(fmt::format("cannot create {}: {}", path_, std::strerror(errno)));
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    int locked;
    while ((locked = ::flock(fd_, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
    }
    if (locked != 0 && errno == EWOULDBLOCK) {
      close_file();
      throw TraceWriteError(fmt::format("cannot record to {}: another recorder is writing it", path_));
    }
    // (Any other flock error is a file system without locks: the recording goes on unlocked.)
    // The recorder that held the lock may have deleted or replaced the file before letting
    // go of it: then this lock guards a file nobody will see, and the name is taken afresh.
    struct stat by_fd, by_name;
    if (::fstat(fd_, &by_fd) != 0) break;
    const bool same =
        ::stat(path_.c_str(), &by_name) == 0 && by_fd.st_dev == by_name.st_dev && by_fd.st_ino == by_name.st_ino;
    if (!same && attempt < 100) {
      close_file();
      continue;
    }
    regular_file_ = S_ISREG(by_fd.st_mode);
    if (regular_file_ && ::ftruncate(fd_, 0) != 0) {
      const int err = errno;
      close_file();
      throw TraceWriteError(fmt::format("cannot create {}: {}", path_, std::strerror(err)));
    }
    return;
  }
}

void TraceWriter::close_file() {
  if (fd_ < 0) return;
  // Closing also lets go of the lock. Some file systems report a failed write only here.
  if (::close(fd_) != 0 && errno != EINTR) fail(std::strerror(errno));
  fd_ = -1;
}

void TraceWriter::fail(const char* what) {
  std::lock_guard<std::mutex> lock(mu_);
  if (error_.empty()) error_ = fmt::format("cannot write trace {}: {}", path_, what);
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    uncompressed_ += bytes;
  }
  enqueue(Job{meta, std::move(message), bytes, nullptr});
}

void TraceWriter::append(const RecordMeta& meta, Builder build, std::size_t bytes) {
  enqueue(Job{meta, nullptr, bytes, std::move(build)});
}

void TraceWriter::enqueue(Job job) {
  const std::size_t bytes = job.bytes;
  std::unique_lock<std::mutex> lock(mu_);
  if (!error_.empty()) return;
  room_ready_.wait(lock, [&] { return queued_bytes_ == 0 || queued_bytes_ + bytes <= kMaxQueuedBytes || !error_.empty(); });
  queued_bytes_ += bytes;
  queue_.push_back(std::move(job));
  lock.unlock();
  work_ready_.notify_one();
}

void TraceWriter::run() {
  for (;;) {
    Job job;
    bool rewrite_due = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto ready = [&] { return stopping_ || !queue_.empty(); };
      // A window with frames not in the file yet is written out when its time comes, even
      // if no record follows (the program waits for input, say).
      // (finish() may have taken the window over while this thread waited.)
      if (window_dirty_ && !finishing_ && error_.empty())
        rewrite_due = !work_ready_.wait_until(lock, next_rewrite_, ready) && !finishing_;
      else work_ready_.wait(lock, ready);
      if (!rewrite_due && queue_.empty()) {
        if (stopping_) return;
        continue;
      }
      if (!rewrite_due) {
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      busy_ = true;
    }
    if (rewrite_due) rewrite_window(false);
    else write_frame(job);
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
      fail(std::strerror(errno));
      return;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
    offset_ += static_cast<std::uint64_t>(w);
  }
}

void TraceWriter::write_frame(Job& job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_.empty()) return;
  }
  if (job.build) {
    job.message = job.build(job.meta, scratch_);  // what the builder holds lives until the frame is written
    const std::size_t bytes = capnp::computeSerializedSizeInWords(*job.message) * sizeof(capnp::word);
    std::lock_guard<std::mutex> lock(mu_);
    uncompressed_ += bytes;
  }
  const std::size_t n = encode_frame(job.meta, *job.message);
  job.message.reset();  // before the next record is built into the same scratch segment
  job.build = nullptr;   // lets go of what the message referenced
  if (n == 0) return;
  if (window_) return keep_in_window(job.meta, std::string_view(frame_buffer_.get(), n));
  const std::uint64_t at = offset_;
  // One write per frame, so a kill leaves either all of it or a torn tail.
  write_all(frame_buffer_.get(), n);
  if (failed()) {
    cut_to(at);
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  written_.push_back({job.meta, at});
}

std::size_t TraceWriter::encode_frame(const RecordMeta& meta, capnp::MessageBuilder& message) {
  // The message goes to zstd segment by segment, behind its segment table, with no flat
  // copy of it: a big snapshot's copy would cost as many fresh pages as the snapshot.
  const auto segments = message.getSegmentsForOutput();
  const std::size_t bytes = capnp::computeSerializedSizeInWords(segments) * sizeof(capnp::word);
  // A reader refuses a record past the format's cap: better to stop here than to write one.
  if (bytes > kMaxRecordBytes) {
    fail(fmt::format("a {} record of {} bytes is larger than the {} a record may hold", record_kind_name(meta.kind),
                     bytes, kMaxRecordBytes)
             .c_str());
    return 0;
  }
  // The segment table: the count less one, each size in words, padded to a whole word.
  std::vector<std::uint32_t> table;
  table.push_back(static_cast<std::uint32_t>(segments.size() - 1));
  for (const auto& segment : segments) table.push_back(static_cast<std::uint32_t>(segment.size()));
  if (table.size() % 2) table.push_back(0);
  // The frame header goes in front of the compressed payload, in one buffer, one write.
  // Not zero-filled: only the pages the compressed frame reaches are ever touched.
  const std::size_t frame_size = kFrameHeaderBytes + ZSTD_compressBound(bytes);
  if (frame_size > frame_capacity_) {
    frame_buffer_.reset();
    frame_capacity_ = frame_size + frame_size / 2;
    frame_buffer_ = std::make_unique_for_overwrite<char[]>(frame_capacity_);
  }
  char* const frame = frame_buffer_.get();
  // Snapshots are the bulk of a trace of a big heap. Packed, a heap's structure repeats at
  // long distances, which level 3's second hash table finds and the faster levels mostly
  // miss: a bintrees snapshot of 1.8 MB packs to 925 bytes at level 3, and to 11 to 76 KB
  // at levels 1 to -1 (depending on where its pointers fall), at about the same speed.
  constexpr int kSnapshotLevel = 3;
  const int level = meta.kind == RecordKind::Snapshot ? kSnapshotLevel : level_;
  // One compression context for the whole file: a fresh one per record is fresh memory.
  if (!cctx_) cctx_.reset(ZSTD_createCCtx());
  ZSTD_CCtx* cctx = cctx_.get();
  ZSTD_outBuffer out{frame + kFrameHeaderBytes, frame_size - kFrameHeaderBytes, 0};
  // Readers size their buffer from the frame's declared content size.
  std::size_t status = ZSTD_CCtx_reset(cctx, ZSTD_reset_session_only);
  if (!ZSTD_isError(status)) status = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  if (!ZSTD_isError(status)) status = ZSTD_CCtx_setPledgedSrcSize(cctx, bytes);
  const auto feed = [&](const void* data, std::size_t size, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{data, size, 0};
    do {
      status = ZSTD_compressStream2(cctx, &out, &in, mode);
    } while (!ZSTD_isError(status) && (in.pos < in.size || (mode == ZSTD_e_end && status != 0)));
  };
  if (!ZSTD_isError(status)) feed(table.data(), table.size() * sizeof(std::uint32_t), ZSTD_e_continue);
  for (const auto& segment : segments)
    if (!ZSTD_isError(status)) feed(segment.begin(), segment.size() * sizeof(capnp::word), ZSTD_e_continue);
  if (!ZSTD_isError(status)) feed(nullptr, 0, ZSTD_e_end);
  if (ZSTD_isError(status)) {
    fail(fmt::format("compressing a record: {}", ZSTD_getErrorName(status)).c_str());
    return 0;
  }
  const std::size_t n = out.pos;
  if (n > kMaxPayloadBytes) {
    fail(fmt::format("a {} record compresses to {} bytes, more than the {} a frame may hold",
                     record_kind_name(meta.kind), n, kMaxPayloadBytes)
             .c_str());
    return 0;
  }
  FrameHeader h;
  h.payload_bytes = static_cast<std::uint32_t>(n);
  h.kind = meta.kind;
  h.checksum = checksum(frame + kFrameHeaderBytes, n);
  const auto head = h.encode();
  std::memcpy(frame, head.data(), head.size());
  return kFrameHeaderBytes + n;
}

void TraceWriter::keep_in_window(const RecordMeta& meta, std::string_view frame) {
  window_->keep(meta, frame);
  {
    std::lock_guard<std::mutex> lock(mu_);
    window_dirty_ = true;
    if (finishing_) return;  // finish() writes it all
  }
  // The first snapshot goes out at once: from then on the file is a trace.
  const bool first = !window_written_ && meta.kind == RecordKind::Snapshot;
  if (first || std::chrono::steady_clock::now() >= next_rewrite_) rewrite_window(false);
}

void TraceWriter::rewrite_window(bool finishing) {
  // A file beside the trace, locked before it takes the trace's name: the name always
  // holds a whole trace, and a locked one, so a second recorder is still refused.
  std::string scratch = path_ + ".XXXXXX";
  const int fd = ::mkostemp(scratch.data(), O_CLOEXEC);
  if (fd < 0) {
    fail(fmt::format("cannot create a file beside it: {}", std::strerror(errno)).c_str());
    return;
  }
  int err = 0;
  struct stat own {};
  if (::fstat(fd_, &own) == 0) ::fchmod(fd, own.st_mode & 07777);  // mkostemp makes it 0600
  while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
  }
  std::vector<WrittenRecord> records;
  std::uint64_t at = 0;
  const auto put = [&](std::string_view bytes) {
    if (!err) err = write_fully(fd, bytes.data(), bytes.size());
    at += bytes.size();
  };
  put(kFileMagic);
  put(window_->header());
  for (const TraceWindow::Frame& f : window_->frames()) {
    records.push_back({f.meta, at});
    put(f.bytes);
  }
  if (finishing && !err) {
    const std::uint64_t index_offset = at;
    const std::size_t n = encode_frame(RecordMeta{RecordKind::Index}, *index_message(records));
    if (n == 0) {
      ::close(fd);
      ::unlink(scratch.c_str());
      return;
    }
    put(std::string_view(frame_buffer_.get(), n));
    put(trailer_for(index_offset));
    if (!err && ::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) err = errno;
  }
  if (!err && ::rename(scratch.c_str(), path_.c_str()) != 0) err = errno;
  if (err) {
    ::close(fd);
    ::unlink(scratch.c_str());
    fail(std::strerror(err));
    return;
  }
  // The old file has lost its name: letting go of its lock now frees nothing anyone sees.
  ::close(fd_);
  fd_ = fd;
  offset_ = at;
  window_written_ = true;
  std::lock_guard<std::mutex> lock(mu_);
  written_ = std::move(records);
  window_dirty_ = false;
  next_rewrite_ = std::chrono::steady_clock::now() + kWindowRewriteEvery;
}

void TraceWriter::cut_to(std::uint64_t offset) {
  // A failed write may have left part of a frame: without it the file ends where its last
  // complete frame does, and reads as a trace that simply stops there.
  if (regular_file_ && ::ftruncate(fd_, static_cast<off_t>(offset)) == 0) offset_ = offset;
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
  if (window_) {
    {
      // The writer thread may be rewriting the window on its own: after it, it leaves the
      // window to this thread.
      std::unique_lock<std::mutex> lock(mu_);
      finishing_ = true;
      room_ready_.wait(lock, [&] { return !busy_; });
    }
    if (!failed()) rewrite_window(/*finishing=*/true);
    close_file();
    if (failed()) throw TraceWriteError(error());
    return;
  }
  const std::uint64_t index_offset = offset_;
  Job job{RecordMeta{RecordKind::Index}, index_message(written_), 0, nullptr};
  write_frame(job);
  const std::string trailer = trailer_for(index_offset);
  if (!failed()) write_all(trailer.data(), trailer.size());
  if (failed()) cut_to(index_offset);  // an index without its trailer is no use
  if (!failed() && ::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) fail(std::strerror(errno));
  close_file();
  if (failed()) throw TraceWriteError(error());
}

void TraceWriter::discard() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
    queued_bytes_ = 0;
  }
  work_ready_.notify_all();
  room_ready_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (fd_ < 0) return;
  struct stat by_fd, by_name;
  const bool still_ours = regular_file_ && ::fstat(fd_, &by_fd) == 0 && ::stat(path_.c_str(), &by_name) == 0 &&
                          by_fd.st_dev == by_name.st_dev && by_fd.st_ino == by_name.st_ino;
  if (still_ours) ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
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
