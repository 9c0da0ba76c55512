// Recording a run: drives the interpreter with a recording observer and writes the trace.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vm.h"

namespace pw::trace {

struct RecordOptions {
  std::string path;
  // Steps between snapshots; seeking replays at most this many steps from the nearest
  // one. A snapshot costs in proportion to the live heap, so snapshots of a big heap are
  // spaced further: at least steps_per_live_object steps per live object apart. Both rules
  // are deterministic. See docs/TRACE_FORMAT.md for how the defaults were chosen.
  std::uint64_t snapshot_interval = 5'000'000;
  std::uint64_t steps_per_live_object = 64;
  // Steps per event chunk: what a killed recorder can lose at most, and the read granule.
  std::uint64_t chunk_steps = 1'000'000;
  // Stop recording (and the run) after this many steps.
  std::optional<std::uint64_t> stop_at;
  std::string recorder_name = "pwvm";
  std::vector<std::string> args;  // recorded in the header (host args returns them)
  int compression_level = 1;  // zstd: level 1 keeps the writer thread ahead of the VM
};

struct RecordResult {
  RunStatus status = RunStatus::Ready;  // as the run ended (Paused: stopped at stop_at)
  std::uint64_t steps = 0;
  std::uint64_t chunks = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t events = 0;
  std::uint64_t file_bytes = 0;
  std::uint64_t uncompressed_bytes = 0;
  std::string write_error;  // non-empty: the trace could not be written and the run was stopped
};

// Runs [vm] (freshly built, not yet run) to its end while recording it to options.path.
// The run behaves exactly as an unrecorded one. Throws TraceWriteError if the file cannot
// be created; a write error later stops the run and is reported in write_error.
RecordResult record_run(VmState& vm, const RecordOptions& options);

}  // namespace pw::trace
