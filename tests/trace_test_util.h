// Helpers shared by the trace suites (trace_roundtrip_test, trace_fixtures_test,
// trace_cli_test): scratch directories, raw file bytes, the frame layout of a trace file,
// and a host that answers from a trace's recorded host events.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <zstd.h>

#include "frame_format.h"
#include "test_util.h"
#include "trace.capnp.h"
#include "trace_codec.h"
#include "trace_reader.h"

namespace pwtest {

// True when the suite runs slowly: under GC stress (a collection before every allocation) or
// under AddressSanitizer. Tests shrink their loops then.
inline bool slow_mode() { return under_address_sanitizer() || pw::VmConfig::from_environment().gc.stress; }

// Subjects of the trace suites: every example, the program that uses every instruction,
// and runs that end at each limit.

struct Subject {
  std::string name;
  std::shared_ptr<const pw::Program> program;
  pw::VmConfig config;
};

inline void feed(pw::ScriptedHost& host) {
  host.input_lines = {"3", "hello", "7"};
  host.program_args = {"5"};
}
inline const std::vector<std::string> kArgs = {"5"};

inline std::vector<Subject> subjects() {
  std::vector<Subject> out;
  for (const auto& path : example_files()) {
    pw::VmConfig c = default_config();
    c.capabilities = pw::kCapIo | pw::kCapRandom;  // ScriptedHost answers deterministically
    c.limits.max_steps = 50'000'000;               // every example ends well before this
    out.push_back({path.filename().string(), load_example(path), c});
  }
  // No example reads lines, arguments or the clock, throws through a tail call, etc.:
  // the all-instructions program does (ScriptedHost's clock is deterministic).
  out.push_back({"all_instructions", load(kAllInstructions), all_capabilities()});
  // Runs that end at a limit: the step limit (no instruction fails: the budget runs out), the
  // heap limit (an allocation fails after a heap-limit collection) and the output limit.
  pw::VmConfig steps = default_config();
  steps.limits.max_steps = 3001;
  out.push_back({"step_limit", load("func f(x)\n  get_local x\n  return\nend\nfunc main()\nspin:\n  push 1\n"
                                            "  call_fn f\n  pop\n  jump spin\nend\n"),
                 steps});
  pw::VmConfig heap = default_config();
  heap.limits.max_heap = 16 << 10;
  heap.gc.min_threshold = 4 << 10;
  out.push_back({"heap_limit", load(main_program("grow:\n  push 1\n  get_local l\n  cons\n"
                                                                  "  set_local l\n  jump grow", "l")),
                 heap});
  pw::VmConfig output = default_config();
  output.limits.max_output = 100;
  out.push_back({"output_limit", load(main_program("more:\n  push \"0123456789\"\n  host print\n"
                                                                    "  pop\n  jump more")),
                 output});
  return out;
}

// In GC stress mode every allocation collects: record only a prefix of the long examples
// (the recorder's stop_at), as state_image_test does. Under both GC stress and the
// sanitizers a shorter one: each of the two passes alone runs the longer prefix, and the
// pass with both is the suite's slowest by far.
inline std::optional<std::uint64_t> step_cap() {
  const bool stress = pw::VmConfig::from_environment().gc.stress;
  if (stress && under_address_sanitizer()) return 100'000;
  if (slow_mode()) return 300'000;
  return std::nullopt;
}

// A fresh directory under the gtest temp dir, removed at the end of the test.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "pwvm_" + tag + "_" + std::to_string(::getpid()) + "_" +
                       (info ? std::string(info->test_suite_name()) + "_" + info->name() : std::string("x"));
    for (char& c : name)
      if (c == '/') c = '_';
    dir_ = std::filesystem::path(::testing::TempDir()) / name;
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

// The frames of a trace file as they sit in it (found by walking the framing, trusting it).
struct FrameSpan {
  std::uint64_t offset = 0;          // of the 16-byte frame header
  std::uint64_t payload_offset = 0;  // offset + 16
  std::uint32_t payload_bytes = 0;
  pw::trace::RecordKind kind = pw::trace::RecordKind::Header;
  std::uint64_t end() const { return payload_offset + payload_bytes; }
};

// Walks the frames of a well-formed trace held in [bytes]; stops at the trailer.
inline std::vector<FrameSpan> frame_spans(const std::string& bytes) {
  std::vector<FrameSpan> out;
  std::uint64_t at = pw::trace::kFileMagic.size();
  const bool has_trailer = bytes.size() >= 16 && bytes.compare(bytes.size() - 8, 8, pw::trace::kTrailerMagic) == 0;
  const std::uint64_t end = has_trailer ? bytes.size() - pw::trace::kTrailerBytes : bytes.size();
  while (at + pw::trace::kFrameHeaderBytes <= end) {
    const pw::trace::FrameHeader h = pw::trace::FrameHeader::decode(bytes.data() + at);
    FrameSpan f;
    f.offset = at;
    f.payload_offset = at + pw::trace::kFrameHeaderBytes;
    f.payload_bytes = h.payload_bytes;
    f.kind = h.kind;
    if (f.end() > end) break;
    out.push_back(f);
    at = f.end();
  }
  return out;
}

// The trace in [bytes] with the header (and so the program) of the trace in [other], and
// without its trailer, so a reader indexes it by scanning: a trace "from another build".
inline std::string with_header_of(const std::string& bytes, const std::string& other) {
  const auto mine = frame_spans(bytes);
  const auto theirs = frame_spans(other);
  return std::string(pw::trace::kFileMagic) + other.substr(theirs[0].offset, theirs[0].end() - theirs[0].offset) +
         bytes.substr(mine[1].offset, mine.back().end() - mine[1].offset);
}

// The decompressed payload (a Cap'n Proto message) of frame [f] of the trace in [bytes].
inline std::string frame_payload(const std::string& bytes, const FrameSpan& f) {
  const std::string z = bytes.substr(f.payload_offset, f.payload_bytes);
  std::string raw(ZSTD_getFrameContentSize(z.data(), z.size()), '\0');
  raw.resize(ZSTD_decompress(raw.data(), raw.size(), z.data(), z.size()));
  return raw;
}

// Every host event of a trace, in order (the reader must be able to read every chunk).
inline std::vector<pw::trace::Event> host_events(const pw::trace::TraceReader& reader) {
  std::vector<pw::trace::Event> out;
  for (std::size_t i = 0; i < reader.chunks().size(); ++i)
    for (auto& e : reader.read_chunk(i).events)
      if (e.kind == pw::trace::EventKind::Host) out.push_back(std::move(e));
  return out;
}

// A host that answers every call with what the recorded run's host answered, in order, and
// reports (through gtest) a call that the recording does not have next.
class ReplayHost final : public pw::Host {
 public:
  explicit ReplayHost(std::vector<pw::trace::Event> host_events) : events_(host_events.begin(), host_events.end()) {}

