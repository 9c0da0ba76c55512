// TraceWriter: appends framed, compressed records to a trace file. Messages are serialised
// on the caller's thread, or built on the writer thread from what the caller hands over;
// compression and writing happen on the writer thread, so recording costs the interpreter
// little more than handing its data over. Frames reach the file whole and in order,
// so a process killed at any moment leaves a file readable up to its last complete frame.
// The writer holds an exclusive lock on the file from creation to close: a second writer
// of the same path is refused instead of interleaving its frames with the first's.
//
// With a history limit the writer keeps only the end of the run (TraceWindow): frames stay
// in memory, and about once a second the file is replaced by one written from them, so a
// writer killed at any moment leaves the window as it was at most a second before.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <capnp/message.h>

#include "frame_format.h"
#include "state_image.h"

struct ZSTD_CCtx_s;
typedef struct ZSTD_CCtx_s ZSTD_CCtx;

namespace pw::trace {

class TraceWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TraceWindow;

// What the index needs to know of a record.
struct RecordMeta {
  RecordKind kind = RecordKind::EventChunk;
  std::uint64_t from_step = 0;  // chunks: first step; snapshots: the step
  std::uint64_t to_step = 0;    // chunks
  std::uint32_t event_count = 0;
  std::uint64_t hash = 0;       // snapshots
  bool edited = false;          // snapshots: a state changed from outside the program
};

// Memory the writer thread lends the records it builds, for their messages' first segment:
// reused from record to record, so a big snapshot does not cost fresh pages each time. A
// message built in it must be gone before the next record is built.
class SegmentScratch {
 public:
  // A zeroed segment of [words] words (capnp builds only in zeroed memory).
  kj::ArrayPtr<capnp::word> zeroed(std::size_t words);
  // A state image a record may fill to hash it (a snapshot packed on the run's thread).
  StateImage image;

 private:
  std::unique_ptr<capnp::word[]> data_;
  std::size_t capacity_ = 0;
};

struct WrittenRecord {
  RecordMeta meta;
  std::uint64_t offset = 0;  // of the frame header
};

class TraceWriter {
 public:
  // Creates (or truncates) [path], locks it and writes the file magic. Throws
  // TraceWriteError when the file cannot be created or another writer holds it; a failed
  // write, from the magic on, is reported by failed()/error(). A [history_limit] keeps
  // only about the last that many steps in the file (a regular file: it is replaced by
  // renaming, under the same lock).
  explicit TraceWriter(std::string path, int compression_level = 1, std::uint64_t history_limit = 0);
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;
  // Stops the writer thread after what is queued is written; without finish() the file has
  // no index, like a file whose writer was killed.
  ~TraceWriter();

  // Queues [message] as a record; the writer thread serialises, compresses and writes it.
  // Blocks while too much is queued. Never throws for write errors: they are reported by
  // failed()/error() ("cannot write trace PATH: REASON"), later records are dropped, and
  // the file is cut back to its last complete frame.
  void append(const RecordMeta& meta, std::unique_ptr<capnp::MallocMessageBuilder> message);
  // Builds a record's message on the writer thread; it may complete the record's meta (a
  // chunk's event count, a snapshot's hash), which written() then shows.
  // [scratch] may hold the message's first segment.
  using Builder =
      std::function<std::unique_ptr<capnp::MallocMessageBuilder>(RecordMeta& meta, SegmentScratch& scratch)>;
  // Queues a record that the writer thread builds with [build], then compresses and writes:
  // encoding it costs the caller nothing. [bytes] estimates its size for the queue's budget.
  void append(const RecordMeta& meta, Builder build, std::size_t bytes);
  // Waits until every record appended so far is in the file. Throws TraceWriteError if
  // any write failed.
  void drain();
  // Waits for the queue to drain, writes the Index and the trailer, syncs and closes the
  // file. Throws TraceWriteError if any write failed.
  void finish();
  // Drops what is queued and deletes the file, before closing it: the lock is held until the
  // name is gone, so this never deletes a file another writer has started since.
  void discard();

  // The records written so far, with their offsets (after drain(): all appended): a reader
  // of the same file can index them without scanning it. With a history limit: the records
  // of the file as last rewritten.
  std::vector<WrittenRecord> written() const;

  bool failed() const;
  std::string error() const;
  const std::string& path() const { return path_; }
  std::uint64_t file_bytes() const;          // written so far
  std::uint64_t uncompressed_bytes() const;  // serialised messages so far

 private:
  struct Job {
    RecordMeta meta;
    std::unique_ptr<capnp::MallocMessageBuilder> message;
    std::size_t bytes = 0;  // its size, for the queue's budget
    Builder build;          // makes the message first, when set
  };
  void open_locked();
  void run();
  // Frames [meta]'s message at the start of frame_buffer_: the header, then the compressed
  // payload. Returns the frame's length, or 0 (after fail()) when it cannot.
  std::size_t encode_frame(const RecordMeta& meta, capnp::MessageBuilder& message);
  // A windowed writer: keeps [frame], and rewrites the file when that is due.
  void keep_in_window(const RecordMeta& meta, std::string_view frame);
  // Replaces the file with the window's frames, then, when [finishing], the index and the
  // trailer. A failure leaves the file as it was and is reported by failed().
  void rewrite_window(bool finishing);
  void write_all(const void* data, std::size_t n);
  void write_frame(Job& job);
  void enqueue(Job job);
  void fail(const char* what);
  void cut_to(std::uint64_t offset);
  void close_file();

  std::string path_;
  int fd_ = -1;
  bool regular_file_ = false;  // not a device or a FIFO: can be truncated and deleted
  int level_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable work_ready_;
  std::condition_variable room_ready_;
  std::deque<Job> queue_;
  std::size_t queued_bytes_ = 0;
  bool stopping_ = false;
  bool busy_ = false;
  std::string error_;
  std::atomic<std::uint64_t> offset_ = 0;  // advanced by the writer thread only
  std::uint64_t uncompressed_ = 0;
  std::vector<WrittenRecord> written_;
  // Reused by the writer thread: no fresh pages per frame.
  std::unique_ptr<char[]> frame_buffer_;
  std::size_t frame_capacity_ = 0;
  SegmentScratch scratch_;
  struct CCtxFree {
    void operator()(ZSTD_CCtx* c) const;
  };
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx_;
  // A windowed writer's frames; the rewrite is due at next_rewrite_ while window_dirty_.
  std::unique_ptr<TraceWindow> window_;
  bool window_dirty_ = false;
  bool window_written_ = false;  // the file has been rewritten from the window once
  bool finishing_ = false;       // finish() writes the window: the writer thread no longer does
  std::chrono::steady_clock::time_point next_rewrite_;
};

}  // namespace pw::trace
