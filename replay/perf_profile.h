// Performance reports from a trace: the run (or a window of it) re-executed with a
// PerfCollector, cut at snapshots into segments that replay in parallel and merge into the
// figures of one pass; then the leak analysis over the heap censuses, with the path from a
// root that keeps a sample of each suspect alive.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "perf_collector.h"
#include "vm.h"

namespace pw::replay {

struct LeakSuspect {
  std::uint32_t site = 0;
  std::size_t cycles = 0;             // collections it was judged over
  std::uint64_t live_first = 0;       // live objects from the site after the first of them
  std::uint64_t live_last = 0;        // and after the last
  std::uint64_t live_bytes_last = 0;  // at the end of the window
  std::uint64_t growth_bytes = 0;     // live_last - live_first objects, at their size at the end
  double growth_objects_per_mstep = 0;  // least squares over the collections
  std::uint64_t sample_id = 0;        // one of its objects, retained to the end (0: none)
  std::string sample;                 // "pair #812"
  std::vector<std::string> root_path;  // "global cache", "pair #900 .cdr", "pair #812"
};

struct PerfProfile {
  WindowProfile window;
  std::vector<LeakSuspect> leaks;
  std::size_t segments = 1;
};

// Growth below this is not worth a leak report: a structure that legitimately grows a
// little (a short run's ledger, a memo table) would drown the leaks.
inline constexpr std::uint64_t kLeakMinBytes = 64 << 10;

struct PerfOptions {
  std::uint64_t from = 0;
  std::uint64_t to = UINT64_MAX;  // clamped to the end of the run
  unsigned threads = 1;           // segments replayed at once
  // Share the segments out counting what restoring each one's start costs, so a short run
  // stays whole. false: as if restores were free (cuts even a short run into one segment
  // per thread).
  bool count_restores = true;
  std::uint64_t min_span_steps = 0;  // keep activations this long as spans (0: no spans)
  std::uint64_t leak_min_bytes = kLeakMinBytes;
};

// Re-executes [path] over the window and reports on it. Throws what Timeline throws: a
// damaged or foreign trace, a divergence.
PerfProfile profile_trace(const std::string& path, const PerfOptions& options);

// The profiles of consecutive windows of one run as one profile of their union.
WindowProfile merge_windows(std::vector<WindowProfile> parts);

// Sites whose live objects keep growing across the collections: the value after the
// collections at 0, 1/4, 1/2, 3/4 and the end of the window rises every time, the last is
// within 10% of the peak (not a structure built and then dropped), and the growth comes to
// [min_bytes] or more. Needs five collections or more. Root paths are not filled in.
std::vector<LeakSuspect> find_leak_suspects(const WindowProfile& window, std::uint64_t min_bytes = kLeakMinBytes);

// How object [id] is reachable in [vm]: the root, then each object on the way with the
// field it holds the next by, ending with the object itself. Empty when it is not live.
std::vector<std::string> root_path(const VmState& vm, std::uint64_t id);

}  // namespace pw::replay
