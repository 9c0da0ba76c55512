// debug_bench: how long the debugger's backward moves take at the prompt on a long run, in
// both back ends. Recorded: a timeline over TRACE. Live: PROGRAM run to its end under the
// debugger (recorded in memory as it goes), then moved back. From random positions it
// times reverse-step, reverse-next and reverse-stepi, each with a monotonic clock, the way
// a person issues them: arrive at a position (not timed), then step back. Prints one JSON
// object (bench/debugger.sh turns it into a table).
//
// Usage: debug_bench TRACE PROGRAM [POSITIONS] [SEED]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assembler.h"
#include "host.h"
#include "live_run.h"
#include "motion.h"
#include "timeline.h"
#include "timing.h"

namespace {

using pwbench::Clock;
using pwbench::ms_since;
using pwbench::summary;

// Times the backward moves from [positions] random positions of [c].
nlohmann::json time_moves(pw::replay::Cursor& c, int positions, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::uint64_t> any(1, c.end());
  const std::vector<std::pair<const char*, std::function<pw::replay::Stop(pw::replay::Cursor&)>>> moves = {
      {"reverse_step", pw::replay::reverse_step_line},
      {"reverse_next", pw::replay::reverse_next_line},
      {"reverse_stepi", [](pw::replay::Cursor& t) { return pw::replay::step_backward(t, 1); }},
  };
  nlohmann::json out;
  for (const auto& [name, move] : moves) {
    std::vector<double> ms;
    for (int i = 0; i < positions; ++i) {
      pw::replay::go_to(c, any(rng));
      const auto start = Clock::now();
      move(c);
      ms.push_back(ms_since(start));
    }
    out[name] = summary(ms);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: debug_bench TRACE PROGRAM [POSITIONS] [SEED]\n");
    return 2;
  }
  const int positions = argc > 3 ? std::stoi(argv[3]) : 100;
  std::mt19937_64 rng(argc > 4 ? std::stoull(argv[4]) : 1);
  try {
    nlohmann::json report;
    {
      pw::replay::Timeline t(argv[1]);
      report["steps"] = t.end();
      // pwreplay debug --at end: the end, prepared for stepping back while the banner shows.
      auto start = Clock::now();
      t.seek(t.end());
      pw::replay::prepare_to_step_back(t);
      report["recorded_open_at_end_ms"] = ms_since(start);
      start = Clock::now();
      pw::replay::reverse_step_line(t);
      report["recorded_first_reverse_step_ms"] = ms_since(start);
      report["recorded"] = time_moves(t, positions, rng);
    }
    {
      // The program prints as it runs live: keep that out of the report on stdout.
      std::fflush(stdout);
      const int saved_stdout = ::dup(STDOUT_FILENO);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDOUT_FILENO);
      ::close(null);
      auto program = pw::load_program(argv[2]);
      pw::VmConfig config = pw::VmConfig::from_environment();
      pw::trace::RecordOptions o;  // in memory, the default cadence
      pw::debugger::LiveRun live(program, config, std::make_unique<pw::SystemHost>(std::vector<std::string>{}, 1), o);
      pw::replay::StopConditions none;
      auto start = Clock::now();
      pw::replay::continue_forward(live, none);  // what `continue` does with no breakpoint
      report["live_run_s"] = ms_since(start) / 1000;
      start = Clock::now();
      pw::replay::prepare_to_step_back(live);  // what the session does at the end of the run
      report["live_prepare_ms"] = ms_since(start);
      // The first backward move after running live reads the new part of the recording.
      start = Clock::now();
      pw::replay::reverse_step_line(live);
      report["live_first_reverse_step_ms"] = ms_since(start);
      report["live"] = time_moves(live, positions, rng);
      std::fflush(stdout);
      ::dup2(saved_stdout, STDOUT_FILENO);
      ::close(saved_stdout);
    }
    std::printf("%s\n", report.dump(2).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "debug_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
