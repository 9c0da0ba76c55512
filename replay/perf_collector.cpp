#include "perf_collector.h"

#include <algorithm>
#include <map>

#include "timeline.h"

namespace pw::replay {

PerfCollector::PerfCollector(const VmState& vm,
                             std::optional<std::vector<std::pair<std::uint64_t, std::uint32_t>>> live_sites,
                             std::uint64_t min_span_steps)
    : counter_(vm),
      code_base_(vm.code.data()),
      code_size_(static_cast<std::uint32_t>(vm.code.size())),
      min_span_steps_(min_span_steps) {
  blocks = &counter_;
  // Small enough to stay in the first-level cache while the interpreter fills it.
  call_log_.resize(1024);
  log_next = call_log_.data();
  log_end = call_log_.data() + call_log_.size();
  const std::size_t fns = vm.program().functions.size();
  p_.from = executed_steps(vm);
  p_.nodes.emplace_back();  // the root
  p_.fn_allocations.assign(fns, 0);
  p_.fn_allocated_bytes.assign(fns, 0);
  site_totals_.resize(code_size_ + 2);
  site_count_.assign(code_size_ + 2, 0);
  attributed_to_ = p_.from;
  heap_at_start_ = vm.heap.stats();
  if (live_sites) {
    old_sites_ = std::move(*live_sites);
  } else {
    // Sized once: growing them by doubling would take fresh pages for each copy.
    const std::size_t live = vm.heap.objects().size();
    old_sites_.reserve(live);
    p_.deferred_ids.reserve(live);
    p_.deferred_bytes.reserve(live);
    for (const Object* o : vm.heap.objects()) {
      old_sites_.emplace_back(o->id, kDeferredSite + static_cast<std::uint32_t>(p_.deferred_ids.size()));
      p_.deferred_ids.push_back(o->id);
      p_.deferred_bytes.push_back(Heap::object_bytes(o));
    }
    p_.deferred_last_census.assign(p_.deferred_ids.size(), -1);
    p_.deferred_live_at_end.assign(p_.deferred_ids.size(), false);
  }
  for (std::uint32_t i = 0; i < vm.depth; ++i) {
    push(vm.frames[i].fn, p_.from, p_.from == 0 && i == 0);
    if (min_span_steps_ > 0) stack_.back().open_at_start = p_.from != 0 || i != 0;
  }
  mark_heap(vm, HeapPoint::At::Start);
}

std::uint32_t PerfCollector::new_child(std::uint32_t parent, std::uint32_t fn) {
  const auto node = static_cast<std::uint32_t>(p_.nodes.size());
  CallNode n;
  n.fn = fn;
  n.parent = parent;
  p_.nodes.push_back(std::move(n));
  p_.nodes[parent].children.emplace_back(fn, node);
  return node;
}

// A kept activation closes its last gap and its caller's current one; a short one joins the
// caller's gap under its own function, with what it merged itself.
void PerfCollector::end_span(const Activation& a, SpanState& own, std::uint64_t step, bool open_at_end) {
  const std::uint64_t steps = step - a.start;
  const auto depth = static_cast<std::uint32_t>(stack_.size());
  const Activation* caller = stack_.empty() ? nullptr : &stack_.back();
  SpanState* caller_span = caller ? &span_stack_.back() : nullptr;
  if (caller) caller_span->children_steps += steps;
  if (steps >= min_span_steps_ || a.open_at_start || open_at_end || !caller) {
    flush_merged(own.merged, own.gap_start, depth);
    p_.spans.push_back(Span{p_.nodes[a.node].fn, depth, a.start, step, a.open_at_start, open_at_end});
    if (caller) {
      flush_merged(caller_span->merged, caller_span->gap_start, depth - 1);
      caller_span->gap_start = step;
    }
    return;
  }
  // Its gap's tree becomes its own node: recursive calls folded into it already.
  if (own.merged == kNoMerged) own.merged = new_merged(p_.nodes[a.node].fn);
  MergedCall& m = merged_[own.merged];
  m.calls += 1;
  m.self_steps += steps - own.children_steps;
  m.total_steps = steps;
  if (caller_span->merged == kNoMerged) caller_span->merged = new_merged(p_.nodes[caller->node].fn);
  merge_into(caller_span->merged, own.merged);
}

std::uint32_t PerfCollector::new_merged(std::uint32_t fn) {
  std::uint32_t m;
  if (free_merged_.empty()) {
    m = static_cast<std::uint32_t>(merged_.size());
    merged_.emplace_back();
  } else {
    m = free_merged_.back();
    free_merged_.pop_back();
  }
  MergedCall& c = merged_[m];
  c.fn = fn;
  c.calls = c.self_steps = c.total_steps = 0;
  c.children.clear();
  return m;
}

// A call of f merged under f itself (direct recursion) folds into it: its self steps are
// f's either way, f is on the stack either way, and its callees move up a level. That keeps
// a merged recursion one span, not one per level, and every function's self and total
// steps as they were. Iterative: a short recursion can still be thousands of calls deep.
void PerfCollector::merge_into(std::uint32_t into, std::uint32_t from) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>>& work = merge_work_;  // (parent, child to add)
  work.assign(1, {into, from});
  while (!work.empty()) {
    const auto [parent, add] = work.back();
    work.pop_back();
    const std::uint32_t fn = merged_[add].fn;
    if (merged_[parent].fn == fn) {
      merged_[parent].calls += merged_[add].calls;
      merged_[parent].self_steps += merged_[add].self_steps;
      for (const auto& [f, c] : merged_[add].children) work.emplace_back(parent, c);
      merged_[add].children.clear();
      free_merged_.push_back(add);
      continue;
    }
    std::uint32_t same = kNoMerged;
    for (const auto& [f, c] : merged_[parent].children)
      if (f == fn) same = c;
    if (same == kNoMerged) {
      merged_[parent].children.emplace_back(fn, add);  // the whole tree moves over
      continue;
    }
    MergedCall& s = merged_[same];
    s.calls += merged_[add].calls;
    s.self_steps += merged_[add].self_steps;
    s.total_steps += merged_[add].total_steps;
    for (const auto& [f, c] : merged_[add].children) work.emplace_back(same, c);
    merged_[add].children.clear();
    free_merged_.push_back(add);
  }
}

