// Readings of the replay's published progress (replay_progress.h).
#include "replay_progress.h"

#include <algorithm>
#include <memory>

#include "cursor.h"

namespace pw::term {

ProgressLine::Reader forward_progress(std::uint64_t from, std::uint64_t to) {
  return [from, to] {
    const replay::ReplayProgress& p = replay::replay_progress();
    ProgressReading r;
    r.step = p.position.load(std::memory_order_relaxed);
    r.work = p.executed.load(std::memory_order_relaxed);
    if (to > from) r.fraction = r.step <= from ? 0.0 : static_cast<double>(r.step - from) / static_cast<double>(to - from);
    return r;
  };
}

ProgressLine::Reader replayed_progress(std::uint64_t total) {
  const std::uint64_t start = replay::replay_progress().executed.load(std::memory_order_relaxed);
  return [start, total] {
    const replay::ReplayProgress& p = replay::replay_progress();
    ProgressReading r;
    r.work = p.executed.load(std::memory_order_relaxed);
    r.step = r.work - start;
    if (total) r.fraction = static_cast<double>(r.step) / static_cast<double>(total);
    return r;
  };
}

ProgressLine::Reader backward_progress(std::uint64_t home, std::uint64_t first) {
  // The search scans one interval at a time, latest first, forward inside each: the lowest
  // position seen so far is how far back it has got.
  auto lowest = std::make_shared<std::uint64_t>(home);
  return [home, first, lowest] {
    const replay::ReplayProgress& p = replay::replay_progress();
    ProgressReading r;
    r.step = p.position.load(std::memory_order_relaxed);
    r.work = p.executed.load(std::memory_order_relaxed);
    *lowest = std::max(std::min(*lowest, r.step), first);
    if (home > first) r.fraction = static_cast<double>(home - *lowest) / static_cast<double>(home - first);
    return r;
  };
}

ProgressLine::Reader move_progress(const replay::Cursor& cursor, bool backward) {
  if (backward) return backward_progress(cursor.position(), cursor.start());
  return forward_progress(cursor.position(), cursor.finished() ? cursor.end() : 0);
}

}  // namespace pw::term
