// Traces from anyone: crafted files that a checksum or a recomputed hash would let through
// are refused by what the reader checks itself (decompressed sizes, the limits in the header,
// the structure of every snapshot), with one line and exit code 2, and a replay never makes
// a host call for real.
#include <cstring>
#include <functional>
#include <sstream>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <nlohmann/json.hpp>
#include <zstd.h>

#include "cli_util.h"
#include "state_image.h"
#include "trace_test_util.h"

namespace {

using pw::trace::RecordKind;
using pwtest::CliResult;

class TraceTrust : public ::testing::Test {
 protected:
  TraceTrust() : dir_("trace_trust") {}

  std::string path(const std::string& name) const { return dir_.path(name); }
  std::string file(const std::string& name, const std::string& bytes) {
    pwtest::write_text_file(path(name), bytes);
    return path(name);
  }
  CliResult pwvm(const std::vector<std::string>& args, const std::string& input = "") {
    return pwtest::run_binary(PWVM_BINARY, args, input, dir_.dir(), false);
  }
  CliResult pwreplay(const std::vector<std::string>& args, const std::string& input = "") {
    return pwtest::run_binary(PWREPLAY_BINARY, args, input, dir_.dir(), false);
  }
  // A real recording of [program_text] (run with [flags]) as bytes.
  std::string record(const std::string& program_text, std::vector<std::string> flags = {},
                     const std::string& input = "") {
    const std::string program = file("subject.pwa", program_text);
    std::vector<std::string> args = {"run", program, "--record", path("subject.pwtrace")};
    args.insert(args.end(), flags.begin(), flags.end());
    const CliResult r = pwvm(args, input);
    EXPECT_TRUE(r.code == 0 || r.code == 1) << r.err;
    return pwtest::read_text_file(path("subject.pwtrace"));
  }

