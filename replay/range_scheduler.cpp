#include "range_scheduler.h"

#include <algorithm>
#include <chrono>

namespace pw::replay {

double RangeScheduler::steady_clock_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

RangeScheduler::RangeScheduler(std::vector<double> weights, std::vector<double> setups, unsigned workers,
                               Clock clock)
    : weights_(std::move(weights)), prefix_(weights_.size() + 1, 0), setups_(std::move(setups)),
      ranges_(std::max(1u, workers)), clock_(std::move(clock)) {
  for (std::size_t i = 0; i < weights_.size(); ++i) prefix_[i + 1] = prefix_[i] + weights_[i];
  setups_.resize(weights_.size(), 0);
  const std::vector<std::size_t> ends = first_shares(static_cast<unsigned>(ranges_.size()));
  std::size_t i = 0;
  for (std::size_t w = 0; w < ranges_.size(); ++w) {
    ranges_[w].next = i;
    i = w < ends.size() ? ends[w] : weights_.size();
    ranges_[w].end = i;
  }
}

std::vector<std::size_t> RangeScheduler::first_shares(unsigned workers) const {
  // The ends of ranges that each cost at most [limit], taken greedily; false if more than
  // [workers] are needed. The first range's set-up is every split's, so it is left out.
  const std::size_t n = weights_.size();
  std::vector<std::size_t> ends;
  const auto fits = [&](double limit) {
    ends.clear();
    for (std::size_t i = 0; i < n;) {
      if (ends.size() == workers) return false;
      double cost = ends.empty() ? 0 : setups_[i];
      if (cost + weights_[i] > limit) return false;
      while (i < n && cost + weights_[i] <= limit) cost += weights_[i++];
      ends.push_back(i);
    }
    return true;
  };
  // The least limit that fits, by bisection: one range of everything always does.
  double low = 0, high = prefix_.back();
  for (int k = 0; k < 64 && high - low > 1e-9 * high; ++k) {
    const double mid = (low + high) / 2;
    (fits(mid) ? high : low) = mid;
  }
  fits(high);
  return ends;
}

double RangeScheduler::setup_ms(std::size_t i) const {
  if (setups_[i] > 0 && setup_estimated_ > 0) return setups_[i] * setup_ms_ / setup_estimated_;
  return setup_max_ms_;
}

double RangeScheduler::running_left(const Range& r, double now, double rate) const {
  if (!r.running) return 0;
  const double whole = rate * weights_[r.next];
  if (replayed_weight_ == 0) return whole / 2;  // nothing measured yet: half done, say
  if (!r.ready) return std::max(0.0, setup_ms(r.next) - (now - r.since)) + whole;
  return std::max(0.0, whole - (now - r.since));
}

std::optional<RangeScheduler::Steal> RangeScheduler::best_steal(unsigned victim, double now) const {
  const Range& r = ranges_[victim];
  const std::size_t first = r.running ? r.next + 1 : r.next;
  if (first >= r.end) return std::nullopt;
  // Until an interval is timed, the weights stand for the time and the set-ups for theirs.
  const bool measured = replayed_weight_ > 0;
  const double rate = measured ? replayed_ms_ / replayed_weight_ : 1;
  const auto setup = [&](std::size_t i) { return measured ? setup_ms(i) : setups_[i]; };
  // What the victim has ahead before its intervals not yet started: the rest of the one it
  // replays, or the set-up of a range it has not begun.
  const double ahead = r.running ? running_left(r, now, rate) : setup(r.next);
  const double alone = ahead + rate * sum(first, r.end);
  std::optional<Steal> best;
  for (std::size_t cut = first; cut < r.end; ++cut) {
    const double thief = setup(cut) + rate * sum(cut, r.end);
    const bool whole = cut == first && !r.running;  // a range whose worker has not begun
    const double rest = whole ? 0 : ahead + rate * sum(first, cut);
    const double gain = alone - std::max(thief, rest);
    // Taking a whole range costs nothing when its worker has not begun (it may never).
    if ((gain > 0 || (whole && gain >= 0)) && (!best || gain > best->gain)) best = Steal{victim, cut, gain};
  }
  return best;
}

std::optional<std::size_t> RangeScheduler::start(unsigned w) {
  const std::lock_guard lock(mutex_);
  const double now = clock_ ? clock_() : 0;
  Range& own = ranges_[w];
  if (own.next < own.end && !own.running) {
    own.running = true;
    own.ready = false;
    own.since = now;
    return own.next;
  }
  own = Range{own.end, own.end};  // done with it
  std::optional<Steal> chosen;
  for (unsigned v = 0; v < ranges_.size(); ++v) {
    if (v == w) continue;
    const std::optional<Steal> s = best_steal(v, now);
    if (s && (!chosen || s->gain > chosen->gain)) chosen = s;
  }
  if (!chosen) return std::nullopt;
  Range& r = ranges_[chosen->victim];
  own = Range{chosen->cut, r.end, true, false, now};
  r.end = chosen->cut;
  return chosen->cut;
}

void RangeScheduler::ready(unsigned w) {
  const std::lock_guard lock(mutex_);
  Range& own = ranges_[w];
  own.ready = true;
  if (!clock_) return;
  const double now = clock_();
  const double took = now - own.since;
  setup_max_ms_ = std::max(setup_max_ms_, took);
  if (setups_[own.next] > 0) {
    setup_ms_ += took;
    setup_estimated_ += setups_[own.next];
  }
  own.since = now;
}

bool RangeScheduler::go_on(unsigned w, std::size_t i) {
  const std::lock_guard lock(mutex_);
  Range& own = ranges_[w];
  if (clock_) {
    const double now = clock_();
    if (own.ready) {
      replayed_ms_ += now - own.since;
      replayed_weight_ += weights_[i];
    }
    own.since = now;
  }
  if (i + 1 >= own.end) return false;
  own.next = i + 1;
  return true;
}

void RangeScheduler::give_up(unsigned w) {
  const std::lock_guard lock(mutex_);
  ranges_[w].end = ranges_[w].next + 1;
}

std::vector<std::pair<std::size_t, std::size_t>> RangeScheduler::ranges() const {
  const std::lock_guard lock(mutex_);
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (const Range& r : ranges_) out.emplace_back(r.next, r.end);
  return out;
}

}  // namespace pw::replay
