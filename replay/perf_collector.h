// The performance report's collector: a ReplayListener that counts, exactly, what one
// window of a recorded run did while the timeline re-executes it. Costs are executed
// instructions ("steps"). A call or return only moves along the window's calling-context
// tree, whose nodes (call paths) gather self steps and calls; per-function and per-edge
// figures, inclusive steps with recursion counted once included, are derived from the tree
// afterwards (summarize). A census of the heap by allocation site after every collection
// feeds the leak analysis. Segments of one run collected separately merge into the same
// figures as one pass (perf_profile.h).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "block_counter.h"
#include "replay_listener.h"
#include "trace_reader.h"
#include "vm.h"

namespace pw::replay {

// Allocation sites are flat instruction indices (VmState::code); these two are not.
inline constexpr std::uint32_t kConstantSite = UINT32_MAX - 1;  // the program's string constants
inline constexpr std::uint32_t kHostSite = UINT32_MAX;          // made by a host call for the program
// Not known yet: an object live when a segment started, whose site the segment before
// knows. Such sites are kDeferredSite + the object's index among those (below the two above).
inline constexpr std::uint32_t kDeferredSite = 0x80000000u;
inline bool is_deferred(std::uint32_t site) { return site >= kDeferredSite && site < kConstantSite; }

// One node of the calling-context tree: a function reached by one path of calls.
struct CallNode {
  std::uint32_t fn = 0;
  std::uint32_t parent = 0;
  std::uint64_t calls = 0;          // activations started in the window
  std::uint64_t self_steps = 0;     // instructions executed with this path on top
  std::vector<std::pair<std::uint32_t, std::uint32_t>> children;  // (fn, node)
};
inline constexpr std::uint32_t kRootNode = 0;  // above every entry function (fn unused)

struct CallEdge {
  std::uint32_t caller = 0;
  std::uint32_t callee = 0;
  std::uint64_t calls = 0;
  std::uint64_t total_steps = 0;  // steps while some call of caller -> callee was active
  friend bool operator==(const CallEdge&, const CallEdge&) = default;
};

struct GcRecord {
  std::uint64_t step = 0;
  std::uint8_t trigger = 0;  // GcTrigger
  std::uint64_t objects_before = 0, bytes_before = 0, objects_after = 0, bytes_after = 0;
  std::uint64_t pause_ns = 0;  // measured on the recording machine
};

// Live objects after a collection, by allocation site.
struct SiteCensus {
  std::uint64_t step = 0;
  std::uint64_t next_id = 0;  // objects with ids from here on came after the collection
  std::vector<std::pair<std::uint32_t, std::uint64_t>> live;  // (site, objects), ascending sites
};

// One activation on the window's clock, for timelines (Trace Event Format); or, when
// merged_calls > 0, that many short calls of one function from one call path, merged into
// one span laid out back to back with its siblings, so that every function's self and
// inclusive steps along the timeline stay exact.
struct Span {
  std::uint32_t fn = 0;
  std::uint32_t depth = 0;  // 0: the entry function
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  bool open_at_start = false;  // already running when the window began
  bool open_at_end = false;    // still running when it ended
  std::uint64_t merged_calls = 0;  // 0: one activation
};

struct HeapPoint {
  enum class At : std::uint8_t { Start, Gc, Snapshot, End };
  std::uint64_t step = 0;
  At at = At::Start;
  std::uint64_t live_objects = 0;
  std::uint64_t live_bytes = 0;
};

struct SiteTotals {
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
  std::uint64_t live_at_end = 0;
  std::uint64_t live_bytes_at_end = 0;
  std::uint64_t newest_live_id = 0;  // at the end (0: none)
};

// Counts of the same events as the live performance monitor's counters.
struct EventCounts {
  std::uint64_t calls = 0, tail_calls = 0, returns = 0, allocations = 0, allocated_bytes = 0, collections = 0,
                throws = 0, catches = 0;
};

// What one window of the run did.
struct WindowProfile {
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  std::vector<CallNode> nodes;  // nodes[0] is kRootNode; a parent comes before its children
  // Derived from the nodes by summarize(): by function, and by caller -> callee (sorted).
  std::vector<std::uint64_t> fn_self_steps, fn_calls, fn_total_steps;
  std::vector<CallEdge> edges;
  std::vector<std::uint64_t> fn_allocations, fn_allocated_bytes;  // by function
  std::vector<std::uint64_t> instruction_counts;  // by flat instruction index
  std::unordered_map<std::uint32_t, SiteTotals> sites;
  EventCounts counts;
  std::vector<GcRecord> collections;
  std::vector<SiteCensus> census;  // one per collection, in order
  std::vector<HeapPoint> heap;
  std::vector<Span> spans;  // in the order they ended
  // The objects live at the start whose sites were deferred (ascending ids), with their
  // sizes, the last census each was live in (-1: none) and whether it was live at the end;
  // merge_windows counts them once the sites are known.
  std::vector<std::uint64_t> deferred_ids;
  std::vector<std::uint64_t> deferred_bytes;
  std::vector<std::int64_t> deferred_last_census;
  std::vector<bool> deferred_live_at_end;
  // Sites of the objects live at the end, ascending ids (deferred ones still coded so).
  std::vector<std::pair<std::uint64_t, std::uint32_t>> end_sites;
};

class PerfCollector final : public ReplayListener {
 public:
  // [vm] is the state at the window's start. [live_sites]: the allocation sites of the
  // objects live there, ascending by id (sites_of_live_objects); nullopt defers them all
  // to merge_windows, which learns them from the window before. A window that starts the
  // run counts the entry function's activation as a call.
  // Activations of [min_span_steps] or more are kept as spans (0: none), and those cut by
  // the window's ends whatever their length. Shorter calls are merged by call path: in each
  // gap between the kept calls of a kept activation, one span per path below it.
  PerfCollector(const VmState& vm, std::optional<std::vector<std::pair<std::uint64_t, std::uint32_t>>> live_sites,
                std::uint64_t min_span_steps = 0);
  PerfCollector(const PerfCollector&) = delete;
  PerfCollector& operator=(const PerfCollector&) = delete;

