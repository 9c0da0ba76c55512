// Seeking and re-executing a recorded run.
#include "timeline.h"

#include <algorithm>

#include <fmt/format.h>

#include "image_diff.h"
#include "interpreter_impl.h"

namespace pw::replay {
namespace {

// Drives the re-execution: every event goes to the checker; with kVisits, every position
// also goes to the visitor, which may stop the run there; with kListens, the listener is
// told the events too and its block counter counts the instructions.
template <bool kVisits, bool kListens>
struct ReplayObserver : ObserverBase {
  static constexpr bool kStepHook = kVisits;
  static constexpr bool kCountsBlocks = kListens;

  ReplayObserver(EventChecker& c, StepVisitor* v, ReplayListener* l) : checker(c), visitor(v), listener(l) {}
  EventChecker& checker;
  StepVisitor* visitor;
  ReplayListener* listener;

  bool on_step(VmState& vm) {
    if constexpr (kVisits) return visitor->visit(vm, vm.step) || checker.diverged() || interrupted();
    return false;
  }
  void count_block(const Instr* ip) {
    if constexpr (kListens) listener->blocks->count_block(ip);
  }
  void on_call(VmState& vm, std::uint64_t step, std::uint32_t fn) {
    checker.call(step, fn);
    if constexpr (kListens) {
      if (listener->log_next) listener->log_call(step, LoggedCall::Call, fn);
      else listener->on_call(vm, step, fn);
    }
  }
  void on_tail_call(VmState& vm, std::uint64_t step, std::uint32_t fn) {
    checker.tail_call(step, fn);
    if constexpr (kListens) {
      if (listener->log_next) listener->log_call(step, LoggedCall::TailCall, fn);
      else listener->on_tail_call(vm, step, fn);
    }
  }
  void on_return(VmState& vm, std::uint64_t step, const Value&) {
    checker.ret(step);
    if constexpr (kListens) {
      if (listener->log_next) listener->log_call(step, LoggedCall::Return, 0);
      else listener->on_return(vm, step);
    }
  }
  void on_alloc(VmState& vm, const Object* o) {
    checker.alloc(vm, o);
    if constexpr (kListens) listener->on_alloc(vm, o);
  }
  void on_throw(VmState& vm, const Value& v) {
    checker.thrown(vm, v);
    if constexpr (kListens) listener->on_throw(vm);
  }
  void on_catch(VmState& vm, const Value&) {
    checker.caught(vm);
    if constexpr (kListens) listener->on_catch(vm);
  }
  void on_host(VmState& vm, HostFn fn, const Value&) { checker.host(vm, fn); }
};

template <bool kVisits, bool kListens>
RunStatus replay_slice(VmState& vm, EventChecker& checker, StepVisitor* visitor, ReplayListener* listener,
                       std::uint64_t steps) {
  ReplayObserver<kVisits, kListens> obs(checker, visitor, listener);
  return run_with(vm, obs, steps);
}


}  // namespace

struct Timeline::CachedSnapshot {
  trace::SnapshotData data;
  mutable bool checked = false;  // restored once: it fits this timeline's VM
};

Timeline::Timeline(const std::string& path, TimelineOptions options)
    : Timeline(std::make_unique<trace::TraceReader>(path), options) {}

Timeline::Timeline(std::unique_ptr<trace::TraceReader> reader, TimelineOptions options)
    : reader_(std::move(reader)), options_(options) {
  index_positions();
  // Only a windowed recording may start after step 0: in any other, a first snapshot
  // further on means the ones before it were lost.
  const bool windowed = reader_->header().history_limit > 0;
  if (snapshot_positions_.empty() || (snapshot_positions_.front() != 0 && !windowed))
    throw trace::TraceReadError(
        !reader_->damage().empty() ? reader_->damage()
        : windowed ? fmt::format("{}: the trace has no snapshot to replay from", reader_->path())
                   : fmt::format("{}: the trace has no snapshot at step 0 to replay from", reader_->path()));
  const trace::TraceReader& r = *reader_;
  vm_ = std::make_unique<VmState>(r.header().program, r.header().config, &host_);
  checker_ = std::make_unique<EventChecker>(*vm_);
  host_.attach(vm_.get(), checker_.get());
  if (r.outcome() && r.outcome()->status == trace::TraceOutcome::Status::Failed)
    checker_->set_recorded_failure(r.outcome()->error);
  restore(0);  // the first snapshot
}

Timeline::~Timeline() = default;

void Timeline::index_positions() {
  const trace::TraceReader& r = *reader_;
  const auto& outcome = r.outcome();
  end_ = r.steps();  // counts a failing instruction
  if (!r.chunks().empty()) end_ = std::max(end_, r.chunks().back().to_step);
  const bool failed_inside = outcome && outcome->status == trace::TraceOutcome::Status::Failed && outcome->error &&
                             fails_inside_instruction(outcome->error->kind);
  snapshot_positions_.clear();
  snapshot_records_.clear();
  edited_snapshots_ = 0;
  for (std::size_t i = 0; i < r.snapshots().size(); ++i) {
    std::uint64_t p = r.snapshots()[i].step;
    // The final snapshot of a run that failed in an instruction is the state after it: its
    // instruction counter does not count the failing one.
    if (i + 1 == r.snapshots().size() && failed_inside && p + 1 == outcome->steps) p = end_;
    if (r.snapshots()[i].edited) ++edited_snapshots_;
    // A state changed at a step where a snapshot was taken already: the changed one is the
    // state of that step.
    if (!snapshot_positions_.empty() && p == snapshot_positions_.back() && r.snapshots()[i].edited) {
      snapshot_records_.back() = i;
      continue;
    }
    if (!snapshot_positions_.empty() && p <= snapshot_positions_.back())
      throw trace::TraceReadError(fmt::format("{}: snapshots are out of order at snapshot {}", r.path(), i));
    if (p > end_) break;  // past the readable events: of no use
    snapshot_positions_.push_back(p);
    snapshot_records_.push_back(i);
  }
}

void Timeline::refresh() {
  const bool had_outcome = reader_->outcome().has_value();
  if (reader_->refresh()) took_in(had_outcome);
}

void Timeline::refresh(const std::vector<trace::WrittenRecord>& written) {
  const bool had_outcome = reader_->outcome().has_value();
  if (reader_->refresh(written)) took_in(had_outcome);
}

void Timeline::took_in(bool had_outcome) {
  const std::size_t edited_before = edited_snapshots_;
  index_positions();
  if (edited_snapshots_ != edited_before) {
    // A state was changed at the frontier: checkpoints and the state at hand may hold it
    // unchanged.
    checkpoints_.clear();
    snapshot_cache_.clear();
    restored_snapshot_ = kNowhere;
  }
  const auto& outcome = reader_->outcome();
  if (!had_outcome && outcome && outcome->status == trace::TraceOutcome::Status::Failed)
    checker_->set_recorded_failure(outcome->error);
}

std::shared_ptr<const trace::ChunkData> Timeline::chunk_at(std::uint64_t position) {
  const auto& chunks = reader_->chunks();
  auto it = std::upper_bound(chunks.begin(), chunks.end(), position,
                             [](std::uint64_t p, const trace::ChunkInfo& c) { return p < c.from_step; });
  if (it == chunks.begin() || position >= std::prev(it)->to_step)
    throw trace::TraceReadError(fmt::format("the trace holds no events for step {}", position));
  const std::uint64_t from = std::prev(it)->from_step;
  for (auto c = chunk_cache_.begin(); c != chunk_cache_.end(); ++c) {
    if (c->first != from) continue;
    chunk_cache_.splice(chunk_cache_.begin(), chunk_cache_, c);
    return c->second;
  }
  auto chunk = std::make_shared<const trace::ChunkData>(
      reader_->read_chunk(static_cast<std::size_t>(std::prev(it) - chunks.begin()), trace::ChunkParts::EncodedEvents));
  chunk_cache_.emplace_front(from, chunk);
  if (chunk_cache_.size() > options_.cached_chunks) chunk_cache_.pop_back();
  return chunk;
}

std::shared_ptr<const Timeline::CachedSnapshot> Timeline::snapshot(std::size_t index) {
  const std::size_t record = snapshot_records_[index];
  for (auto c = snapshot_cache_.begin(); c != snapshot_cache_.end(); ++c) {
    if (c->first != record) continue;
    snapshot_cache_.splice(snapshot_cache_.begin(), snapshot_cache_, c);
    return c->second;
  }
  auto s = std::make_shared<CachedSnapshot>();
  // Read into the buffers of the snapshot the cache lets go of, when nobody holds it.
  if (snapshot_cache_.size() >= options_.cached_snapshots && !snapshot_cache_.empty()) {
    std::shared_ptr<CachedSnapshot> evicted = std::move(snapshot_cache_.back().second);
    snapshot_cache_.pop_back();
    if (evicted.use_count() == 1) s->data = std::move(evicted->data);
  }
  reader_->read_snapshot(record, s->data);
  if (image_hash(s->data.image) != s->data.info.hash)
    throw Divergence(snapshot_positions_[index],
                     fmt::format("snapshot {} is damaged: its contents do not match its recorded hash", index));
  snapshot_cache_.emplace_front(record, s);
  if (snapshot_cache_.size() > options_.cached_snapshots) snapshot_cache_.pop_back();
  return s;
}

std::size_t Timeline::snapshot_before(std::uint64_t position) const {
  auto it = std::upper_bound(snapshot_positions_.begin(), snapshot_positions_.end(), position);
  return static_cast<std::size_t>(it - snapshot_positions_.begin()) - 1;
}

void Timeline::restore(std::size_t index) {
  const auto s = snapshot(index);
  restored_snapshot_ = kNowhere;
  try {
    // A snapshot is checked the first time it is restored; the cache keeps it checked.
    restore_state(*vm_, s->data.image, s->checked ? ImageTrust::Checked : ImageTrust::Unchecked);
    s->checked = true;
  } catch (const StateImageError& e) {
    throw trace::TraceReadError(fmt::format("{}: snapshot at step {} is invalid: {}", reader_->path(),
                                            snapshot_positions_[index], e.what()));
  }
  // The state before the first instruction reads as a run paused there, as
  // `pwvm run --stop-at 0` shows it.
  if (vm_->status == RunStatus::Ready) vm_->status = RunStatus::Paused;
  position_ = snapshot_positions_[index];
  replay_progress().position.store(position_, std::memory_order_relaxed);
  if (position_ != executed_steps(*vm_))
    throw Divergence(position_, fmt::format("snapshot {} holds the state of another step", index));
  restored_snapshot_ = index;
  ++stats_.restores;
  if (position_ < end_) checker_->begin_chunk(chunk_at(position_));
}

void Timeline::restore(const Checkpoint& c) {
  restored_snapshot_ = kNowhere;
  restore_state(*vm_, c.image, ImageTrust::Checked);  // this timeline captured it
  position_ = c.position;
  replay_progress().position.store(position_, std::memory_order_relaxed);
  checker_->resume(c.cursor);
  restored_snapshot_ = kFromCheckpoint;
  ++stats_.restores;
}

void Timeline::take_checkpoint() {
  Checkpoint c;
  if (checkpoints_.size() >= options_.cached_checkpoints && !checkpoints_.empty()) {
    c = std::move(checkpoints_.back());  // reuse its buffers
    checkpoints_.pop_back();
  }
  c.position = position_;
  capture_state(*vm_, c.image);
  c.cursor = checker_->cursor();
  checkpoints_.push_front(std::move(c));
}

void Timeline::seek(std::uint64_t target) {
  if (target > end_)
    throw std::out_of_range(fmt::format("step {} is past the end of the run (the last is {})", target, end_));
  if (target < start()) throw std::out_of_range(before_window_message(target, start()));
  if (restored_snapshot_ != kNowhere && target == position_) return;
  const std::size_t k = snapshot_before(target);
  std::uint64_t from = snapshot_positions_[k];
  const Checkpoint* best = nullptr;
  for (const Checkpoint& c : checkpoints_)
    if (c.position <= target && c.position > from) {
      from = c.position;
      best = &c;
    }
  // Going on from here is cheaper than restoring when no restore point lies in between.
  const bool go_on = restored_snapshot_ != kNowhere && target > position_ && position_ >= from;
  if (!go_on) {
    if (best) restore(*best);
    else restore(k);
  }
  // A long replay leaves a checkpoint a little before its target: stepping back from
  // there (the next thing a debugger user tends to do) then replays a short way.
  constexpr std::uint64_t kNearGap = 100'000;
  if (target - position_ > 4 * kNearGap && options_.cached_checkpoints > 0) {
    execute(target - std::min<std::uint64_t>(kNearGap, (target - position_) / 8), nullptr);
    take_checkpoint();
  }
  execute(target, nullptr);
}

bool Timeline::run_forward(std::uint64_t limit, StepVisitor* visitor) {
  if (restored_snapshot_ == kNowhere) seek(position_);
  return execute(std::min(limit, end_), visitor);
}

bool Timeline::run_forward(std::uint64_t limit, StepVisitor* visitor, ReplayListener& listener) {
  if (restored_snapshot_ == kNowhere) seek(position_);
  return execute(std::min(limit, end_), visitor, &listener);
}

bool Timeline::execute(std::uint64_t limit, StepVisitor* visitor, ReplayListener* listener) {
  checker_->set_listener(listener);
  struct Detach {
    EventChecker& checker;
    ~Detach() { checker.set_listener(nullptr); }
  } detach{*checker_};
  try {
    bool stopped = false;
    bool visited_here = false;
    while (position_ < limit && !stopped) {
      if (vm_->status == RunStatus::Halted || vm_->status == RunStatus::Failed)
        throw Divergence(position_, fmt::format("the replay ended at step {} but the recording goes on to {}", position_, end_));
      if (position_ >= checker_->cursor().chunk->info.to_step) checker_->begin_chunk(chunk_at(position_));
      const std::uint64_t slice_end = std::min(limit, checker_->cursor().chunk->info.to_step);
      const std::uint64_t from = position_;
      const std::uint64_t steps = slice_end - from;
      RunStatus status;
      if (listener && listener->blocks) {
        status = visitor ? replay_slice<true, true>(*vm_, *checker_, visitor, listener, steps)
                         : replay_slice<false, true>(*vm_, *checker_, visitor, listener, steps);
        // Runs counted whole but cut by the slice's end, a stop or a failure.
        if (status == RunStatus::Paused || status == RunStatus::Failed)
          listener->blocks->stopped_inside_block(*vm_, failed_in_instruction(*vm_));
      } else {
        status = visitor ? replay_slice<true, false>(*vm_, *checker_, visitor, nullptr, steps)
                         : replay_slice<false, false>(*vm_, *checker_, visitor, nullptr, steps);
      }
      position_ = executed_steps(*vm_);
      stats_.steps_replayed += position_ - from;
      replay_progress().position.store(position_, std::memory_order_relaxed);
      replay_progress().executed.fetch_add(position_ - from, std::memory_order_relaxed);
      checker_->end_slice(*vm_, position_);
      checker_->check();
      if (status == RunStatus::Paused && position_ < slice_end) {
        stopped = true;  // the visitor stopped here, having seen this position
        visited_here = true;
      }
      if (status == RunStatus::Halted || status == RunStatus::Failed) {
        if (position_ != end_)
          throw Divergence(position_, fmt::format("the replay ended ({}) at step {} but the recording goes on to {}",
                                                  vm_->error ? vm_->error->headline() : std::string("halted"),
                                                  position_, end_));
        const auto& outcome = reader_->outcome();
        if (outcome && outcome->error && vm_->error &&
            (outcome->error->kind != vm_->error->kind || outcome->error->message != vm_->error->message))
          throw Divergence(position_, fmt::format("the replay failed with '{}' but the recorded run with '{}'",
                                                  vm_->error->headline(), outcome->error->headline()));
      }
      check_snapshot_at(position_);
    }
    if (visitor && !visited_here) stopped = visitor->visit(*vm_, position_);
    return stopped;
  } catch (...) {
    restored_snapshot_ = kNowhere;  // the state is no longer a known position
    throw;
  }
}

std::vector<std::uint64_t> Timeline::changed_positions() {
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < snapshot_positions_.size(); ++i)
    if (reader_->snapshots()[snapshot_records_[i]].edited) out.push_back(snapshot_positions_[i]);
  return out;
}

void Timeline::check_snapshot_at(std::uint64_t position) {
  auto it = std::lower_bound(snapshot_positions_.begin(), snapshot_positions_.end(), position);
  if (it == snapshot_positions_.end() || *it != position) return;
  const auto index = static_cast<std::size_t>(it - snapshot_positions_.begin());
  if (index == restored_snapshot_) return;
  const trace::SnapshotInfo& info = reader_->snapshots()[snapshot_records_[index]];
  if (info.edited) {
    // Changed from outside the program here: the replay goes on from the changed state.
    restore(index);
    return;
  }
  ++stats_.snapshots_checked;
  if (image_hash(*vm_) == info.hash) return;
  capture_state(*vm_, scratch_);
  const auto recorded = snapshot(index);
  throw Divergence(position, fmt::format("the state differs from snapshot {}: {}", index,
                                         describe_difference(program(), scratch_, recorded->data.image)));
}

}  // namespace pw::replay
