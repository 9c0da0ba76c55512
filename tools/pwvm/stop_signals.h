// SIGINT and SIGTERM while pwvm records: instead of killing it, they ask the recorder to end
// the run between two slices and finish the trace. A second one kills as usual.
#pragma once
#include <atomic>

namespace pwvm {

class StopSignals {
 public:
  // Catches SIGINT and SIGTERM, without SA_RESTART: a read waiting for input returns.
  StopSignals();
  // Puts the previous handlers back (if restore() has not), raising nothing.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The number of the first signal caught, 0 before one is: what RecordOptions::stop_signal
  // and SystemHost::interrupt_reads_on watch.
  static const std::atomic<int>& caught();
  // Puts the previous handlers back. A signal caught but not acted on ([acted_on] false: it
  // came after the run had ended) is raised again, to do what it would have done.
  void restore(bool acted_on);

 private:
  bool installed_ = false;
};

}  // namespace pwvm