void PerfCollector::flush_merged(std::uint32_t& root, std::uint64_t at, std::uint32_t depth) {
  if (root == kNoMerged) return;
  struct Place {
    std::uint32_t merged;
    std::uint64_t start;
    std::uint32_t depth;
  };
  std::vector<Place> work;
  const auto place_children = [&](std::uint32_t m, std::uint64_t start, std::uint32_t d) {
    for (const auto& [fn, c] : merged_[m].children) {
      work.push_back({c, start, d});
      start += merged_[c].total_steps;
    }
  };
  place_children(root, at, depth + 1);
  free_merged_.push_back(root);
  while (!work.empty()) {
    const Place p = work.back();
    work.pop_back();
    const MergedCall& m = merged_[p.merged];
    if (m.total_steps > 0)
      p_.spans.push_back(Span{m.fn, p.depth, p.start, p.start + m.total_steps, false, false, m.calls});
    place_children(p.merged, p.start, p.depth + 1);
    free_merged_.push_back(p.merged);
  }
  root = kNoMerged;
}

// The instruction that causes a call, return or tail call (at [step], counted from 0)
// belongs to the activation on top before it: it is attributed there first.
void PerfCollector::drain_calls() {
  const LoggedCall* const end = log_next;
  log_next = call_log_.data();
  if (min_span_steps_ > 0) {
    for (const LoggedCall* c = call_log_.data(); c != end; ++c) {
      const std::uint64_t step = c->step() + 1;
      attribute(step);
      switch (c->kind()) {
        case LoggedCall::Call:
          ++p_.counts.calls;
          push(c->fn, step, true);
          break;
        case LoggedCall::TailCall:
          ++p_.counts.tail_calls;
          pop(step);
          push(c->fn, step, true);
          break;
        case LoggedCall::Return:
          ++p_.counts.returns;
          pop(step);
          break;
      }
    }
    return;
  }
  // Without spans a call or return is only a move along the tree: the same as push and pop
  // do then, with what they keep in members held in registers.
  std::uint32_t top = top_node_;
  std::uint32_t depth = depth_;
  std::uint64_t attributed = attributed_to_;
  std::uint64_t calls = 0, tail_calls = 0, returns = 0;
  for (const LoggedCall* c = call_log_.data(); c != end; ++c) {
    const std::uint64_t step = c->step() + 1;
    p_.nodes[top].self_steps += step - attributed;
    attributed = step;
    const LoggedCall::Kind kind = c->kind();
    if (kind != LoggedCall::Call) {
      if (kind == LoggedCall::Return) ++returns;
      else ++tail_calls;
      if (depth > 0) {
        --depth;
        top = p_.nodes[top].parent;
      }
      if (kind == LoggedCall::Return) continue;
    } else {
      ++calls;
    }
    top = child(top, c->fn);
    ++p_.nodes[top].calls;
    ++depth;
  }
  top_node_ = top;
  depth_ = depth;
  attributed_to_ = attributed;
  p_.counts.calls += calls;
  p_.counts.tail_calls += tail_calls;
  p_.counts.returns += returns;
}

