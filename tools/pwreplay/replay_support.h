// What the commands that re-execute a trace share: parsing a step argument ("end" or a
// number) and turning the replay's exceptions into one line on stderr and an exit code.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "queries.h"
#include "timeline.h"

namespace pwreplay {

inline constexpr int kExitDiverged = 1;  // the replay did not match the recording

// "start" (the first step the trace holds: 0, unless it keeps only a window of the run),
// "end", or a step number; nullopt (after reporting) when it is none of these or a step
// before the trace's start.
std::optional<std::uint64_t> parse_step(const std::string& text, const pw::replay::Timeline& timeline,
                                        const std::string& flag);

// --from and --to ("start", "end" or numbers) as a range of steps within the run; nullopt
// (after reporting) when either is bad or the range is not within start..end.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_range(const std::string& from, const std::string& to,
                                                                   const pw::replay::Timeline& timeline);

// Opens [trace] as a timeline and runs [body] on it; returns body's exit code, or reports
// what went wrong: a damaged or foreign trace (exit 2), a divergence (exit 1), a step past
// the end or a bad expression (exit 2).
int with_timeline(const std::string& trace, const std::function<int(pw::replay::Timeline&)>& body);

// "Recorded run of prog.pwa: 10850 steps, failed: TypeError: ...": what a debugging session
// over [timeline] says first (pwreplay debug, and the debug console of pwreplay dap).
std::string recorded_run_banner(const pw::replay::Timeline& timeline);

// A change as one text line ("step 120: nil -> 5   by set_global total at main+4
// (prog.pwa:12)") and as JSON.
std::string change_text(const pw::Program& program, const pw::replay::ChangeReport& r);
nlohmann::json change_json(const pw::Program& program, const pw::replay::ChangeReport& r);

}  // namespace pwreplay