  std::string output;
  std::size_t mismatches = 0;

  void write_output(std::string_view text) override {
    output.append(text);
    // print and write are host events too; their result is nil.
    next(pw::HostFn::Print, pw::HostFn::Write);
  }
  std::optional<std::string> read_line() override {
    const pw::trace::Event e = next(pw::HostFn::ReadLine, pw::HostFn::ReadLine);
    if (e.result_tag == pw::trace::HostResultTag::String && !e.result_strings.empty()) return e.result_strings[0];
    return std::nullopt;
  }
  std::vector<std::string> args() override { return next(pw::HostFn::Args, pw::HostFn::Args).result_strings; }
  std::int64_t clock_ns() override { return next(pw::HostFn::Clock, pw::HostFn::Clock).result_int; }
  std::int64_t random_below(std::int64_t) override { return next(pw::HostFn::Random, pw::HostFn::Random).result_int; }

  std::size_t remaining() const { return events_.size(); }

 private:
  pw::trace::Event next(pw::HostFn a, pw::HostFn b) {
    if (events_.empty()) {
      ++mismatches;
      ADD_FAILURE() << "the program made a host call the recording does not have";
      return {};
    }
    pw::trace::Event e = std::move(events_.front());
    events_.pop_front();
    if (e.type != static_cast<std::uint8_t>(a) && e.type != static_cast<std::uint8_t>(b)) {
      ++mismatches;
      ADD_FAILURE() << "host call " << static_cast<int>(a) << " replayed against recorded host event "
                    << static_cast<int>(e.type) << " at step " << e.step;
    }
    return e;
  }
  std::deque<pw::trace::Event> events_;
};

// Frames [message] as the writer does: zstd, then the 16-byte header with the checksum.
inline std::string frame_record(pw::trace::RecordKind kind, capnp::MessageBuilder& message) {
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  const auto bytes = words.asBytes();
  std::string z(ZSTD_compressBound(bytes.size()), '\0');
  const std::size_t n = ZSTD_compress(z.data(), z.size(), bytes.begin(), bytes.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  z.resize(n);
  pw::trace::FrameHeader h;
  h.payload_bytes = static_cast<std::uint32_t>(n);
  h.kind = kind;
  h.checksum = pw::trace::checksum(z.data(), z.size());
  const auto head = h.encode();
  return std::string(head.data(), head.size()) + z;
}

// A trace file holding just the magic and a header of format [major].[minor], built the way
// recorder.cpp builds its header; [adjust] may change the header before it is framed.
inline std::string header_only_trace(std::uint16_t major, std::uint16_t minor,
                                     const std::function<void(pw::trace::Header::Builder)>& adjust = {}) {
  const auto program = load(main_program("  push 1\n  halt"));
  capnp::MallocMessageBuilder m;
  auto h = m.initRoot<pw::trace::Header>();
  h.setMagic("pwtrace");
  h.setFormatMajor(major);
  h.setFormatMinor(minor);
  h.setRecorder("pwvm 99.0.0");
  pw::trace::write_program(h.initProgram(), *program, pw::trace::program_hash(*program));
  auto config = h.initConfig();
  const pw::Limits limits;
  config.setMaxSteps(1000);
  config.setMaxStack(limits.max_stack);
  config.setMaxDepth(limits.max_depth);
  config.setMaxHeap(limits.max_heap);
  config.setMaxOutput(limits.max_output);
  h.setCapabilities("io");
  h.setSnapshotInterval(10);
  if (adjust) adjust(h);
  return std::string(pw::trace::kFileMagic) + frame_record(pw::trace::RecordKind::Header, m);
}

// The trace in [bytes] cut as a recording with --record-last [history_limit] keeps it: the
// header with historyLimit set, the records from its snapshot number [first_snapshot] on
// (their frames copied as they are), the outcome, and a fresh index and trailer.
inline std::string windowed_copy(const std::string& bytes, std::uint64_t history_limit, std::size_t first_snapshot) {
  const auto frames = frame_spans(bytes);
  const auto words = [&](const FrameSpan& f) {
    const std::string raw = frame_payload(bytes, f);
    auto copy = kj::heapArray<capnp::word>(raw.size() / sizeof(capnp::word));
    std::memcpy(copy.begin(), raw.data(), raw.size());
    return copy;
  };
  const auto header_words = words(frames.at(0));
  capnp::FlatArrayMessageReader header_reader(header_words);
  capnp::MallocMessageBuilder header;
  header.setRoot(header_reader.getRoot<pw::trace::Header>());
  header.getRoot<pw::trace::Header>().setHistoryLimit(history_limit);
  std::string out = std::string(pw::trace::kFileMagic) + frame_record(pw::trace::RecordKind::Header, header);
  capnp::MallocMessageBuilder index_message;
  auto index = index_message.initRoot<pw::trace::Index>();
  std::vector<std::pair<std::uint64_t, FrameSpan>> kept;  // new offset, frame
  std::size_t snapshots = 0;
  bool keeping = false;
  for (const FrameSpan& f : frames) {
    if (f.kind == pw::trace::RecordKind::Snapshot && snapshots++ == first_snapshot) keeping = true;
    if (!keeping || f.kind == pw::trace::RecordKind::Header || f.kind == pw::trace::RecordKind::Index) continue;
    kept.emplace_back(out.size(), f);
    out += bytes.substr(f.offset, f.end() - f.offset);
  }
  std::size_t chunk_count = 0, snapshot_count = 0;
  for (const auto& [at, f] : kept) {
    chunk_count += f.kind == pw::trace::RecordKind::EventChunk;
    snapshot_count += f.kind == pw::trace::RecordKind::Snapshot;
  }
  auto chunks = index.initChunks(static_cast<unsigned>(chunk_count));
  auto snaps = index.initSnapshots(static_cast<unsigned>(snapshot_count));
  unsigned c = 0, s = 0;
  for (const auto& [at, f] : kept) {
    const auto w = words(f);
    capnp::FlatArrayMessageReader r(w);
    if (f.kind == pw::trace::RecordKind::EventChunk) {
      const auto chunk = r.getRoot<pw::trace::EventChunk>();
      chunks[c].setFromStep(chunk.getFromStep());
      chunks[c].setToStep(chunk.getToStep());
      chunks[c].setEventCount(chunk.getEventCount());
      chunks[c++].setOffset(at);
    } else if (f.kind == pw::trace::RecordKind::Snapshot) {
      const auto snapshot = r.getRoot<pw::trace::Snapshot>();
      snaps[s].setStep(snapshot.getStep());
      snaps[s].setHash(snapshot.getHash());
      snaps[s].setEdited(snapshot.getEdited());
      snaps[s++].setOffset(at);
    } else if (f.kind == pw::trace::RecordKind::Outcome) {
      index.setOutcomeOffset(at);
    }
  }
  const std::uint64_t index_offset = out.size();
  out += frame_record(pw::trace::RecordKind::Index, index_message);
  out.append(reinterpret_cast<const char*>(&index_offset), 8);
  return out + std::string(pw::trace::kTrailerMagic);
}

// Dumps can be megabytes: report where they differ instead of letting gtest diff them.
inline ::testing::AssertionResult same_text(const std::string& a, const std::string& b) {
  if (a == b) return ::testing::AssertionSuccess();
  std::size_t at = 0;
  while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
  const std::size_t from = at > 200 ? at - 200 : 0;
  return ::testing::AssertionFailure() << "texts differ at byte " << at << " (sizes " << a.size() << " and "
                                       << b.size() << "):\n"
                                       << a.substr(from, 400) << "\n---- vs ----\n" << b.substr(from, 400);
}

}  // namespace pwtest
