// The handlers behind StopSignals.
#include "stop_signals.h"

#include <signal.h>

#include <cstring>

namespace pwvm {
namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM};
static_assert(std::atomic<int>::is_always_lock_free, "the flag is set in a signal handler");
std::atomic<int> caught_signal{0};
struct sigaction previous[2];

extern "C" void on_stop_signal(int sig) {
  int none = 0;
  if (caught_signal.compare_exchange_strong(none, sig)) return;
  // Asked twice: stop now. The trace then ends at its last complete frame.
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, nullptr);
  raise(sig);  // delivered as the handler returns
}

}  // namespace

StopSignals::StopSignals() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART
  for (int i = 0; i < 2; ++i) sigaction(kStopSignals[i], &sa, &previous[i]);
  installed_ = true;
}

StopSignals::~StopSignals() { restore(true); }

const std::atomic<int>& StopSignals::caught() { return caught_signal; }

void StopSignals::restore(bool acted_on) {
  if (!installed_) return;
  installed_ = false;
  for (int i = 0; i < 2; ++i) sigaction(kStopSignals[i], &previous[i], nullptr);
  if (const int sig = caught_signal.load(); sig && !acted_on) raise(sig);
}

}  // namespace pwvm