  // The replay passed a snapshot (or another point worth a heap figure) at vm's position.
  void mark_heap(const VmState& vm, HeapPoint::At at);
  // Closes the window at vm's position (executed_steps) and hands its profile over.
  WindowProfile finish(const VmState& vm);

  // Calls, tail calls and returns come through the call log; allocations, throws and
  // collections do not touch the calling-context tree, so only a catch and the window's end
  // take the log in first.
  void drain_calls() override;
  void on_alloc(const VmState&, const Object*) override;
  void on_throw(const VmState&) override;
  void on_catch(const VmState&) override;
  void on_collection(const VmState&, const GcCycle& replayed, const trace::Event& recorded) override;

 private:
  static constexpr std::uint32_t kNoMerged = UINT32_MAX;
  struct Activation {
    std::uint32_t node;
    std::uint64_t start;
    bool open_at_start;
  };
  // Beside each activation: steps spent in the calls it made, where its current gap between kept calls
  // starts, and the short calls that ended in that gap (kNoMerged: none).
  struct SpanState {
    std::uint64_t children_steps = 0;
    std::uint64_t gap_start = 0;
    std::uint32_t merged = kNoMerged;
  };
  // Short calls merged by call path: a tree per gap, its root's fn the activation's own.
  struct MergedCall {
    std::uint32_t fn = 0;
    std::uint64_t calls = 0;
    std::uint64_t self_steps = 0;
    std::uint64_t total_steps = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> children;  // (fn, merged call)
  };

