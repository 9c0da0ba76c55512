// Timing for the in-process benchmarks: a monotonic clock, and the summary of a series of
// timings that the bench scripts turn into tables.
#pragma once
#include <algorithm>
#include <chrono>
#include <vector>

#include <nlohmann/json.hpp>

namespace pwbench {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// count, median, 90th percentile, best and worst of [ms] (not empty).
inline nlohmann::json summary(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  const double median = ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
  const double p90 = ms[std::min(ms.size() - 1, ms.size() * 9 / 10)];
  return {{"count", ms.size()}, {"median_ms", median}, {"p90_ms", p90}, {"worst_ms", ms.back()}, {"best_ms", ms.front()}};
}

}  // namespace pwbench
