// Child processes run a few at a time, each under a time limit, none outliving the pool:
// what `pwvm test` runs its programs with. A child is a process of its own so that a crash,
// a hang or a runaway allocation ends that one test and nothing else.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace pwvm {

struct ChildJob {
  std::string executable;         // the file executed
  std::vector<std::string> argv;  // what it gets, its name first
  std::string stdin_path;         // a file, or /dev/null
  std::string stdout_path;        // created or truncated
  std::string stderr_path;
};

struct ChildOutcome {
  int exit_code = -1;        // when the child exited
  int signal = 0;            // when a signal ended it
  bool timed_out = false;    // the pool stopped it at its time limit
  bool interrupted = false;  // the pool stopped it on SIGINT, SIGTERM or SIGHUP
  std::string start_error;   // non-empty: it could not be started
  double seconds = 0;        // wall time from start to end
};

// Seconds between asking a child to stop (SIGTERM, on which a recording pwvm finishes its
// trace) and killing it (SIGKILL).
inline constexpr double kStopGraceSeconds = 10;

// Runs [jobs] in order, at most [parallel] at once, each stopped after [timeout_seconds],
// and calls [done] with a job's index and outcome as each ends. SIGINT, SIGTERM and SIGHUP
// stop every child and start no more; a second one kills them. Children are started from
// the calling thread only (so that each dies with this process: PR_SET_PDEATHSIG follows
// the thread that forked). Returns the signal that interrupted the pool, or 0: jobs it left
// unstarted are not reported.
int run_children(const std::vector<ChildJob>& jobs, unsigned parallel, double timeout_seconds,
                 const std::function<void(std::size_t, const ChildOutcome&)>& done);

}  // namespace pwvm
