// Running child processes with fork and exec, waiting for them with sigtimedwait: the stop
// signals and SIGCHLD stay blocked while the pool runs and are taken one at a time in its
// loop, so no handler runs at an awkward moment and none is left behind.
#include "child_pool.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

namespace pwvm {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

struct Running {
  std::size_t index = 0;
  Clock::time_point start;
  Clock::time_point deadline;  // when the next signal is due: SIGTERM, then SIGKILL
  bool terminated = false;     // SIGTERM sent
  bool killed = false;         // SIGKILL sent
  bool timed_out = false;
  bool interrupted = false;
};

Clock::duration seconds(double s) {
  // Far beyond any real limit, and within what the clock can add without overflowing.
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::min(s, 1e8)));
}

// [fd] as the child's descriptor [target], inherited across exec.
void install(int fd, int target) {
  if (fd == target)
    ::fcntl(fd, F_SETFD, 0);
  else
    ::dup2(fd, target);
}

// Forks and execs [job]; the child gets the signal mask [child_mask]. Returns the child's
// pid, or -1 with the reason in [error].
pid_t start_child(const ChildJob& job, const sigset_t& child_mask, pid_t parent, std::string& error) {
  const std::string* paths[] = {&job.stdin_path, &job.stdout_path, &job.stderr_path};
  int fds[] = {-1, -1, -1};
  const auto close_all = [&] {
    for (const int fd : fds)
      if (fd >= 0) ::close(fd);
  };
  for (int i = 0; i < 3; ++i) {
    fds[i] = i == 0 ? ::open(paths[i]->c_str(), O_RDONLY | O_CLOEXEC)
                    : ::open(paths[i]->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fds[i] < 0) {
      error = fmt::format("cannot open {}: {}", *paths[i], std::strerror(errno));
      close_all();
      return -1;
    }
  }
  // Built before the fork: the child calls nothing that allocates.
  std::vector<char*> argv;
  for (const std::string& a : job.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // A process group of its own: Ctrl-C on a terminal reaches the pool, which stops each
    // child once (a second signal would make a recording pwvm stop without finishing).
    ::setpgid(0, 0);
    // Should the pool die without stopping it, the child is asked to stop all the same.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    for (int i = 0; i < 3; ++i) install(fds[i], i);
    ::sigprocmask(SIG_SETMASK, &child_mask, nullptr);
    ::execv(job.executable.c_str(), argv.data());
    static constexpr char kMessage[] = "pwvm: error: cannot start the program's run: exec failed\n";
    [[maybe_unused]] const auto ignored = ::write(2, kMessage, sizeof kMessage - 1);
    ::_exit(127);
  }
  const int fork_errno = errno;
  close_all();
  if (pid < 0) error = fmt::format("cannot start a process: {}", std::strerror(fork_errno));
  return pid;
}

// The pool's state, and on leaving (an exception from [done] included) no child left
// running and the signal mask as it was.
class Pool {
 public:
  explicit Pool(const sigset_t& waited) { ::sigprocmask(SIG_BLOCK, &waited, &previous_mask_); }
  ~Pool() {
    for (const auto& [pid, r] : running_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    ::sigprocmask(SIG_SETMASK, &previous_mask_, nullptr);
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  const sigset_t& previous_mask() const { return previous_mask_; }
  std::map<pid_t, Running>& running() { return running_; }

 private:
  sigset_t previous_mask_;
  std::map<pid_t, Running> running_;
};

void signal_child(pid_t pid, Running& r, Clock::time_point now) {
  if (!r.terminated) {
    ::kill(pid, SIGTERM);
    r.terminated = true;
    r.deadline = now + seconds(kStopGraceSeconds);
  } else if (!r.killed) {
    ::kill(pid, SIGKILL);
    r.killed = true;
    r.deadline = Clock::time_point::max();
  }
}

}  // namespace

int run_children(const std::vector<ChildJob>& jobs, unsigned parallel, double timeout_seconds,
                 const std::function<void(std::size_t, const ChildOutcome&)>& done) {
  sigset_t waited;
  sigemptyset(&waited);
  for (const int sig : kStopSignals) sigaddset(&waited, sig);
  sigaddset(&waited, SIGCHLD);
  Pool pool(waited);
  auto& running = pool.running();
  const pid_t self = ::getpid();
  int stop_signal = 0;
  std::size_t next = 0;
  for (;;) {
    while (stop_signal == 0 && running.size() < std::max(parallel, 1u) && next < jobs.size()) {
      std::string error;
      const Clock::time_point start = Clock::now();
      const pid_t pid = start_child(jobs[next], pool.previous_mask(), self, error);
      if (pid < 0) {
        ChildOutcome o;
        o.start_error = error;
        done(next, o);
      } else {
        Running r;
        r.index = next;
        r.start = start;
        r.deadline = start + seconds(timeout_seconds);
        running.emplace(pid, r);
      }
      ++next;
    }
    if (running.empty()) break;

    // Wait for a child to end, a stop signal or the nearest deadline. The reaping below takes
    // every child that has ended, however many SIGCHLDs were merged into one; the second's
    // cap is only a safeguard.
    Clock::time_point nearest = Clock::now() + std::chrono::seconds(1);
    for (const auto& [pid, r] : running) nearest = std::min(nearest, r.deadline);
    const auto wait = std::max(Clock::duration::zero(), nearest - Clock::now());
    const auto wait_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
    timespec ts{static_cast<time_t>(wait_ns / 1'000'000'000), static_cast<long>(wait_ns % 1'000'000'000)};
    const int sig = ::sigtimedwait(&waited, nullptr, &ts);
    if (sig > 0 && sig != SIGCHLD) {
      // The first stop signal asks every child to stop; a second one kills them.
      const bool first = stop_signal == 0;
      if (first) stop_signal = sig;
      const Clock::time_point now = Clock::now();
      for (auto& [pid, r] : running) {
        if (!r.timed_out) r.interrupted = true;
        // A child already asked to stop (at its time limit) keeps its grace the first time.
        if (!first) r.terminated = true;  // straight to SIGKILL
        if (!first || !r.terminated) signal_child(pid, r, now);
      }
    }

    int status = 0;
    for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
      const auto it = running.find(pid);
      if (it == running.end()) continue;
      const Running r = it->second;
      running.erase(it);
      ChildOutcome o;
      if (WIFEXITED(status))
        o.exit_code = WEXITSTATUS(status);
      else if (WIFSIGNALED(status))
        o.signal = WTERMSIG(status);
      o.timed_out = r.timed_out;
      o.interrupted = r.interrupted;
      o.seconds = std::chrono::duration<double>(Clock::now() - r.start).count();
      done(r.index, o);
    }

    const Clock::time_point now = Clock::now();
    for (auto& [pid, r] : running) {
      if (now < r.deadline) continue;
      if (!r.terminated) r.timed_out = true;
      signal_child(pid, r, now);
    }
  }
  // A stop signal that came after the last wait is still the run's: taken here, it is not
  // delivered (and fatal) when the mask is restored.
  const timespec zero{0, 0};
  for (int sig; (sig = ::sigtimedwait(&waited, nullptr, &zero)) > 0;)
    if (sig != SIGCHLD && stop_signal == 0) stop_signal = sig;
  return stop_signal;
}

}  // namespace pwvm