void PerfCollector::on_throw(const VmState&) { ++p_.counts.throws; }

void PerfCollector::on_catch(const VmState& vm) {
  take_calls();
  ++p_.counts.catches;
  // The throwing instruction ran in the activation on top; the handler's frame is now the
  // top, and the frames above it ended there.
  attribute(vm.step + 1);
  while (depth_ > vm.depth) pop(vm.step + 1);
}

void PerfCollector::on_alloc(const VmState& vm, const Object* o) {
  const Frame& f = vm.top();
  const auto site = static_cast<std::uint32_t>(f.ip - code_base_);
  const std::uint64_t bytes = Heap::object_bytes(o);
  ++p_.fn_allocations[f.fn];
  p_.fn_allocated_bytes[f.fn] += bytes;
  SiteTotals& t = site_totals_[slot_of(site)];
  ++t.objects;
  t.bytes += bytes;
  young_sites_.emplace_back(o->id, site);
}

void PerfCollector::on_collection(const VmState& vm, const GcCycle& replayed, const trace::Event& recorded) {
  ++p_.counts.collections;
  p_.collections.push_back(GcRecord{recorded.step, recorded.type, recorded.objects_before, recorded.bytes_before,
                                    recorded.objects_after, recorded.bytes_after, recorded.pause_ns});
  SiteCensus census;
  census.step = recorded.step;
  census.next_id = replayed.next_id;
  take_census(vm, replayed.next_id, &census.live, false);
  p_.census.push_back(std::move(census));
  p_.heap.push_back(HeapPoint{recorded.step, HeapPoint::At::Gc, recorded.objects_after, recorded.bytes_after});
}

void PerfCollector::take_census(const VmState& vm, std::uint64_t before_id,
                                std::vector<std::pair<std::uint32_t, std::uint64_t>>* live, bool at_end) {
  scratch_sites_.clear();
  touched_.clear();
  auto old_it = old_sites_.begin();
  auto young_it = young_sites_.begin();
  // Objects, old_sites_ and young_sites_ are all in id order: one merge walk.
  for (const Object* o : vm.heap.objects()) {
    if (o->id >= before_id) break;
    while (old_it != old_sites_.end() && old_it->first < o->id) ++old_it;
    std::uint32_t site = kHostSite;
    if (old_it != old_sites_.end() && old_it->first == o->id) {
      site = old_it->second;
    } else {
      while (young_it != young_sites_.end() && young_it->first < o->id) ++young_it;
      if (young_it != young_sites_.end() && young_it->first == o->id) site = young_it->second;
    }
    scratch_sites_.emplace_back(o->id, site);
    if (is_deferred(site)) {
      const std::uint32_t index = site - kDeferredSite;
      if (at_end) p_.deferred_live_at_end[index] = true;
      else p_.deferred_last_census[index] = static_cast<std::int64_t>(p_.census.size());
      continue;
    }
    const std::uint32_t slot = slot_of(site);
    if (site_count_[slot]++ == 0) touched_.push_back(slot);
    if (at_end) {
      SiteTotals& t = site_totals_[slot];
      ++t.live_at_end;
      t.live_bytes_at_end += Heap::object_bytes(o);
      t.newest_live_id = o->id;
    }
  }
  // Objects allocated after the collection are not part of it: keep their sites.
  while (young_it != young_sites_.end() && young_it->first < before_id) ++young_it;
  scratch_sites_.insert(scratch_sites_.end(), young_it, young_sites_.end());
  young_sites_.clear();
  old_sites_.swap(scratch_sites_);
  std::sort(touched_.begin(), touched_.end());
  for (const std::uint32_t slot : touched_) {
    const std::uint32_t site = site_of(slot);
    if (live) live->emplace_back(site, site_count_[slot]);
    site_count_[slot] = 0;
  }
}

