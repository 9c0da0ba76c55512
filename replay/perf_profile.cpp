#include "perf_profile.h"

#include <algorithm>
#include <deque>
#include <exception>
#include <map>
#include <optional>
#include <memory>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "range_scheduler.h"
#include "timeline.h"

namespace pw::replay {
namespace {

// The window cut at every snapshot inside it: the shortest segments a collector can start
// at (a segment starts from a restored snapshot).
std::vector<std::uint64_t> interval_bounds(const std::vector<std::uint64_t>& snapshots, std::uint64_t from,
                                           std::uint64_t to) {
  std::vector<std::uint64_t> bounds{from};
  for (const std::uint64_t s : snapshots)
    if (s > from && s < to) bounds.push_back(s);
  bounds.push_back(to);
  return bounds;
}

// The window cut into [parts] segments at the snapshots nearest to equal shares of steps.
// A timeline's merged spans depend on where the run is cut (an activation cut by a seam is
// kept whole, and a seam closes the gaps its callers were merging short calls into): a
// report with spans is cut at these points only, which depend on the thread count alone.
std::vector<std::uint64_t> segment_bounds(const std::vector<std::uint64_t>& snapshots, std::uint64_t from,
                                          std::uint64_t to, unsigned parts) {
  std::vector<std::uint64_t> bounds{from};
  for (unsigned k = 1; k < parts; ++k) {
    const std::uint64_t target = from + (to - from) / parts * k;
    std::uint64_t best = 0;
    bool found = false;
    for (const std::uint64_t s : snapshots) {
      if (s <= bounds.back() || s >= to) continue;
      const auto distance = [&](std::uint64_t p) { return p > target ? p - target : target - p; };
      if (!found || distance(s) < distance(best)) best = s;
      found = true;
    }
    if (found) bounds.push_back(best);
  }
  bounds.push_back(to);
  return bounds;
}

// What replaying each interval is expected to cost, in steps: its steps, and its recorded
// events (prorated from the chunks it overlaps), each of which costs the replay about as
// much as a few instructions (matched, then moved along the calling-context tree).
std::vector<double> interval_weights(const trace::TraceReader& reader, const std::vector<std::uint64_t>& bounds) {
  constexpr double kStepsPerEvent = 4;
  std::vector<double> weights(bounds.size() - 1, 0);
  std::size_t i = 0;
  for (const trace::ChunkInfo& c : reader.chunks()) {
    if (c.to_step <= c.from_step) continue;
    const double per_step = kStepsPerEvent * c.event_count / static_cast<double>(c.to_step - c.from_step);
    while (i < weights.size() && bounds[i + 1] <= c.from_step) ++i;
    for (std::size_t k = i; k < weights.size() && bounds[k] < c.to_step; ++k) {
      const std::uint64_t a = std::max(bounds[k], c.from_step), b = std::min(bounds[k + 1], c.to_step);
      if (b > a) weights[k] += per_step * static_cast<double>(b - a);
    }
  }
  for (std::size_t k = 0; k < weights.size(); ++k) weights[k] += static_cast<double>(bounds[k + 1] - bounds[k]);
  return weights;
}

// What starting a range at each interval is expected to cost, in the weights' unit (steps):
// restoring the snapshot at or before its start, then replaying up to it. Restoring costs
// about its heap's size, in fresh pages mostly, of which a snapshot's decompressed size is a
// measure read from its frame's first bytes; a restore of a 1 MB snapshot of 150,000
// objects costs about as much as replaying 25 M steps.
std::vector<double> interval_setups(const trace::TraceReader& reader, const std::vector<std::uint64_t>& bounds) {
  constexpr double kStepsPerSnapshotByte = 24;
  const std::vector<trace::SnapshotInfo>& snapshots = reader.snapshots();
  std::vector<double> setups(bounds.size() - 1, 0);
  for (std::size_t i = 0; i < setups.size(); ++i) {
    const auto after = std::upper_bound(snapshots.begin(), snapshots.end(), bounds[i],
                                        [](std::uint64_t step, const trace::SnapshotInfo& s) { return step < s.step; });
    if (after == snapshots.begin()) continue;
    const auto k = static_cast<std::size_t>(after - snapshots.begin()) - 1;
    setups[i] = kStepsPerSnapshotByte * static_cast<double>(reader.snapshot_bytes(k)) +
                static_cast<double>(bounds[i] - snapshots[k].step);
  }
  return setups;
}

// Activations cut at the seam [at] between two parts continue in the second: one span each.
void join_spans(std::vector<Span>& spans, const std::vector<Span>& next, std::uint64_t at) {
  std::map<std::uint32_t, std::size_t> open;  // depth -> index in spans of one cut at the seam
  for (std::size_t i = 0; i < spans.size(); ++i)
    if (spans[i].open_at_end && spans[i].end == at) open[spans[i].depth] = i;
  for (const Span& s : next) {
    const auto it = s.open_at_start && s.start == at ? open.find(s.depth) : open.end();
    if (it != open.end() && spans[it->second].fn == s.fn) {
      spans[it->second].end = s.end;
      spans[it->second].open_at_end = s.open_at_end;
      open.erase(it);
    } else {
      spans.push_back(s);
    }
  }
}

// Counts [part]'s deferred objects under their sites, now that [before] (the windows
// before it, merged) knows them: in the censuses they were live in and at the end.
void settle_deferred(WindowProfile& part, const std::vector<std::pair<std::uint64_t, std::uint32_t>>& before) {
  const std::size_t n = part.deferred_ids.size();
  std::vector<std::uint32_t> site(n, kHostSite);
  auto it = before.begin();
  for (std::size_t i = 0; i < n; ++i) {
    while (it != before.end() && it->first < part.deferred_ids[i]) ++it;
    if (it != before.end() && it->first == part.deferred_ids[i]) site[i] = it->second;
  }
  // live[s][j]: deferred objects of site s whose last census was j; summed from the end,
  // the number live in census j.
  std::map<std::uint32_t, std::vector<std::uint64_t>> last;
  for (std::size_t i = 0; i < n; ++i) {
    if (part.deferred_last_census[i] >= 0) {
      auto& v = last[site[i]];
      v.resize(part.census.size(), 0);
      ++v[static_cast<std::size_t>(part.deferred_last_census[i])];
    }
    if (part.deferred_live_at_end[i]) {
      SiteTotals& t = part.sites[site[i]];
      ++t.live_at_end;
      t.live_bytes_at_end += part.deferred_bytes[i];
      t.newest_live_id = std::max(t.newest_live_id, part.deferred_ids[i]);
    }
  }
  for (const auto& [s, by_last] : last) {
    std::uint64_t live = 0;
    for (std::size_t j = by_last.size(); j-- > 0;) {
      live += by_last[j];
      if (live == 0) continue;
      auto& list = part.census[j].live;
      auto at = std::lower_bound(list.begin(), list.end(), std::make_pair(s, std::uint64_t{0}));
      if (at != list.end() && at->first == s) at->second += live;
      else list.insert(at, {s, live});
    }
  }
  for (auto& [id, s] : part.end_sites)
    if (is_deferred(s)) s = site[s - kDeferredSite];
  part.deferred_ids.clear();
}

std::string object_label(const Object* o) { return fmt::format("{} #{}", type_name(o->kind), o->id); }

}  // namespace

WindowProfile merge_windows(std::vector<WindowProfile> parts) {
  WindowProfile out = std::move(parts.front());
  for (std::size_t i = 1; i < parts.size(); ++i) {
    WindowProfile& p = parts[i];
    settle_deferred(p, out.end_sites);
    out.end_sites = std::move(p.end_sites);
    out.to = p.to;
    // The calling-context trees: a node is its path, and a parent comes before its children.
    std::vector<std::uint32_t> global(p.nodes.size(), kRootNode);
    for (std::uint32_t n = 1; n < p.nodes.size(); ++n) {
      const CallNode& node = p.nodes[n];
      const std::uint32_t parent = global[node.parent];
      std::uint32_t g = UINT32_MAX;
      for (const auto& [fn, c] : out.nodes[parent].children)
        if (fn == node.fn) g = c;
      if (g == UINT32_MAX) {
        g = static_cast<std::uint32_t>(out.nodes.size());
        CallNode fresh;
        fresh.fn = node.fn;
        fresh.parent = parent;
        out.nodes.push_back(std::move(fresh));
        out.nodes[parent].children.emplace_back(node.fn, g);
      }
      out.nodes[g].calls += node.calls;
      out.nodes[g].self_steps += node.self_steps;
      global[n] = g;
    }
    out.nodes[kRootNode].self_steps += p.nodes[kRootNode].self_steps;
    const auto add = [](std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
      for (std::size_t k = 0; k < a.size() && k < b.size(); ++k) a[k] += b[k];
    };
    add(out.fn_allocations, p.fn_allocations);
    add(out.fn_allocated_bytes, p.fn_allocated_bytes);
    add(out.instruction_counts, p.instruction_counts);
    // What was live at the end is the last part's to say.
    for (auto& [site, t] : out.sites) t.live_at_end = t.live_bytes_at_end = t.newest_live_id = 0;
    for (const auto& [site, t] : p.sites) {
      SiteTotals& o = out.sites[site];
      o.objects += t.objects;
      o.bytes += t.bytes;
      o.live_at_end = t.live_at_end;
      o.live_bytes_at_end = t.live_bytes_at_end;
      o.newest_live_id = t.newest_live_id;
    }
    EventCounts& c = out.counts;
    c.calls += p.counts.calls;
    c.tail_calls += p.counts.tail_calls;
    c.returns += p.counts.returns;
    c.allocations += p.counts.allocations;
    c.allocated_bytes += p.counts.allocated_bytes;
    c.collections += p.counts.collections;
    c.throws += p.counts.throws;
    c.catches += p.counts.catches;
    out.collections.insert(out.collections.end(), p.collections.begin(), p.collections.end());
    std::move(p.census.begin(), p.census.end(), std::back_inserter(out.census));
    // The seam is a snapshot: one point, not an end and a start.
    if (!out.heap.empty() && out.heap.back().at == HeapPoint::At::End) out.heap.back().at = HeapPoint::At::Snapshot;
    for (const HeapPoint& h : p.heap)
      if (h.at != HeapPoint::At::Start) out.heap.push_back(h);
    join_spans(out.spans, p.spans, p.from);
  }
  summarize(out, out.fn_allocations.size());
  return out;
}

std::vector<LeakSuspect> find_leak_suspects(const WindowProfile& w, std::uint64_t min_bytes) {
  std::vector<LeakSuspect> suspects;
  const std::size_t n = w.census.size();
  if (n < 5) return suspects;
  std::map<std::uint32_t, std::vector<std::uint64_t>> series;
  for (std::size_t j = 0; j < n; ++j)
    for (const auto& [site, live] : w.census[j].live) {
      if (site == kConstantSite) continue;
      auto& s = series[site];
      s.resize(n, 0);
      s[j] = live;
    }
  for (const auto& [site, s] : series) {
    bool rising = true;
    for (int q = 1; q <= 4; ++q) rising = rising && s[(n - 1) * q / 4] > s[(n - 1) * (q - 1) / 4];
    const std::uint64_t peak = *std::max_element(s.begin(), s.end());
    if (!rising || s.back() * 10 < peak * 9) continue;
    const auto totals = w.sites.find(site);
    if (totals == w.sites.end() || totals->second.live_at_end == 0) continue;
    const std::uint64_t growth_bytes =
        (s.back() - s.front()) * (totals->second.live_bytes_at_end / totals->second.live_at_end);
    if (growth_bytes < min_bytes) continue;
    // Least squares of live objects against the collections' steps.
    double mx = 0, my = 0;
    for (std::size_t j = 0; j < n; ++j) {
      mx += static_cast<double>(w.census[j].step);
      my += static_cast<double>(s[j]);
    }
    mx /= static_cast<double>(n);
    my /= static_cast<double>(n);
    double sxy = 0, sxx = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const double dx = static_cast<double>(w.census[j].step) - mx;
      sxy += dx * (static_cast<double>(s[j]) - my);
      sxx += dx * dx;
    }
    LeakSuspect l;
    l.site = site;
    l.cycles = n;
    l.live_first = s.front();
    l.live_last = s.back();
    l.growth_objects_per_mstep = sxx > 0 ? sxy / sxx * 1e6 : 0;
    l.growth_bytes = growth_bytes;
    l.live_bytes_last = totals->second.live_bytes_at_end;
    // A sample that the last collection found live: retained, not just made. The newest
    // such, as the one nearest to a root of a growing list.
    for (const auto& [id, where] : w.end_sites)
      if (where == site && id < w.census.back().next_id) l.sample_id = id;
    if (l.sample_id == 0) l.sample_id = totals->second.newest_live_id;
    suspects.push_back(std::move(l));
  }
  std::sort(suspects.begin(), suspects.end(),
            [](const LeakSuspect& a, const LeakSuspect& b) { return a.live_last - a.live_first > b.live_last - b.live_first; });
  return suspects;
}

