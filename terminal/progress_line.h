// A progress line on stderr for long operations:
//   verifying [########............]  42%  step 4200000  310.2 M steps/s
// redrawn in place and erased when the operation ends. It is drawn only when stderr is a
// terminal, progress is not turned off (--quiet), and the operation is still going after
// a quarter of a second, so short ones print nothing. A thread of its own reads where the
// operation is and draws; the operation itself only publishes its position (for replays:
// replay_progress in replay/cursor.h), so it pays nothing per instruction.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace pw::term {

struct ProgressReading {
  std::uint64_t step = 0;  // the position shown
  double fraction = -1;    // of the whole operation, 0..1; negative when not known
  std::uint64_t work = 0;  // a count that only grows (instructions executed), for the rate
};

class ProgressLine {
 public:
  using Reader = std::function<ProgressReading()>;
  // Starts showing [label] and what [read] says (called on the drawing thread) once a
  // quarter of a second has passed, when progress may be shown at all.
  ProgressLine(std::string label, Reader read);
  // Stops, and erases the line if it was drawn.
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Erases the line before the operation writes to stdout, when that is a terminal too (the
  // output would land on the line); it comes back after a quarter of a second without output.
  void hide();

  // Turns progress lines off for the rest of the process (--quiet).
  static void disable();
  // Whether one would be drawn now: stderr is a terminal and they are not turned off.
  static bool enabled();

 private:
  void draw_loop();
  void erase();  // with mutex_ held

  std::string label_;
  Reader read_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  bool drawn_ = false;
  bool output_on_terminal_ = false;  // stdout is a terminal as well
  std::chrono::steady_clock::time_point quiet_until_;
  std::chrono::steady_clock::time_point started_;
  std::uint64_t work_at_start_ = 0;
  std::thread thread_;
};

}  // namespace pw::term
