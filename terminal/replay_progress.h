// Progress lines for replays: readings of what the cursors publish (replay_progress() in
// replay/cursor.h), one kind per shape of operation.
#pragma once
#include <cstdint>

#include "cursor.h"
#include "progress_line.h"

namespace pw::term {

// One cursor moving forward from [from] to [to] (verify, watch, calls, a seek, continue).
// [to] below [from]: the end is not known (a live run), and no percentage is shown.
ProgressLine::Reader forward_progress(std::uint64_t from, std::uint64_t to);
// [total] instructions to re-execute, by any number of timelines at once (perf's segments).
ProgressLine::Reader replayed_progress(std::uint64_t total);
// A backward search from [home] towards [first] (step 0, or a windowed trace's start)
// (last-write, reverse-continue): the share of the way back already searched.
ProgressLine::Reader backward_progress(std::uint64_t home, std::uint64_t first = 0);
// A debugger's move from where [cursor] is, [backward] or forward (to the end of a recorded
// run; a live run's end is not known yet).
ProgressLine::Reader move_progress(const replay::Cursor& cursor, bool backward);

}  // namespace pw::term