  static void expect_refused(const CliResult& r, const std::string& what) {
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(pwtest::count_lines(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("pwreplay: error:", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  }

  pwtest::ScratchDir dir_;
};

// [bytes] with frame [f] replaced by [frame] and, when sizes moved, without its index and
// trailer, so a reader scans it.
std::string replace_frame(const std::string& bytes, const pwtest::FrameSpan& f, const std::string& frame) {
  const auto frames = pwtest::frame_spans(bytes);
  std::string out = bytes.substr(0, f.offset) + frame;
  for (const auto& g : frames)
    if (g.offset > f.offset && g.kind != RecordKind::Index) out += bytes.substr(g.offset, g.end() - g.offset);
  return out;
}

std::string framed(RecordKind kind, const std::string& payload) {
  pw::trace::FrameHeader h;
  h.payload_bytes = static_cast<std::uint32_t>(payload.size());
  h.kind = kind;
  h.checksum = pw::trace::checksum(payload.data(), payload.size());
  const auto head = h.encode();
  return std::string(head.data(), head.size()) + payload;
}

// A zstd frame made by hand of run-length blocks: [expands_to] bytes from a few bytes per
// 128 KiB, declaring [declared] as its size (or nothing).
std::string zstd_bomb(std::optional<std::uint64_t> declared, std::uint64_t expands_to) {
  std::string z = "\x28\xb5\x2f\xfd";  // magic
  // Frame header: a window of 128 KiB, and an 8-byte content size when declared.
  z += static_cast<char>(declared ? 0xC0 : 0x00);
  z += static_cast<char>(7 << 3);  // window log 10 + 7
  if (declared) z.append(reinterpret_cast<const char*>(&*declared), 8);
  constexpr std::uint32_t kBlock = 128 << 10;
  for (std::uint64_t left = expands_to; left > 0;) {
    const std::uint32_t n = static_cast<std::uint32_t>(std::min<std::uint64_t>(left, kBlock));
    left -= n;
    const std::uint32_t header = (left == 0 ? 1u : 0u) | (1u << 1) | (n << 3);  // last?, RLE, size
    z.append(reinterpret_cast<const char*>(&header), 3);
    z += '\0';
  }
  return z;
}

TEST_F(TraceTrust, DecompressionBombsAreRefusedBeforeAnythingIsAllocated) {
  const std::string good = record(pwtest::kRecursiveFib15);
  const auto frames = pwtest::frame_spans(good);
  ASSERT_GT(frames.size(), 3u);
  const pwtest::FrameSpan snapshot = frames[1];
  ASSERT_EQ(snapshot.kind, RecordKind::Snapshot);
  // Each bomb expands to 64 GiB from 2 MiB.
  const std::uint64_t huge = 64ull << 30;
  const struct {
    const char* name;
    std::string frame;
    const char* what;
  } bombs[] = {
      {"declares 64 GiB", zstd_bomb(huge, huge), "more than the 2147483648 a record may hold"},
      {"declares one more than the cap", zstd_bomb(pw::trace::kMaxRecordBytes + 8, huge), "a record may hold"},
      {"declares nothing", zstd_bomb(std::nullopt, huge), "does not declare its size"},
      {"declares 1 MiB", zstd_bomb(1 << 20, huge), "corrupt compressed data"},
  };
  for (const auto& bomb : bombs) {
    SCOPED_TRACE(bomb.name);
    const std::string trace = file("bomb.pwtrace", replace_frame(good, snapshot, framed(RecordKind::Snapshot, bomb.frame)));
    // In the header, nothing else of the file can be read.
    const std::string header_bomb =
        file("header_bomb.pwtrace", replace_frame(good, frames[0], framed(RecordKind::Header, bomb.frame)));
    for (const std::vector<std::string>& args : {std::vector<std::string>{"verify", trace},
                                                 {"state", trace, "--at", "10"},
                                                 {"info", header_bomb}}) {
      SCOPED_TRACE(args[0]);
      const pwtest::MeasuredRun r = pwtest::run_binary_measured(PWREPLAY_BINARY, args, dir_.dir());
      expect_refused({r.code, "", r.err}, bomb.what);
      // Nothing came near the cap.
      EXPECT_TRUE(pwtest::peak_rss_below(r, pw::trace::kMaxRecordBytes / 8)) << (r.peak_rss_bytes >> 20) << " MiB";
    }
  }
}

// [good] with its header copied by the recorder's own builder and changed by [edit].
std::string with_header_edited(const std::string& good, const std::function<void(pw::trace::Header::Builder)>& edit) {
  const auto frames = pwtest::frame_spans(good);
  const std::string raw = pwtest::frame_payload(good, frames[0]);
  kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(raw.data()), raw.size() / 8);
  capnp::FlatArrayMessageReader reader(words);
  capnp::MallocMessageBuilder m;
  m.setRoot(reader.getRoot<pw::trace::Header>());
  edit(m.getRoot<pw::trace::Header>());
  return replace_frame(good, frames[0], pwtest::frame_record(RecordKind::Header, m));
}

// A header with [limits] instead of the run's.
std::string with_limits(const std::string& good, const pw::Limits& limits) {
  return with_header_edited(good, [&](pw::trace::Header::Builder h) {
    auto c = h.getConfig();
    c.setMaxSteps(limits.max_steps);
    c.setMaxStack(limits.max_stack);
    c.setMaxDepth(limits.max_depth);
    c.setMaxHeap(limits.max_heap);
    c.setMaxOutput(limits.max_output);
  });
}

TEST_F(TraceTrust, AbsurdLimitsInAHeaderAreRefusedBeforeAVmIsBuilt) {
  const std::string good = record(pwtest::kRecursiveFib15);
  const pw::Limits sane;
  const struct {
    const char* name;
    pw::Limits limits;
    const char* what;
  } cases[] = {
      {"stack", {sane.max_steps, 4'000'000'000u, sane.max_depth, sane.max_heap, sane.max_output},
       "--max-stack 4000000000 is above the most a VM accepts"},
      {"depth", {sane.max_steps, sane.max_stack, 0xFFFFFFFFu, sane.max_heap, sane.max_output},
       "--max-depth 4294967295 is above the most a VM accepts"},
      {"heap", {sane.max_steps, sane.max_stack, sane.max_depth, 1ull << 62, sane.max_output}, "--max-heap"},
      {"output", {sane.max_steps, sane.max_stack, sane.max_depth, sane.max_heap, ~0ull}, "--max-output"},
      {"no stack", {sane.max_steps, 0, sane.max_depth, sane.max_heap, sane.max_output}, "--max-stack must be at least 1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string trace = file("limits.pwtrace", with_limits(good, c.limits));
    for (const char* command : {"info", "verify", "perf"}) {
      SCOPED_TRACE(command);
      const CliResult r = pwreplay({command, trace});
      expect_refused(r, "the recorded VM limits are out of range");
      EXPECT_NE(r.err.find(c.what), std::string::npos) << r.err;
    }
  }
  // The same limits on pwvm's command line: one line before anything runs.
  const std::string program = file("fib.pwa", pwtest::kRecursiveFib15);
  for (const std::vector<std::string>& flags : {std::vector<std::string>{"--max-stack", "300000000"},
                                                {"--max-depth", "20000000"},
                                                {"--max-heap", "2000G"}}) {
    std::vector<std::string> args = {"run", program};
    args.insert(args.end(), flags.begin(), flags.end());
    const CliResult r = pwvm(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(pwtest::count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("is above the most a VM accepts"), std::string::npos) << r.err;
  }
}

// A snapshot whose contents break a structural rule, re-framed with a correct checksum and a
// recomputed hash, stops every command that would restore it.
TEST_F(TraceTrust, ACraftedSnapshotWithARecomputedHashIsRefused) {
  const std::string good =
      record(pwtest::kRecursiveFib15, {"--snapshot-interval", "500"});
  const auto frames = pwtest::frame_spans(good);
  // The snapshot at step 500: fib is deep in its recursion.
  const pwtest::FrameSpan* at500 = nullptr;
  for (const auto& f : frames) {
    if (f.kind != RecordKind::Snapshot) continue;
    const std::string raw = pwtest::frame_payload(good, f);
    kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(raw.data()), raw.size() / 8);
    capnp::FlatArrayMessageReader reader(words);
    if (reader.getRoot<pw::trace::Snapshot>().getStep() == 500) at500 = &f;
  }
  ASSERT_NE(at500, nullptr);
  const std::string raw = pwtest::frame_payload(good, *at500);
  kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(raw.data()), raw.size() / 8);
  capnp::FlatArrayMessageReader reader(words);
  pw::StateImage image = pw::trace::read_snapshot_image(reader.getRoot<pw::trace::Snapshot>());
  ASSERT_GE(image.frames.size(), 5u);
  // One more value on the operand stack of frame 3 (counted from the innermost), the frames
  // above it moved up to make room: every pointer stays inside the stack, only the depth lies.
  const std::size_t d = image.frames.size() - 1 - 3;
  const std::uint64_t at = image.frames[d + 1].result_slot;
  const std::uint64_t had = at - (image.frames[d].base + 1);  // fib has one local
  image.stack.insert(image.stack.begin() + static_cast<std::ptrdiff_t>(at),
                     pw::ValueImage{static_cast<std::uint64_t>(pw::ValueType::Int), 7});
  for (std::size_t k = d + 1; k < image.frames.size(); ++k) {
    ++image.frames[k].base;
    ++image.frames[k].result_slot;
  }
  capnp::MallocMessageBuilder m;
  pw::trace::write_snapshot(m.initRoot<pw::trace::Snapshot>(), image, pw::image_hash(image));
  const std::string trace =
      file("crafted.pwtrace", replace_frame(good, *at500, pwtest::frame_record(RecordKind::Snapshot, m)));
  const std::string what = "snapshot at step 500 is invalid: frame 3 of fib has " + std::to_string(had + 1) +
                           (had == 0 ? " value" : " values") + ", the verifier allows " + std::to_string(had);
  expect_refused(pwreplay({"verify", trace}), what);
  expect_refused(pwreplay({"state", trace, "--at", "600"}), what);
  expect_refused(pwreplay({"debug", trace, "--at", "700", "--batch", "-ex", "bt"}), what);
  // Steps before the snapshot replay from the one at step 0, untouched.
  EXPECT_EQ(pwreplay({"state", trace, "--at", "400"}).code, 0);
}

// Replaying runs the program against its recording, never against the world: nothing it
// prints reaches stdout, it reads no input, and clock, random and args come from the trace.
TEST_F(TraceTrust, ReplayNeverMakesAHostCallForReal) {
  const std::string program_text = R"PWA(func main()
  local line, r, t
  push "program output that a replay must not print"
  host print
  pop
  host read_line
  set_local line
  get_local line
  host print
  pop
  push 1000000
  host random
  set_local r
  host clock
  set_local t
  host args
  host print
  pop
  get_local line
  halt
end
)PWA";
  record(program_text, {"--allow", "io,random,clock", "--seed", "11", "--", "recorded-arg"}, "recorded line\n");
  const std::string trace = path("subject.pwtrace");
  // Other input on stdin (a replay that read it would diverge from the recorded line).
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"verify", trace}, {"state", trace, "--at", "end"}, {"perf", trace},
        {"calls", trace, "main"}, {"debug", trace, "--batch", "-ex", "continue", "-ex", "print line"}}) {
    SCOPED_TRACE(args[0]);
    const CliResult r = pwreplay(args, "another line\n");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out.find("program output that a replay must not print\n"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("another line"), std::string::npos) << r.out;
  }
  // The recorded answers are what the replayed state holds.
  const CliResult state = pwreplay({"state", trace, "--at", "end"});
  EXPECT_NE(state.out.find("recorded line"), std::string::npos) << state.out;
  EXPECT_NE(state.out.find("recorded-arg"), std::string::npos) << state.out;
}