void PerfCollector::mark_heap(const VmState& vm, HeapPoint::At at) {
  const GcStats& s = vm.heap.stats();
  p_.heap.push_back(HeapPoint{executed_steps(vm), at, s.live_objects, s.live_bytes});
}

WindowProfile PerfCollector::finish(const VmState& vm) {
  take_calls();
  const std::uint64_t end = executed_steps(vm);
  p_.to = end;
  // Host calls allocate too, without an allocation hook: the heap's own counts have them.
  p_.counts.allocations = vm.heap.stats().objects_allocated - heap_at_start_.objects_allocated;
  p_.counts.allocated_bytes = vm.heap.stats().bytes_allocated - heap_at_start_.bytes_allocated;
  attribute(end);
  // What is still running ran until the end of the window.
  while (depth_ > 0) pop(end, true);
  summarize(p_, p_.fn_allocations.size());
  p_.instruction_counts.assign(code_size_, 0);
  for (const auto& [index, count] : counter_.take_profile())
    if (index < code_size_) p_.instruction_counts[index] += count;
  take_census(vm, UINT64_MAX, nullptr, true);
  p_.end_sites = std::move(old_sites_);
  mark_heap(vm, HeapPoint::At::End);
  for (std::uint32_t slot = 0; slot < site_totals_.size(); ++slot) {
    const SiteTotals& t = site_totals_[slot];
    if (t.objects == 0 && t.live_at_end == 0) continue;
    const std::uint32_t site = site_of(slot);
    p_.sites[site] = t;
  }
  return std::move(p_);
}

void summarize(WindowProfile& w, std::size_t functions) {
  const std::size_t n = w.nodes.size();
  std::vector<std::uint64_t> inclusive(n, 0);
  for (std::size_t i = n; i-- > 0;) {
    inclusive[i] += w.nodes[i].self_steps;
    if (i != kRootNode) inclusive[w.nodes[i].parent] += inclusive[i];
  }
  w.fn_self_steps.assign(functions, 0);
  w.fn_calls.assign(functions, 0);
  w.fn_total_steps.assign(functions, 0);
  std::map<std::pair<std::uint32_t, std::uint32_t>, CallEdge> edges;
  // Depth first, counting each function and edge on the current path: a node is an
  // outermost activation where its count was 0.
  std::vector<std::uint32_t> on_path(functions, 0);
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> edge_on_path;
  std::vector<std::pair<std::uint32_t, std::size_t>> dfs{{kRootNode, 0}};  // node, next child
  while (!dfs.empty()) {
    auto& [node, next] = dfs.back();
    const CallNode& c = w.nodes[node];
    if (node != kRootNode && next == 0) {  // entering
      w.fn_self_steps[c.fn] += c.self_steps;
      w.fn_calls[c.fn] += c.calls;
      if (on_path[c.fn]++ == 0) w.fn_total_steps[c.fn] += inclusive[node];
      if (c.parent != kRootNode) {
        const std::pair<std::uint32_t, std::uint32_t> key{w.nodes[c.parent].fn, c.fn};
        CallEdge& e = edges.try_emplace(key, CallEdge{key.first, key.second, 0, 0}).first->second;
        e.calls += c.calls;
        if (edge_on_path[key]++ == 0) e.total_steps += inclusive[node];
      }
    }
    if (next < c.children.size()) {
      const std::uint32_t child = c.children[next++].second;
      dfs.emplace_back(child, 0);
      continue;
    }
    if (node != kRootNode) {  // leaving
      --on_path[c.fn];
      if (c.parent != kRootNode) --edge_on_path[{w.nodes[c.parent].fn, c.fn}];
    }
    dfs.pop_back();
  }
  w.edges.clear();
  for (const auto& [key, e] : edges) w.edges.push_back(e);
}