  // Steps up to [step] ran in the current top activation.
  void attribute(std::uint64_t step) {
    p_.nodes[top_node_].self_steps += step - attributed_to_;
    attributed_to_ = step;
  }
  // Per-site tables are indexed by slot: the instruction, then the constants, then host calls.
  std::uint32_t slot_of(std::uint32_t site) const {
    return site < code_size_ ? site : (site == kConstantSite ? code_size_ : code_size_ + 1);
  }
  std::uint32_t site_of(std::uint32_t slot) const {
    return slot < code_size_ ? slot : (slot == code_size_ ? kConstantSite : kHostSite);
  }
  void take_calls() {
    if (log_next != call_log_.data()) drain_calls();
  }
  // An activation starts or ends: a move along the tree (a node's parent is the caller's
  // path), and, when spans are kept, along the stack of activations.
  void push(std::uint32_t fn, std::uint64_t step, bool counts_as_call) {
    top_node_ = child(top_node_, fn);
    ++depth_;
    if (counts_as_call) ++p_.nodes[top_node_].calls;
    if (min_span_steps_ > 0) {
      stack_.push_back({top_node_, step, false});
      span_stack_.push_back({0, step, kNoMerged});
    }
  }
  void pop(std::uint64_t step, bool open_at_end = false) {
    if (depth_ == 0) return;
    --depth_;
    if (min_span_steps_ > 0) {
      const Activation a = stack_.back();
      stack_.pop_back();
      SpanState own = span_stack_.back();
      span_stack_.pop_back();
      end_span(a, own, step, open_at_end);
    }
    top_node_ = p_.nodes[top_node_].parent;
  }
  // The span bookkeeping of pop: keeps [a] as a span or merges it into its caller's gap.
  void end_span(const Activation& a, SpanState& own, std::uint64_t step, bool open_at_end);
  std::uint32_t new_merged(std::uint32_t fn);
  // Adds the tree [from] (a call of fn) under [into] and frees what it no longer needs.
  void merge_into(std::uint32_t into, std::uint32_t from);
  // Lays the merged calls of a gap out as spans from [at], one level below [depth], and
  // frees them.
  void flush_merged(std::uint32_t& root, std::uint64_t at, std::uint32_t depth);
  std::uint32_t child(std::uint32_t parent, std::uint32_t fn) {
    for (const auto& [f, node] : p_.nodes[parent].children)
      if (f == fn) return node;
    return new_child(parent, fn);
  }
  std::uint32_t new_child(std::uint32_t parent, std::uint32_t fn);
  // Counts live objects (ids below [before_id]) by site, and forgets the dead ones.
  void take_census(const VmState& vm, std::uint64_t before_id, std::vector<std::pair<std::uint32_t, std::uint64_t>>* live,
                   bool at_end);

  WindowProfile p_;
  BlockCounter counter_;
  std::vector<LoggedCall> call_log_;
  // The activations, only when spans are kept: a report without a timeline needs no more
  // than the top node and the depth.
  std::vector<Activation> stack_;
  std::vector<SpanState> span_stack_;  // parallel to stack_
  std::uint32_t top_node_ = kRootNode;
  std::uint32_t depth_ = 0;  // activations running
  std::uint64_t attributed_to_ = 0;
  // Allocation sites of the live objects (as of the last census) and of the newer ones,
  // both ascending by id.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> old_sites_, young_sites_, scratch_sites_;
  std::vector<SiteTotals> site_totals_;  // by slot
  std::vector<std::uint64_t> site_count_;  // census scratch, by slot
  std::vector<std::uint32_t> touched_;     // slots counted in the census being taken
  const Instr* code_base_;
  std::uint32_t code_size_;
  std::uint64_t min_span_steps_;
  std::vector<MergedCall> merged_;
  std::vector<std::uint32_t> free_merged_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> merge_work_;  // merge_into's, kept to spare an allocation a call
  GcStats heap_at_start_;
};

// Fills [w]'s per-function and per-edge figures from its calling-context tree. A function's
// inclusive steps are those spent below its outermost activations on each path: every step
// counted once however deep the recursion, as profilers count it; an edge's likewise.
void summarize(WindowProfile& w, std::size_t functions);

// The allocation sites of the objects live in [vm] (ascending ids), from the alloc events
// of [reader]'s chunks before the vm's position: what a collector starting there needs.
std::vector<std::pair<std::uint64_t, std::uint32_t>> sites_of_live_objects(const trace::TraceReader& reader,
                                                                           const VmState& vm);

}  // namespace pw::replay
