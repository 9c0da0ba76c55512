#include "trace_key.h"

#include <cstring>

#include <fmt/format.h>
#include <xxhash.h>

namespace pw::replay {
namespace {

// Feeds values to XXH3-128 in one fixed encoding: integers as 8 little-endian bytes,
// strings and lists led by their length, so that no two different inputs feed the same
// bytes. Each part of a key starts with a tag naming it.
class KeyHasher {
 public:
  KeyHasher() : state_(XXH3_createState()) { XXH3_128bits_reset(state_); }
  ~KeyHasher() { XXH3_freeState(state_); }
  KeyHasher(const KeyHasher&) = delete;
  KeyHasher& operator=(const KeyHasher&) = delete;

  void u64(std::uint64_t v) {
    unsigned char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(v >> (8 * i));
    XXH3_128bits_update(state_, bytes, sizeof bytes);
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void str(std::string_view s) {
    u64(s.size());
    XXH3_128bits_update(state_, s.data(), s.size());
  }
  void tag(std::string_view name) { str(name); }
  void f64(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    u64(bits);
  }
  template <class T, class Put>
  void list(const T& items, Put put) {
    u64(items.size());
    for (const auto& item : items) put(item);
  }
  void key(const ContentKey& k) {
    u64(k.high);
    u64(k.low);
  }
  ContentKey digest() const {
    const XXH128_hash_t h = XXH3_128bits_digest(state_);
    return {h.high64, h.low64};
  }

 private:
  XXH3_state_t* state_;
};

void put_function(KeyHasher& h, const pw::Function& f) {
  h.tag("function");
  h.str(f.name);
  h.str(f.source_name);
  h.u64(f.arity);
  h.u64(f.rest);
  h.list(f.locals, [&](const std::string& s) { h.str(s); });
  h.list(f.captures, [&](const std::string& s) { h.str(s); });
  h.list(f.code, [&](const pw::Instr& i) {
    h.u64(static_cast<std::uint8_t>(i.op));
    h.u64(i.a);
    h.i64(i.b);
  });
  h.list(f.lines, [&](std::uint32_t v) { h.u64(v); });
  h.list(f.columns, [&](std::uint32_t v) { h.u64(v); });
  h.list(f.labels, [&](const auto& label) {
    h.u64(label.first);
    h.str(label.second);
  });
  h.u64(f.line);
  h.list(f.vars, [&](const pw::SourceVar& v) {
    h.u64(static_cast<std::uint8_t>(v.slot));
    h.u64(v.index);
    h.str(v.name);
    h.u64(v.begin);
    h.u64(v.end);
    h.u64(v.boxed);
  });
}

}  // namespace

std::string ContentKey::hex() const { return fmt::format("{:016x}{:016x}", high, low); }

ContentKey program_key(const pw::Program& p) {
  // Everything the trace records of the program but the file's name: its code and
  // constants, and the debug information and source text that reports show from it.
  KeyHasher h;
  h.tag("pwvm program key 1");
  h.str(p.source);
  h.u64(p.compiled);
  h.list(p.functions, [&](const pw::Function& f) { put_function(h, f); });
  h.list(p.constants, [&](const pw::Constant& c) {
    h.u64(static_cast<std::uint8_t>(c.type));
    h.i64(c.i);
    h.f64(c.f);
    h.u64(c.b);
    h.u64(c.sym);
    h.str(c.text);
  });
  h.list(p.symbols, [&](const std::string& s) { h.str(s); });
  h.list(p.globals, [&](const std::string& s) { h.str(s); });
  h.list(p.global_inits, [&](std::int32_t k) { h.i64(k); });
  h.u64(p.entry);
  return h.digest();
}

struct ContentKeyBuilder::State {
  KeyHasher hasher;
  // Host results are counted as they come; the count goes in after them, so a run that made
  // none and one that did cannot meet.
  std::uint64_t host_results = 0;
};

ContentKeyBuilder::ContentKeyBuilder(const trace::TraceHeader& header) : state_(std::make_unique<State>()) {
  KeyHasher& h = state_->hasher;
  h.tag("pwvm content key 1");
  h.key(program_key(*header.program));
  h.tag("config");
  const pw::VmConfig& c = header.config;
  h.u64(c.capabilities);
  h.u64(c.limits.max_steps);
  h.u64(c.limits.max_stack);
  h.u64(c.limits.max_depth);
  h.u64(c.limits.max_heap);
  h.u64(c.limits.max_output);
  h.u64(c.gc.enabled);
  h.u64(c.gc.stress);
  h.u64(c.gc.min_threshold);
  h.tag("args");
  h.list(header.args, [&](const std::string& a) { h.str(a); });
  h.tag("host results");
}

ContentKeyBuilder::~ContentKeyBuilder() = default;

void ContentKeyBuilder::add_chunk(const trace::ChunkData& chunk) {
  KeyHasher& h = state_->hasher;
  for (const trace::Event& e : chunk.events) {
    if (e.kind != trace::EventKind::Host) continue;
    // The step is left out: it follows from the program and the results before it.
    h.u64(e.type);
    h.u64(static_cast<std::uint8_t>(e.result_tag));
    h.i64(e.result_int);
    h.list(e.result_strings, [&](const std::string& s) { h.str(s); });
    ++state_->host_results;
  }
}

ContentKey ContentKeyBuilder::finish(const trace::TraceReader& reader) {
  KeyHasher& h = state_->hasher;
  h.u64(state_->host_results);
  // A windowed trace holds the run from a state it did not see made: that state is an input.
  h.tag("first state");
  const std::uint64_t first = reader.first_step();
  h.u64(first);
  h.u64(first > 0 && !reader.snapshots().empty() ? reader.snapshots().front().hash : 0);
  // So is every change a live debugger made.
  h.tag("changed by a debugger");
  std::uint64_t edits = 0;
  for (const trace::SnapshotInfo& s : reader.snapshots())
    if (s.edited) {
      h.u64(s.step);
      h.u64(s.hash);
      ++edits;
    }
  h.u64(edits);
  // How the run ended follows from the above, except where it was stopped from outside (a
  // signal) or its recording was cut short.
  h.tag("outcome");
  if (const auto& o = reader.outcome()) {
    h.u64(static_cast<std::uint64_t>(o->status) + 1);
    h.u64(o->steps);
    h.u64(o->final_hash);
    h.u64(o->signal);
  } else {
    h.u64(0);
    h.u64(reader.steps());
  }
  return h.digest();
}

ContentKey content_key(const trace::TraceReader& reader) {
  ContentKeyBuilder key(reader.header());
  for (std::size_t i = 0; i < reader.chunks().size(); ++i) key.add_chunk(reader.read_chunk(i));
  return key.finish(reader);
}

}  // namespace pw::replay
