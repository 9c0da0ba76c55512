// The scheduler that shares a report's intervals among workers, on a clock the test moves:
// first shares by weight, and a worker that is done takes part of another's range only when
// that ends the run sooner, counting the restore it costs.
#include "range_scheduler.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace {

using pw::replay::RangeScheduler;
using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;

struct Scheduled {
  double now = 0;
  RangeScheduler scheduler;
  Scheduled(std::vector<double> weights, unsigned workers, std::vector<double> setups = {})
      : scheduler(std::move(weights), std::move(setups), workers, [this] { return now; }) {}
  // Worker [w] replays interval [i] until [at].
  bool replay(unsigned w, std::size_t i, double at) {
    now = at;
    return scheduler.go_on(w, i);
  }
  // Ten intervals for two workers: each starts its share, [0, 5) and [5, 10), worker 0 is
  // set up at once and worker 1 at [ready_at] ms; then worker 0 replays its first four
  // intervals, 10 ms each.
  void start_two(double ready_at) {
    ASSERT_EQ(scheduler.ranges(), (Ranges{{0, 5}, {5, 10}}));
    ASSERT_EQ(scheduler.start(0), std::optional<std::size_t>(0));
    ASSERT_EQ(scheduler.start(1), std::optional<std::size_t>(5));
    scheduler.ready(0);
    now = ready_at;
    scheduler.ready(1);
    for (std::size_t i = 0; i < 4; ++i) ASSERT_TRUE(replay(0, i, 10.0 * static_cast<double>(i + 1)));
  }
};

TEST(RangeScheduler, FirstSharesAreContiguousRangesOfEvenWeight) {
  RangeScheduler even({1, 1, 1, 1, 1, 1}, {}, 2);
  EXPECT_EQ(even.ranges(), (Ranges{{0, 3}, {3, 6}}));
  RangeScheduler heavy_first({3, 1, 1, 1}, {}, 2);
  EXPECT_EQ(heavy_first.ranges(), (Ranges{{0, 1}, {1, 4}}));
  RangeScheduler three({1, 1, 1, 1, 1, 1}, {}, 3);
  EXPECT_EQ(three.ranges(), (Ranges{{0, 2}, {2, 4}, {4, 6}}));
  RangeScheduler heavy_middle({1, 1, 6, 1, 1}, {}, 3);
  EXPECT_EQ(heavy_middle.ranges(), (Ranges{{0, 2}, {2, 3}, {3, 5}}));
}

// A range that starts later costs its restore: the later ranges are shorter by it.
TEST(RangeScheduler, FirstSharesCountTheRestoreEachRangeStartsWith) {
  RangeScheduler two(std::vector<double>(10, 1), std::vector<double>(10, 2), 2);
  EXPECT_EQ(two.ranges(), (Ranges{{0, 6}, {6, 10}}));
  RangeScheduler three(std::vector<double>(12, 1), std::vector<double>(12, 3), 3);
  EXPECT_EQ(three.ranges(), (Ranges{{0, 6}, {6, 9}, {9, 12}}));
}

// More workers than intervals: the later ones have nothing to do.
TEST(RangeScheduler, WorkersBeyondTheIntervalsGetNothing) {
  Scheduled s({1, 1}, 3);
  EXPECT_EQ(s.scheduler.ranges(), (Ranges{{0, 1}, {1, 2}, {2, 2}}));
  EXPECT_EQ(s.scheduler.start(0), std::optional<std::size_t>(0));
  EXPECT_EQ(s.scheduler.start(1), std::optional<std::size_t>(1));
  EXPECT_EQ(s.scheduler.start(2), std::nullopt);
}

// A worker with nothing left takes whole the range of one that has not begun (and may never).
TEST(RangeScheduler, AnIdleWorkerTakesARangeNotBegun) {
  Scheduled s({1, 1}, 2);
  ASSERT_EQ(s.scheduler.start(0), std::optional<std::size_t>(0));
  s.scheduler.ready(0);
  EXPECT_FALSE(s.replay(0, 0, 1));
  EXPECT_EQ(s.scheduler.start(0), std::optional<std::size_t>(1));
  EXPECT_EQ(s.scheduler.ranges(), (Ranges{{1, 2}, {1, 1}}));
  EXPECT_EQ(s.scheduler.start(1), std::nullopt);
}

TEST(RangeScheduler, AWorkerGoesOnThroughItsRangeThenStops) {
  Scheduled s({1, 1, 1, 1}, 1);
  EXPECT_EQ(s.scheduler.start(0), std::optional<std::size_t>(0));
  s.scheduler.ready(0);
  EXPECT_TRUE(s.replay(0, 0, 1));
  EXPECT_TRUE(s.replay(0, 1, 2));
  EXPECT_TRUE(s.replay(0, 2, 3));
  EXPECT_FALSE(s.replay(0, 3, 4));
  EXPECT_EQ(s.scheduler.start(0), std::nullopt);
}

// Ten intervals of 10 ms each; the second worker's restore takes 30 ms. When the first is
// done at 50 ms, the second has 30 ms left: taking its last interval would cost the thief
// 30 + 10 ms, so the run would end later. The thief stops instead.
TEST(RangeScheduler, AStealThatCostsMoreThanItSavesIsRefused) {
  Scheduled s(std::vector<double>(10, 1), 2);
  s.start_two(30);
  EXPECT_TRUE(s.replay(1, 5, 40));
  EXPECT_FALSE(s.replay(0, 4, 50));
  EXPECT_TRUE(s.replay(1, 6, 50));
  EXPECT_EQ(s.scheduler.start(0), std::nullopt);
  EXPECT_EQ(s.scheduler.ranges(), (Ranges{{5, 5}, {7, 10}}));
}

