// The live back end: the real VM at the frontier, the replayed recording behind it.
#include "live_run.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "trace_writer.h"

namespace pw::debugger {
namespace {

// Asks the visitor before every live instruction, and stops on an interrupt.
class VisitHook : public trace::StepHook {
 public:
  VisitHook(replay::StepVisitor* v, bool skip_first) : visitor_(v), skip_(skip_first) {}
  bool before_step(const VmState& vm) override {
    if (replay::interrupted()) return stopped = true;
    if ((vm.step & (kPublishEvery - 1)) == 0) {  // for progress lines, now and then
      replay::replay_progress().position.store(vm.step, std::memory_order_relaxed);
      replay::replay_progress().executed.fetch_add(kPublishEvery, std::memory_order_relaxed);
    }
    if (skip_) {
      skip_ = false;
      return false;
    }
    if (!visitor_) return false;
    visited_last = vm.step;
    return stopped = visitor_->visit(vm, vm.step);
  }
  bool stopped = false;
  std::uint64_t visited_last = UINT64_MAX;
  static constexpr std::uint64_t kPublishEvery = 4096;

 private:
  replay::StepVisitor* visitor_;
  bool skip_;
};

}  // namespace

LiveRun::LiveRun(std::shared_ptr<const Program> program, VmConfig config, std::unique_ptr<Host> host,
                 trace::RecordOptions options)
    : host_(std::move(host)) {
  vm_ = std::make_unique<VmState>(std::move(program), config, host_.get());
  record_path_ = options.path;
  if (options.path.empty()) {
    memory_fd_ = ::memfd_create("pwvm-debug-trace", MFD_CLOEXEC);
    if (memory_fd_ < 0)
      throw trace::TraceWriteError(fmt::format("cannot create an in-memory recording: {}", std::strerror(errno)));
    options.path = fmt::format("/proc/self/fd/{}", memory_fd_);
  }
  recorder_ = std::make_unique<trace::Recorder>(*vm_, std::move(options));
}

LiveRun::~LiveRun() {
  try {
    finish_recording();
  } catch (...) {
    // Nothing more can be saved.
  }
  timeline_.reset();
  recorder_.reset();
  if (memory_fd_ >= 0) ::close(memory_fd_);
}

void LiveRun::change_state(const std::function<void(VmState&)>& change) {
  if (!at_frontier()) throw std::logic_error("the state can be changed only at the newest step of the run");
  if (finished() || (vm_->status != RunStatus::Paused && vm_->status != RunStatus::Ready))
    throw std::logic_error("the run has ended: there is nothing left to change");
  change(*vm_);
  recorder_->record_change();
  synced_to_ = UINT64_MAX;  // the timeline takes in the changed state before its next use
}

trace::RecordResult LiveRun::finish_recording() {
  if (!recorder_->finished()) result_ = recorder_->finish();
  return result_;
}

const VmState& LiveRun::state() const { return at_frontier() ? *vm_ : timeline_->state(); }

replay::Timeline& LiveRun::timeline() {
  if (synced_to_ == frontier_ && timeline_) return *timeline_;
  recorder_->sync();
  // The recorder says what it wrote where: no need to scan (and decompress) the file.
  const std::vector<trace::WrittenRecord> written = recorder_->written();
  const std::string path = memory_fd_ >= 0 ? fmt::format("/proc/self/fd/{}", memory_fd_) : record_path_;
  if (!timeline_) timeline_ = std::make_unique<replay::Timeline>(std::make_unique<trace::TraceReader>(path, written));
  else timeline_->refresh(written);
  if (timeline_->end() != frontier_)
    throw std::logic_error(fmt::format("the recording reaches step {} but the run is at {}", timeline_->end(), frontier_));
  synced_to_ = frontier_;
  return *timeline_;
}

const std::vector<std::uint64_t>& LiveRun::restart_positions() { return timeline().restart_positions(); }

void LiveRun::seek(std::uint64_t target) {
  if (target == frontier_) {
    position_ = frontier_;
    return;
  }
  if (target < frontier_) {
    replay::Timeline& t = timeline();
    t.seek(target);
    position_ = t.position();
    return;
  }
  if (!finished()) {
    const std::uint64_t home = position_;
    position_ = frontier_;
    run_live(target, nullptr, false);
    if (position_ == target || !finished() || replay::interrupted()) return;
    seek(home);  // the run ended first: as on a recording, the move is refused
  }
  throw std::out_of_range(fmt::format("step {} is past the end of the run (the last is {})", target, frontier_));
}

bool LiveRun::run_forward(std::uint64_t limit, replay::StepVisitor* visitor) {
  bool skip_first = false;
  if (position_ < frontier_) {
    replay::Timeline& t = timeline();
    if (t.position() != position_) t.seek(position_);
    const bool stopped = t.run_forward(std::min(limit, frontier_), visitor);
    position_ = t.position();
    if (stopped || position_ >= limit || position_ < frontier_) return stopped;
    skip_first = true;  // the replay has shown the visitor the frontier
  }
  return run_live(limit, visitor, skip_first);
}

bool LiveRun::run_live(std::uint64_t limit, replay::StepVisitor* visitor, bool skip_first) {
  if (finished() || limit <= frontier_) {
    if (visitor && !skip_first) return visitor->visit(*vm_, frontier_);
    return false;
  }
  VisitHook hook(visitor, skip_first);
  const RunStatus status = recorder_->run(limit - frontier_, &hook);
  frontier_ = executed_steps(*vm_);
  position_ = frontier_;
  if (const std::string error = recorder_->write_error(); !error.empty()) throw trace::TraceWriteError(error);
  if (status == RunStatus::Halted || status == RunStatus::Failed) finish_recording();
  if (hook.stopped) return true;
  // The end of the run, or the limit: the visitor sees that position too.
  if (visitor && hook.visited_last != frontier_) return visitor->visit(*vm_, frontier_);
  return false;
}

}  // namespace pw::debugger