// Output that cannot be written is exit code 3 and one line, whether it is stdout or a file.
TEST_F(TraceTrust, OutputThatCannotBeWrittenIsExitCode3) {
  record(pwtest::kRecursiveFib15);
  const std::string trace = path("subject.pwtrace");
  const std::string err = path("err.txt");
  for (const std::string& command :
       {pwtest::shell_quote(PWREPLAY_BINARY) + " info " + trace + " >/dev/full",
        pwtest::shell_quote(PWREPLAY_BINARY) + " events " + trace + " >/dev/full",
        pwtest::shell_quote(PWREPLAY_BINARY) + " perf " + trace + " --html /dev/full >/dev/null",
        pwtest::shell_quote(PWREPLAY_BINARY) + " perf " + trace + " --folded /nonexistent/dir/f >/dev/null",
        pwtest::shell_quote(PWVM_BINARY) + " run " + std::string(EXAMPLES_DIR) + "/hello.pwa >/dev/full"}) {
    SCOPED_TRACE(command);
    const int status = std::system((command + " 2>" + err).c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 3);
    const std::string text = pwtest::read_text_file(err);
    EXPECT_EQ(pwtest::count_lines(text), 1u) << text;
    EXPECT_NE(text.find("cannot write"), std::string::npos) << text;
  }
}