// The second worker's intervals take three times what their weights promised, and its
// restore is cheap: the first worker, done at 50 ms, takes the tail that evens out the ends.
// Measured: 80 ms over 6 weights, so 13.3 ms each, and 1 ms to set up. The second worker
// replays interval 6 (past its estimate) with 7, 8 and 9 left: alone it ends in 40 ms. Taking
// 9 ends both in 14.3 and 26.7 ms; taking 8 and 9, in 27.7 and 13.3 ms.
TEST(RangeScheduler, AStealThatEndsTheRunSoonerSplitsTheRestEvenly) {
  Scheduled s(std::vector<double>(10, 1), 2);
  s.start_two(1);
  EXPECT_TRUE(s.replay(1, 5, 31));
  EXPECT_FALSE(s.replay(0, 4, 50));
  EXPECT_EQ(s.scheduler.start(0), std::optional<std::size_t>(9));
  EXPECT_EQ(s.scheduler.ranges(), (Ranges{{9, 10}, {6, 9}}));
  // The thief's restore is timed from here, and the victim stops before what it gave away.
  s.now = 52;
  s.scheduler.ready(0);
  EXPECT_TRUE(s.replay(1, 6, 61));
  EXPECT_TRUE(s.replay(1, 7, 91));
  EXPECT_FALSE(s.replay(1, 8, 121));
  EXPECT_FALSE(s.replay(0, 9, 70));
  EXPECT_EQ(s.scheduler.start(0), std::nullopt);
  EXPECT_EQ(s.scheduler.start(1), std::nullopt);
}

// Before any interval is timed, the weights stand for the time and a restore is free: a
// worker done at once takes the later part of the largest range left.
TEST(RangeScheduler, BeforeAnythingIsTimedTheWeightsDecide) {
  Scheduled s({1, 4, 4, 4, 4}, 2);
  ASSERT_EQ(s.scheduler.ranges(), (Ranges{{0, 3}, {3, 5}}));
  ASSERT_EQ(s.scheduler.start(1), std::optional<std::size_t>(3));
  EXPECT_TRUE(s.replay(1, 3, 1));
  EXPECT_FALSE(s.replay(1, 4, 2));
  // Worker 0 has not begun: worker 1 takes interval 2 of its range, leaving it 0 and 1.
  EXPECT_EQ(s.scheduler.start(1), std::optional<std::size_t>(2));
  EXPECT_EQ(s.scheduler.ranges(), (Ranges{{0, 2}, {2, 3}}));
}

// A restore's measured cost scales with the estimates: where the first cost 30 ms for an
// estimate of 0.5, one estimated at 0.05 costs 3 ms, so taking interval 9 pays (the
// victim, with 30 ms left alone, and the thief both end within 20 ms) while taking 8 too,
// whose restore is not estimated and counts as the dearest seen, does not.
TEST(RangeScheduler, AStealCountsTheRestoreOfWhereItStarts) {
  Scheduled s(std::vector<double>(10, 1), 2, {0, 0, 0, 0, 0, 0.5, 0, 0, 0, 0.05});
  s.start_two(30);
  EXPECT_TRUE(s.replay(1, 5, 40));
  EXPECT_FALSE(s.replay(0, 4, 50));
  EXPECT_TRUE(s.replay(1, 6, 50));
  EXPECT_EQ(s.scheduler.start(0), std::optional<std::size_t>(9));
  EXPECT_EQ(s.scheduler.ranges(), (Ranges{{9, 10}, {7, 9}}));
}

// Without a clock nothing is measured: a worker done takes the part of another's range
// that evens out the weights left, counting the interval that one replays as half done.
TEST(RangeScheduler, WithoutAClockTheWeightsDecideThroughout) {
  RangeScheduler s(std::vector<double>(10, 1), {}, 2, nullptr);
  ASSERT_EQ(s.start(0), std::optional<std::size_t>(0));
  ASSERT_EQ(s.start(1), std::optional<std::size_t>(5));
  s.ready(0);
  s.ready(1);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_TRUE(s.go_on(0, i));
  EXPECT_FALSE(s.go_on(0, 4));
  EXPECT_EQ(s.start(0), std::optional<std::size_t>(8));
  EXPECT_EQ(s.ranges(), (Ranges{{8, 10}, {5, 8}}));
}

TEST(RangeScheduler, TheRestOfAFailedRangeIsNotTaken) {
  Scheduled s(std::vector<double>(6, 1), 2);
  ASSERT_EQ(s.scheduler.start(0), std::optional<std::size_t>(0));
  ASSERT_EQ(s.scheduler.start(1), std::optional<std::size_t>(3));
  s.scheduler.give_up(1);
  EXPECT_TRUE(s.replay(0, 0, 1));
  EXPECT_TRUE(s.replay(0, 1, 2));
  EXPECT_FALSE(s.replay(0, 2, 3));
  EXPECT_EQ(s.scheduler.start(0), std::nullopt);
}

}  // namespace