std::vector<std::string> root_path(const VmState& vm, std::uint64_t id) {
  const auto& objects = vm.heap.objects();
  const auto found = std::lower_bound(objects.begin(), objects.end(), id,
                                      [](const Object* o, std::uint64_t i) { return o->id < i; });
  if (found == objects.end() || (*found)->id != id) return {};
  const Object* target = *found;
  // Breadth first from the roots, so the path found is a shortest one.
  struct Via {
    const Object* from;  // nullptr: reached from a root
    std::string how;     // the root's name, or the field of [from]
  };
  std::unordered_map<const Object*, Via> via;
  std::deque<const Object*> queue;
  const auto reach_object = [&](const Object* o, const Object* from, const std::string& how) {
    if (!o || via.contains(o)) return;
    via.emplace(o, Via{from, how});
    queue.push_back(o);
  };
  const auto reach = [&](const Value& v, const Object* from, const std::string& how) {
    if (v.is_ref()) reach_object(v.obj, from, how);
  };
  const Program& program = vm.program();
  for (std::size_t g = 0; g < vm.globals.size(); ++g)
    reach(vm.globals[g], nullptr, fmt::format("global {}", g < program.globals.size() ? program.globals[g] : "?"));
  for (std::uint32_t f = vm.depth; f-- > 0;) {
    const Frame& frame = vm.frames[f];
    const Function& fn = program.functions[frame.fn];
    for (std::uint32_t l = 0; l < vm.fn_runtime[frame.fn].local_count && frame.base + l < vm.sp; ++l)
      reach(frame.base[l], nullptr,
            fmt::format("local {} of {} (frame {})", l < fn.locals.size() ? fn.locals[l] : std::to_string(l), fn.name, f));
    reach_object(frame.closure, nullptr, fmt::format("the closure running {} (frame {})", fn.name, f));
  }
  for (const Value* v = vm.stack; v < vm.sp; ++v) reach(*v, nullptr, fmt::format("stack slot {}", v - vm.stack));
  for (const Value& v : vm.constants) reach(v, nullptr, "a constant");
  reach(vm.result, nullptr, "the run's result");
  while (!queue.empty() && !via.contains(target)) {
    const Object* o = queue.front();
    queue.pop_front();
    switch (o->kind) {
      case ValueType::Pair: {
        const auto* p = static_cast<const PairObj*>(o);
        reach(p->car, o, ".car");
        reach(p->cdr, o, ".cdr");
        break;
      }
      case ValueType::Array: {
        const auto* a = static_cast<const ArrayObj*>(o);
        for (std::uint32_t i = 0; i < o->length; ++i) reach(a->items()[i], o, fmt::format("[{}]", i));
        break;
      }
      case ValueType::Closure: {
        const auto* c = static_cast<const ClosureObj*>(o);
        const Function* fn = c->fn < program.functions.size() ? &program.functions[c->fn] : nullptr;
        for (std::uint32_t i = 0; i < o->length; ++i)
          reach(c->captures()[i], o,
                fmt::format("capture {}", fn && i < fn->captures.size() ? fn->captures[i] : std::to_string(i)));
        break;
      }
      default: break;
    }
  }
  const auto it = via.find(target);
  if (it == via.end()) return {};
  // Walk back from the target, then read the path forwards.
  std::vector<const Object*> chain;  // the objects on the way, target first
  for (const Object* o = target; o; o = via.at(o).from) chain.push_back(o);
  std::reverse(chain.begin(), chain.end());
  std::vector<std::string> path{via.at(chain.front()).how};
  // A long list or chain (many hops of the same kind by the same field) reads as its
  // first and last hops with the count in between.
  for (std::size_t i = 0; i + 1 < chain.size();) {
    const std::string& field = via.at(chain[i + 1]).how;
    std::size_t j = i;
    while (j + 2 < chain.size() && chain[j + 1]->kind == chain[i]->kind && via.at(chain[j + 2]).how == field) ++j;
    path.push_back(object_label(chain[i]) + " " + field);
    if (j - i >= 3) {
      path.push_back(fmt::format("... {} more {} {} ...", j - i - 1, type_name(chain[i]->kind), field));
      path.push_back(object_label(chain[j]) + " " + field);
      i = j + 1;
    } else {
      ++i;
    }
  }
  path.push_back(object_label(target));
  return path;
}