// A trace's program may carry any bytes in its names (the assembler takes only plain ones, a
// crafted file anything): every report shows them escaped, JSON stays valid UTF-8, and no
// control byte reaches the terminal or a file.
TEST_F(TraceTrust, NamesOfAnyBytesAreShownEscapedInEveryReport) {
  const std::string name = "fi\xfe\x1b[31m;b\n";
  const std::string source = "sub\x07ject\xc3.pwa";
  bool renamed = false;
  const std::string trace = file("names.pwtrace", with_header_edited(record(pwtest::kRecursiveFib15), [&](auto h) {
    auto program = h.getProgram();
    program.setSourceName(capnp::Text::Reader(source.c_str(), source.size()));
    for (auto f : program.getFunctions()) {
      if (f.getName() != "fib") continue;
      f.setName(capnp::Text::Reader(name.c_str(), name.size()));
      renamed = true;
    }
  }));
  ASSERT_TRUE(renamed);
  const auto no_control_bytes = [](const std::string& text) {
    for (const char c : text)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return false;
    return true;
  };
  const std::string folded = path("names.folded"), html = path("names.html"), chrome = path("names.json");
  // How the name shows: escaped as text, that text again escaped in JSON; a canonical state
  // dump (plain JSON of the names) has U+FFFD for the byte that is not UTF-8, and events take
  // it as Latin-1, the way they show the program's strings.
  const std::string as_text = "fi\\xfe\\x1b[31m;b\\x0a", as_json = "fi\\\\xfe\\\\x1b[31m;b\\\\x0a",
                    in_dump = "fi\xef\xbf\xbd\\u001b[31m;b\\n", in_events = "fi\xc3\xbe\\u001b[31m;b\\n";
  const struct {
    std::vector<std::string> args;
    bool json;
    const std::string& shows;
  } reports[] = {
      {{"perf", trace, "--json"}, true, as_json},
      {{"perf", trace, "--folded", folded, "--html", html, "--chrome-trace", chrome}, false, as_text},
      {{"events", trace, "--json"}, true, in_events},
      {{"calls", trace, name}, false, as_text},
      {{"state", trace, "--at", "40"}, true, in_dump},
      {{"debug", trace, "--batch", "-ex", "stepi 40", "-ex", "bt", "-ex", "info frame"}, false, as_text},
  };
  for (const auto& report : reports) {
    SCOPED_TRACE(report.args[0]);
    const CliResult r = pwreplay(report.args);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(no_control_bytes(r.out)) << r.out;
    EXPECT_NE(r.out.find(report.shows), std::string::npos) << r.out.substr(0, 2000);
    if (!report.json) continue;
    if (report.args[0] != "events") {
      EXPECT_TRUE(nlohmann::json::accept(r.out)) << r.out.substr(0, 2000);
      continue;
    }
    std::istringstream lines(r.out);  // JSON Lines
    for (std::string line; std::getline(lines, line);) EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
  // The program's own file name too.
  for (const bool json : {false, true}) {
    const CliResult r = pwreplay(json ? std::vector<std::string>{"info", trace, "--json"} : std::vector<std::string>{"info", trace});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(no_control_bytes(r.out)) << r.out;
    EXPECT_NE(r.out.find(json ? "sub\\u0007ject" : "sub\\x07ject"), std::string::npos) << r.out;
  }
  for (const std::string& f : {folded, html, chrome}) {
    const std::string text = pwtest::read_text_file(f);
    EXPECT_TRUE(no_control_bytes(text)) << f;
    const std::string shows = f == folded ? "fi\\xfe\\x1b[31m\\x3bb\\x0a" : f == html ? as_text : as_json;
    EXPECT_NE(text.find(shows), std::string::npos) << f;
  }
  EXPECT_TRUE(nlohmann::json::accept(pwtest::read_text_file(chrome)));
  // Folded stacks: fib's ';' does not split the frame, so every line is main, then fibs.
  std::istringstream lines(pwtest::read_text_file(folded));
  for (std::string line; std::getline(lines, line);) {
    const std::string stack = line.substr(0, line.rfind(' '));
    EXPECT_EQ(stack.rfind("main", 0), 0u) << line;
    std::size_t frames_in_line = 1;
    for (const char c : stack) frames_in_line += c == ';';
    std::size_t fibs = 0;
    for (std::size_t at = stack.find("fi\\xfe"); at != std::string::npos; at = stack.find("fi\\xfe", at + 1)) ++fibs;
    EXPECT_EQ(frames_in_line, fibs + 1) << line;
  }
}

}  // namespace
