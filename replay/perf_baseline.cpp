#include "perf_baseline.h"

#include <algorithm>
#include <cstdlib>

namespace pw::replay {
namespace {

std::uint64_t at(const std::vector<std::uint64_t>& v, int fn) {
  return fn >= 0 && static_cast<std::size_t>(fn) < v.size() ? v[static_cast<std::size_t>(fn)] : 0;
}

std::uint64_t magnitude(std::int64_t v) {
  return v < 0 ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
}

// Percent growth, for ordering: from 0 any growth is the largest.
long double growth(const FigureChange& c) {
  if (c.before == 0) return c.after > 0 ? 1e30L : 0.0L;
  return (static_cast<long double>(c.after) - static_cast<long double>(c.before)) * 100.0L /
         static_cast<long double>(c.before);
}

}  // namespace

std::optional<double> FigureChange::percent() const {
  if (before == 0) return std::nullopt;
  return static_cast<double>(growth(*this));
}

bool FigureChange::grew_past(double limit) const {
  if (after <= before) return false;
  // In exact integers as far as they go: after - before > limit% of before.
  return (static_cast<long double>(after - before)) * 100.0L > static_cast<long double>(limit) * before;
}

PerfComparison compare_profiles(const pw::Program& baseline, const WindowProfile& before, const pw::Program& program,
                                const WindowProfile& after, const ProgramMatch& match) {
  PerfComparison out;
  out.relation = match.relation;
  out.functions_matched = match.functions_matched;
  out.steps = {before.to - before.from, after.to - after.from};
  const EventCounts& b = before.counts;
  const EventCounts& a = after.counts;
  out.calls = {b.calls, a.calls};
  out.tail_calls = {b.tail_calls, a.tail_calls};
  out.allocations = {b.allocations, a.allocations};
  out.allocated_bytes = {b.allocated_bytes, a.allocated_bytes};
  out.collections = {b.collections, a.collections};
  out.throws = {b.throws, a.throws};
  out.catches = {b.catches, a.catches};

  const auto ran = [](const WindowProfile& w, int fn) {
    return at(w.fn_self_steps, fn) || at(w.fn_total_steps, fn) || at(w.fn_calls, fn);
  };
  const auto add = [&](FunctionChange::In in, int fn, int baseline_fn) {
    if (!ran(after, fn) && !ran(before, baseline_fn)) return;
    FunctionChange f;
    f.in = in;
    f.fn = fn;
    f.baseline_fn = baseline_fn;
    f.name = fn >= 0 ? program.function_label(static_cast<std::uint32_t>(fn))
                     : baseline.function_label(static_cast<std::uint32_t>(baseline_fn));
    f.self_steps = {at(before.fn_self_steps, baseline_fn), at(after.fn_self_steps, fn)};
    f.total_steps = {at(before.fn_total_steps, baseline_fn), at(after.fn_total_steps, fn)};
    f.calls = {at(before.fn_calls, baseline_fn), at(after.fn_calls, fn)};
    f.allocations = {at(before.fn_allocations, baseline_fn), at(after.fn_allocations, fn)};
    f.allocated_bytes = {at(before.fn_allocated_bytes, baseline_fn), at(after.fn_allocated_bytes, fn)};
    out.functions.push_back(std::move(f));
  };
  for (std::size_t fn = 0; fn < program.functions.size(); ++fn) {
    const int in_baseline = fn < match.function_in_a.size() ? match.function_in_a[fn] : -1;
    add(in_baseline >= 0 ? FunctionChange::In::Both : FunctionChange::In::New, static_cast<int>(fn), in_baseline);
  }
  for (std::size_t fn = 0; fn < baseline.functions.size(); ++fn)
    if (fn >= match.function_in_b.size() || match.function_in_b[fn] < 0)
      add(FunctionChange::In::Baseline, -1, static_cast<int>(fn));

  std::stable_sort(out.functions.begin(), out.functions.end(), [](const FunctionChange& x, const FunctionChange& y) {
    const std::uint64_t xt = magnitude(x.total_steps.delta()), yt = magnitude(y.total_steps.delta());
    if (xt != yt) return xt > yt;
    const std::uint64_t xs = magnitude(x.self_steps.delta()), ys = magnitude(y.self_steps.delta());
    if (xs != ys) return xs > ys;
    if (x.total_steps.after != y.total_steps.after) return x.total_steps.after > y.total_steps.after;
    return x.name < y.name;
  });
  return out;
}

std::vector<GateResult> check_gates(const PerfComparison& c, const PerfGates& gates) {
  std::vector<GateResult> out;
  if (gates.max_regression) {
    GateResult r;
    r.gate = GateResult::Gate::Total;
    r.limit = *gates.max_regression;
    r.change = c.steps;
    r.passed = !c.steps.grew_past(r.limit);
    out.push_back(std::move(r));
  }
  if (gates.max_function_regression) {
    GateResult r;
    r.gate = GateResult::Gate::Function;
    r.limit = *gates.max_function_regression;
    std::vector<const FunctionChange*> gated;
    for (const FunctionChange& f : c.functions)
      if (f.gated()) gated.push_back(&f);
    std::stable_sort(gated.begin(), gated.end(), [](const FunctionChange* x, const FunctionChange* y) {
      return growth(x->total_steps) > growth(y->total_steps);
    });
    for (const FunctionChange* f : gated)
      if (f->total_steps.grew_past(r.limit)) r.functions.push_back(f);
    r.passed = r.functions.empty();
    if (r.passed && !gated.empty()) r.functions.push_back(gated.front());
    if (!r.functions.empty()) r.change = r.functions.front()->total_steps;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace pw::replay