PerfProfile profile_trace(const std::string& path, const PerfOptions& options) {
  const unsigned workers = std::max(1u, options.threads);
  std::vector<std::unique_ptr<Timeline>> timelines(workers);  // one per worker
  timelines[0] = std::make_unique<Timeline>(path);
  const std::uint64_t to = std::min(options.to, timelines[0]->end());
  const std::uint64_t from = std::min(options.from, to);
  // Without spans the figures are the same wherever the run is cut, so any snapshot will do
  // and a worker's range is one segment; with spans, each interval is a segment of its own.
  const bool cut_everywhere = options.min_span_steps > 0;
  const std::vector<std::uint64_t> bounds =
      cut_everywhere ? segment_bounds(timelines[0]->snapshot_positions(), from, to, workers == 1 ? 1 : 2 * workers)
                     : interval_bounds(timelines[0]->snapshot_positions(), from, to);
  const std::size_t intervals = bounds.size() - 1;
  const std::vector<double> weights = interval_weights(timelines[0]->trace(), bounds);
  const bool count_restores = workers > 1 && options.count_restores;
  RangeScheduler scheduler(weights, count_restores ? interval_setups(timelines[0]->trace(), bounds) : std::vector<double>{},
                           workers, count_restores ? RangeScheduler::Clock(RangeScheduler::steady_clock_ms) : nullptr);
  // By first interval: each segment's profile, and the first failure in a range.
  std::vector<std::optional<WindowProfile>> parts(intervals);
  std::vector<std::exception_ptr> errors(intervals);
  std::unique_ptr<Timeline> end_timeline;  // the one that replayed the window's end: its state
  const auto work = [&](unsigned w) {
    while (const std::optional<std::size_t> first = scheduler.start(w)) {
      std::size_t i = *first;
      try {
        if (!timelines[w]) timelines[w] = std::make_unique<Timeline>(path);
        Timeline& timeline = *timelines[w];
        timeline.seek(bounds[i]);
        // The first segment finds the sites of the objects live at its start in the trace;
        // the others defer them to the merge.
        std::optional<std::vector<std::pair<std::uint64_t, std::uint32_t>>> sites;
        if (i == 0) sites = sites_of_live_objects(timeline.trace(), timeline.state());
        std::optional<PerfCollector> collector;
        collector.emplace(timeline.state(), std::move(sites), options.min_span_steps);
        scheduler.ready(w);
        std::size_t segment = i;
        for (;; ++i) {
          for (const std::uint64_t snapshot : timeline.snapshot_positions()) {
            if (snapshot <= bounds[i] || snapshot >= bounds[i + 1]) continue;
            timeline.run_forward(snapshot, nullptr, *collector);
            collector->mark_heap(timeline.state(), HeapPoint::At::Snapshot);
          }
          timeline.run_forward(bounds[i + 1], nullptr, *collector);
          if (!scheduler.go_on(w, i)) break;
          if (cut_everywhere) {
            parts[segment] = collector->finish(timeline.state());
            collector.emplace(timeline.state(), std::nullopt, options.min_span_steps);
            segment = i + 1;
          } else {
            collector->mark_heap(timeline.state(), HeapPoint::At::Snapshot);
          }
        }
        parts[segment] = collector->finish(timeline.state());
        if (i + 1 == intervals) end_timeline = std::move(timelines[w]);
      } catch (...) {
        errors[i] = std::current_exception();
        scheduler.give_up(w);
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned w = 1; w < workers && w < intervals; ++w) threads.emplace_back(work, w);
  work(0);
  for (std::thread& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  std::vector<WindowProfile> windows;
  for (std::optional<WindowProfile>& p : parts)
    if (p) windows.push_back(std::move(*p));
  PerfProfile profile;
  profile.segments = windows.size();
  profile.window = merge_windows(std::move(windows));
  profile.leaks = find_leak_suspects(profile.window, options.leak_min_bytes);
  const VmState& end_state = end_timeline->state();
  for (LeakSuspect& l : profile.leaks) {
    l.root_path = root_path(end_state, l.sample_id);
    if (!l.root_path.empty()) l.sample = l.root_path.back();
  }
  return profile;
}

}  // namespace pw::replay