namespace {

// Learns, by replaying, where the objects of a sorted id list were allocated: for a trace
// whose allocations are derived (format 1.5), the chunks do not say.
class SiteFinder final : public ReplayListener {
 public:
  SiteFinder(const VmState& vm, std::vector<std::pair<std::uint64_t, std::uint32_t>>& sites)
      : counter_(vm), sites_(sites), next_(sites.begin()) {
    blocks = &counter_;
  }
  void on_alloc(const VmState& vm, const Object* o) override {
    const Frame& f = vm.top();
    found(o->id, static_cast<std::uint32_t>(vm.fn_runtime[f.fn].code - vm.code.data()) + vm.ip_index(f));
  }
  void on_host_alloc(const VmState&, const Object* o) override { found(o->id, kHostSite); }

 private:
  void found(std::uint64_t id, std::uint32_t site) {
    while (next_ != sites_.end() && next_->first < id) ++next_;
    if (next_ != sites_.end() && next_->first == id) next_->second = site;
  }
  BlockCounter counter_;
  std::vector<std::pair<std::uint64_t, std::uint32_t>>& sites_;
  std::vector<std::pair<std::uint64_t, std::uint32_t>>::iterator next_;
};

}  // namespace

std::vector<std::pair<std::uint64_t, std::uint32_t>> sites_of_live_objects(const trace::TraceReader& reader,
                                                                           const VmState& vm) {
  const std::uint64_t first_dynamic = reader.header().first_dynamic_id;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> sites;
  for (const Object* o : vm.heap.objects())
    sites.emplace_back(o->id, o->id < first_dynamic ? kConstantSite : kHostSite);
  auto next = std::find_if(sites.begin(), sites.end(), [&](const auto& s) { return s.first >= first_dynamic; });
  const std::uint64_t position = executed_steps(vm);
  if (reader.header().derived_events) {
    // Replay up to here: allocation ids count up as the live objects' do, one forward walk.
    if (next == sites.end()) return sites;
    Timeline timeline(reader.path());
    if (position <= timeline.start()) return sites;
    timeline.seek(timeline.start());
    SiteFinder finder(timeline.state(), sites);
    timeline.run_forward(position, nullptr, finder);
    return sites;
  }
  // Allocation ids count up through the chunks, as do the live objects': one forward walk.
  for (std::size_t i = 0; i < reader.chunks().size() && next != sites.end(); ++i) {
    if (reader.chunks()[i].from_step >= position) break;
    const trace::ChunkData chunk = reader.read_chunk(i, trace::ChunkParts::EncodedEvents);
    trace::EventReader events(chunk.event_bytes, chunk.info.from_step, chunk.info.to_step, chunk.start_depth,
                              chunk.first_alloc_id);
    trace::Event e;
    while (next != sites.end() && events.next(e)) {
      if (e.kind != trace::EventKind::Alloc) continue;
      while (next != sites.end() && next->first < e.id) ++next;
      if (next == sites.end() || next->first != e.id) continue;
      if (e.fn < vm.fn_runtime.size()) {
        const auto site = static_cast<std::uint64_t>(vm.fn_runtime[e.fn].code - vm.code.data()) + e.ip;
        if (site < vm.code.size()) next->second = static_cast<std::uint32_t>(site);
      }
      ++next;
    }
  }
  return sites;
}

}  // namespace pw::replay
