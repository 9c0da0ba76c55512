// replay_bench: how fast the timeline answers on a recorded run. Seeks to random steps,
// reverse steps from random positions, and a watch over the whole run, each timed with a
// monotonic clock; prints one JSON object (bench/replay.sh turns it into a table).
//
// Usage: replay_bench TRACE EXPRESSION [SEEKS] [SEED]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "motion.h"
#include "queries.h"
#include "timeline.h"
#include "timing.h"

namespace {

using pwbench::Clock;
using pwbench::ms_since;
using pwbench::summary;

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: replay_bench TRACE EXPRESSION [SEEKS] [SEED]\n");
    return 2;
  }
  const std::string path = argv[1];
  const int seeks = argc > 3 ? std::stoi(argv[3]) : 100;
  std::mt19937_64 rng(argc > 4 ? std::stoull(argv[4]) : 1);
  try {
    auto opened = Clock::now();
    pw::replay::Timeline t(path);
    const double open_ms = ms_since(opened);
    const std::uint64_t end = t.end();
    std::uniform_int_distribution<std::uint64_t> any(0, end);
    std::uniform_int_distribution<std::uint64_t> after_start(1, end);

    std::vector<double> seek_ms;
    for (int i = 0; i < seeks; ++i) {
      const std::uint64_t target = any(rng);
      const auto start = Clock::now();
      t.seek(target);
      seek_ms.push_back(ms_since(start));
    }

    std::vector<double> back_ms;
    for (int i = 0; i < seeks; ++i) {
      t.seek(after_start(rng));
      const auto start = Clock::now();
      pw::replay::step_backward(t);
      back_ms.push_back(ms_since(start));
    }

    const auto expr = pw::replay::Expression::compile(argv[2], t.program());
    std::uint64_t changes = 0;
    pw::replay::ShownValue initial;
    const auto watch_start = Clock::now();
    pw::replay::watch(t, expr, 0, end, initial, [&](const pw::replay::ChangeReport&) {
      ++changes;
      return true;
    });
    const double watch_ms = ms_since(watch_start);

    const auto& reader = t.trace();
    nlohmann::json j{{"trace", path},
                     {"steps", end},
                     {"file_bytes", reader.file_bytes()},
                     {"snapshots", reader.snapshots().size()},
                     {"snapshot_interval", reader.header().snapshot_interval},
                     {"open_ms", open_ms},
                     {"seek", summary(seek_ms)},
                     {"reverse_step", summary(back_ms)},
                     {"watch", {{"expression", argv[2]}, {"changes", changes}, {"seconds", watch_ms / 1000},
                                {"seconds_per_100m_steps", watch_ms / 1000 * 1e8 / static_cast<double>(end)}}}};
    std::puts(j.dump(2).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replay_bench: %s\n", e.what());
    return 1;
  }
}
