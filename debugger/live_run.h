// A live run under the debugger, recorded as it goes so that it can be moved backwards too.
// Forward moves past the furthest point reached (the frontier) run the real VM, with the
// real host: input, output, clock and random numbers happen as they would without the
// debugger. Everything before the frontier is replayed from the recording, which is kept
// in memory or written to a file that outlives the session.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cursor.h"
#include "host.h"
#include "recorder.h"
#include "timeline.h"
#include "vm.h"

namespace pw::debugger {

class LiveRun : public replay::Cursor {
 public:
  // Starts [program] at step 0, recording to options.path, or to an in-memory file when it
  // is empty. Throws trace::TraceWriteError when the recording cannot be created.
  LiveRun(std::shared_ptr<const Program> program, VmConfig config, std::unique_ptr<Host> host,
          trace::RecordOptions options);
  // Ends the recording where the run is.
  ~LiveRun() override;

  const Program& program() const override { return vm_->program(); }
  const VmState& state() const override;
  std::uint64_t position() const override { return position_; }
  std::uint64_t end() const override { return frontier_; }
  bool finished() const override { return recorder_->finished(); }
  void seek(std::uint64_t target) override;
  bool run_forward(std::uint64_t limit, replay::StepVisitor* visitor) override;
  const std::vector<std::uint64_t>& restart_positions() override;
  std::vector<std::uint64_t> changed_positions() override { return timeline().changed_positions(); }

  // Ends the recording where the run is (the run stops there). Returns what was written.
  trace::RecordResult finish_recording();
  // Changes the state at the frontier from outside the program (a debugger writing a
  // variable): [change] writes into the live VM, and the recording keeps the changed state
  // as the point every later replay goes on from. Throws std::logic_error away from the
  // frontier or after the end of the run.
  void change_state(const std::function<void(VmState&)>& change);

 private:
  bool at_frontier() const { return position_ == frontier_; }
  // The replay of the recording, brought up to the frontier.
  replay::Timeline& timeline();
  // Runs the live VM from the frontier to at most [limit]; [skip_first]: the visitor has
  // already seen the frontier.
  bool run_live(std::uint64_t limit, replay::StepVisitor* visitor, bool skip_first);

  std::unique_ptr<Host> host_;
  std::unique_ptr<VmState> vm_;
  int memory_fd_ = -1;
  std::string record_path_;
  std::unique_ptr<trace::Recorder> recorder_;
  std::unique_ptr<replay::Timeline> timeline_;
  std::uint64_t synced_to_ = UINT64_MAX;  // the frontier when the timeline was last brought up to it
  std::uint64_t frontier_ = 0;
  std::uint64_t position_ = 0;
  trace::RecordResult result_;
};

}  // namespace pw::debugger
