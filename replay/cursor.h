// A cursor over a run: what the debugger's moves go over. A Timeline is one over a recorded
// run; a live debugging session's run, recorded as it goes, is another (it can go on past
// the end it has reached so far).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "program.h"
#include "vm.h"

namespace pw::replay {

// Called at positions of a forward run, in order, with the state there.
class StepVisitor {
 public:
  virtual ~StepVisitor() = default;
  // True: stop at this position.
  virtual bool visit(const VmState& vm, std::uint64_t position) = 0;
};

// Where a state is: its top frame's function, instruction and source line.
struct Location {
  std::uint64_t position = 0;
  std::uint32_t fn = 0;
  std::uint32_t ip = 0;
  std::uint32_t line = 0;
  std::uint32_t depth = 0;
  RunStatus status = RunStatus::Ready;
};
Location location_of(const VmState& vm, std::uint64_t position);

// Set (from a SIGINT handler) to stop a long move: runs that visit positions check it at
// every one and stop there. Whoever sets it clears it before the next move.
std::atomic<bool>& interrupt_flag();
inline bool interrupted() { return interrupt_flag().load(std::memory_order_relaxed); }

// Where long moves and queries have got to, for a progress display on another thread. A
// timeline publishes it at the end of every slice it re-executes (a chunk: a million steps
// at most) and a live run every few thousand steps, so no instruction pays for it.
struct ReplayProgress {
  std::atomic<std::uint64_t> position{0};  // the position last reached
  std::atomic<std::uint64_t> executed{0};  // instructions executed so far, by every cursor
};
ReplayProgress& replay_progress();

// "step 5 is before the recorded window, which starts at step 123456": what every tool
// says of a position before a cursor's start().
std::string before_window_message(std::uint64_t step, std::uint64_t start);

class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual const Program& program() const = 0;
  // The state at position(): valid until the next move.
  virtual const VmState& state() const = 0;
  virtual std::uint64_t position() const = 0;
  // The first position: 0, or where the history of a windowed recording begins (it kept
  // only the end of the run). Nothing before it can be reached.
  virtual std::uint64_t start() const { return 0; }
  // The last position reached: the end of the run once finished().
  virtual std::uint64_t end() const = 0;
  // False while the run can still go on past end() (a live run).
  virtual bool finished() const = 0;
  // Moves to [target]. Past end() only when not finished(): the run goes on to there (or
  // to its end, if that comes first). Throws std::out_of_range past the end of a finished
  // run.
  virtual void seek(std::uint64_t target) = 0;
  // Runs forward from position() to at most [limit], calling [visitor] at every position
  // from position() on (the current one included, so it can take a baseline) up to where
  // it stops: the visitor's stop, [limit], the end of the run, or an interrupt. Returns
  // whether it stopped early (the visitor's stop or an interrupt).
  virtual bool run_forward(std::uint64_t limit, StepVisitor* visitor) = 0;
  // Positions where backward searches start re-executing, ascending (the first is
  // start()); all at or before end().
  virtual const std::vector<std::uint64_t>& restart_positions() = 0;
  // Positions where the state was changed from outside the program (a debugger's
  // setVariable in a live session), ascending: a change of a value there was made by no
  // instruction.
  virtual std::vector<std::uint64_t> changed_positions() { return {}; }

  Location where() const { return location_of(state(), position()); }
  bool at_end() const { return finished() && position() >= end(); }
};

// Backward search: for each interval between restart positions that ends at or before
// [before], latest first, re-executes the interval calling a fresh visitor from [make] at
// every position in it (its start to its end, both included), and stops at the first
// interval where [latest] says a hit was found. The latest interval is first cut at a few
// thousand steps before [before] and that short window scanned alone: most backward moves
// land close by, and seeking there is cheap (the cursor keeps checkpoints near where it
// has been), where replaying a whole interval is not. Returns the latest hit position
// (< [before]) and moves there; when there is none, returns nullopt and goes back to where
// it was; on an interrupt, returns nullopt and stops where the search had got to: the
// earliest position from which everything up to [before] has been searched. [latest] is
// asked after each interval and must return the latest stop position the visitor recorded
// that is below [before].
template <class Visitor, class Latest>
std::optional<std::uint64_t> search_backward(Cursor& c, std::uint64_t before, Visitor make, Latest latest) {
  if (before <= c.start()) return std::nullopt;
  const std::uint64_t home = c.position();
  const std::vector<std::uint64_t> starts = c.restart_positions();
  std::size_t k = static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), before - 1) - starts.begin()) - 1;
  std::uint64_t interval_end = before;
  constexpr std::uint64_t kWindow = 4096;
  bool windowed = false;
  for (;;) {
    std::uint64_t start = starts[k];
    if (!windowed && interval_end - start > 2 * kWindow) {
      start = interval_end - kWindow;
      windowed = true;
    }
    auto visitor = make();
    c.seek(start);
    c.run_forward(interval_end, &visitor);
    if (interrupted()) {
      c.seek(interval_end);
      return std::nullopt;
    }
    if (std::optional<std::uint64_t> hit = latest(visitor); hit && *hit < before) {
      c.seek(*hit);
      return hit;
    }
    if (start == starts[k]) {
      if (k == 0) break;
      --k;
    }
    interval_end = start;
  }
  c.seek(home);
  return std::nullopt;
}

}  // namespace pw::replay
