// pwvm run: run a program, optionally recording it or stopping at a step to dump the canonical state.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "cli_support.h"
#include "commands.h"
#include "interpreter.h"
#include "performance_monitor.h"
#include "colour.h"
#include "printable.h"
#include "recorder.h"
#include "state_dump.h"
#include "stop_signals.h"
#include "trace_writer.h"
#include "vm.h"
#include "vm_options.h"

namespace pwvm {
namespace {

struct RunOptions {
  VmOptions vm;
  bool stats = false;
  bool profile = false;
  std::uint64_t sample_interval = 1'000'000;
  std::optional<std::uint64_t> stop_at;
  std::string dump_state;
  std::string record;             // --record FILE
  std::string record_on_failure;  // --record-on-failure FILE
  std::optional<std::uint64_t> record_last;  // --record-last N: keep only the run's last N steps
  std::optional<std::uint64_t> snapshot_interval;
};

bool write_dump(const std::string& where, const std::string& text) {
  if (where == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0;
  }
  std::ofstream out(where, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    report(fmt::format("cannot write the state dump to {}", where));
    return false;
  }
  return true;
}

void print_stats(const pw::VmState& vm, double seconds) {
  const pw::GcStats& s = vm.heap.stats();
  std::string result = vm.status == pw::RunStatus::Halted   ? pw::printable(pw::display_brief(vm, vm.result))
                       : vm.status == pw::RunStatus::Failed ? std::string(pw::error_kind_name(vm.error->kind))
                                                            : "(stopped)";
  // The end step: a failing instruction counts, as the error report and the replay count it.
  const std::uint64_t steps = pw::executed_steps(vm);
  std::string out;
  out += fmt::format("result:            {}\n", result);
  out += fmt::format("steps:             {}\n", steps);
  out += fmt::format("run time:          {:.3f} s ({:.1f} M steps/s)\n", seconds,
                     seconds > 0 ? steps / seconds / 1e6 : 0.0);
  out += fmt::format("gc collections:    {}\n", s.collections);
  out += fmt::format("gc allocated:      {} objects, {} bytes\n", s.objects_allocated, s.bytes_allocated);
  out += fmt::format("gc freed:          {} objects, {} bytes\n", s.objects_freed, s.bytes_freed);
  out += fmt::format("gc live:           {} objects, {} bytes (peak {} bytes)\n", s.live_objects, s.live_bytes,
                     s.peak_live_bytes);
  out += fmt::format("gc pause:          {:.3f} ms total, {:.3f} ms max\n", s.total_pause_ns / 1e6,
                     s.max_pause_ns / 1e6);
  std::fputs(out.c_str(), stderr);
}

int run_program(const RunOptions& o) {
  if (o.record_last && o.record.empty() && o.record_on_failure.empty()) {
    report("--record-last needs --record FILE or --record-on-failure FILE: the trace that keeps the last steps");
    return kExitBadInput;
  }
  auto program = load_or_report(o.vm.program);
  if (!program) return kExitBadInput;

  const auto config = vm_config(o.vm);
  if (!config) return kExitBadInput;

  // With the dump on stdout, the program's output goes to stderr: stdout holds one JSON document.
  pw::SystemHost host(o.vm.args, o.vm.seed, o.dump_state == "-" ? stderr : stdout);
  host.limit_lines_to(config->limits.max_heap);  // no line the heap could not hold
  std::unique_ptr<pw::VmState> vm;
  try {
    vm = std::make_unique<pw::VmState>(program, *config, &host);
  } catch (const std::bad_alloc&) {
    report("not enough memory for the requested --max-stack / --max-depth");
    return kExitBadInput;
  }
  const std::string trace_path = !o.record.empty() ? o.record : o.record_on_failure;
  pw::trace::RecordResult recorded;
  bool trace_kept = false;
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<pw::PerformanceMonitor> monitor;
  if (o.profile) {
    // The monitor is an observer of its own: the plain path below never pays for it.
    monitor = std::make_unique<pw::PerformanceMonitor>(*vm, o.sample_interval);
    monitor->run(o.stop_at ? *o.stop_at : pw::kRunForever);
  } else if (trace_path.empty()) {
    pw::run(*vm, o.stop_at ? *o.stop_at : pw::kRunForever);
  } else {
    pw::trace::RecordOptions ro;
    ro.path = trace_path;
    if (o.snapshot_interval) {
      // An explicit interval is taken exactly; the heap-size spacing is for the default.
      ro.snapshot_interval = *o.snapshot_interval;
      ro.steps_per_live_object = 0;
    }
    ro.history_limit = o.record_last.value_or(0);
    ro.stop_at = o.stop_at;
    ro.recorder_name = "pwvm 0.1.0";
    ro.args = o.vm.args;
    // A signal ends the recorded run where it is, with a finished trace, instead of killing it.
    StopSignals signals;
    ro.stop_signal = &StopSignals::caught();
    host.interrupt_reads_on(&StopSignals::caught());
    try {
      pw::trace::Recorder recorder(*vm, ro);
      recorder.run(pw::kRunForever);
      // --record-on-failure keeps the trace of a run that failed, was interrupted or could
      // not be recorded to its end. The file goes while the recorder still holds it.
      bool write_failed = !recorder.write_error().empty();
      const bool run_failed = vm->status == pw::RunStatus::Failed || recorder.stopped_by_signal();
      if (!o.record_on_failure.empty() && !run_failed && !write_failed) {
        // Frames still queued for the writer thread may yet fail: wait for them first.
        try {
          recorder.sync();
        } catch (const pw::trace::TraceWriteError&) {
          write_failed = true;
        }
      }
      trace_kept = o.record_on_failure.empty() || run_failed || write_failed;
      if (trace_kept) recorded = recorder.finish();
      else recorder.discard();
    } catch (const pw::trace::TraceWriteError& e) {
      report(e.what());
      return kExitTraceError;
    }
    signals.restore(/*acted_on=*/recorded.signal != 0);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fflush(stdout);
  if (!recorded.write_error.empty()) {
    report(recorded.write_error);
    return kExitTraceError;
  }

  int code = kExitOk;
  if (vm->status == pw::RunStatus::Failed) {
    std::string report = vm->error->format();
    // Its first line says what went wrong: in the error colour on a terminal.
    const std::size_t first_line = report.find('\n');
    report.replace(0, first_line, pw::term::paint(stderr, pw::term::Style::Error, report.substr(0, first_line)));
    std::fwrite(report.data(), 1, report.size(), stderr);
    code = kExitVmError;
  }
  if (recorded.signal) {
    std::fputs(fmt::format("pwvm: interrupted by signal {} ({}) at step {}; the trace {} is complete up to there\n",
                           recorded.signal, strsignal(recorded.signal), vm->step, trace_path)
                   .c_str(),
               stderr);
    code = 128 + recorded.signal;  // as a shell reports a process the signal ended
  }
  if (o.stats) {
    print_stats(*vm, seconds);
    if (trace_kept && o.record_last)
      std::fputs(fmt::format("trace:             {}: {} bytes, the run's last {} steps or more (of {} recorded chunks "
                             "and {} snapshots, the rest let go)\n",
                             trace_path, recorded.file_bytes, *o.record_last, recorded.chunks, recorded.snapshots)
                     .c_str(),
                 stderr);
    else if (trace_kept)
      std::fputs(fmt::format("trace:             {}: {} bytes, chunks {}, snapshots {}, events {}, {:.4f} bytes/step\n",
                             trace_path, recorded.file_bytes, recorded.chunks, recorded.snapshots, recorded.events,
                             recorded.steps ? double(recorded.file_bytes) / double(recorded.steps) : 0.0)
                     .c_str(),
                 stderr);
  }
  if (monitor) {
    const std::string report = pw::format_analysis(monitor->analyze(), monitor->timers(), o.sample_interval);
    std::fputs(report.c_str(), stderr);
  }
  if (!o.dump_state.empty() && !write_dump(o.dump_state, pw::dump_state(*vm))) return kExitBadInput;
  return code;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Run a program");
  add_vm_options(cmd, o->vm);
  cmd->add_flag("--stats", o->stats, "Print the result, steps, run time and GC statistics on stderr");
  auto* profile = cmd->add_flag("--profile", o->profile,
                                "Monitor the run and print its analysis on stderr: instructions/s, heap growth, GC "
                                "efficiency, counters and their trends, instructions by kind");
  cmd->add_option("--sample-interval", o->sample_interval, "With --profile: take a sample every N steps")
      ->capture_default_str()
      ->check(positive_integer())
      ->needs(profile);
  cmd->add_option("--stop-at", o->stop_at, "Stop after this many steps (or at the end, if sooner)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return text.empty() || text.find_first_not_of("0123456789") != std::string::npos
                       ? "'" + text + "' is not a step number"
                       : std::string();
          },
          "STEP"));
  cmd->add_option("--dump-state", o->dump_state,
                  "Write the final (or --stop-at) state as canonical JSON; - for stdout (the program's output then "
                  "goes to stderr)");
  auto* record = cmd->add_option("--record", o->record, "Record the run to this trace file (.pwtrace)");
  auto* on_failure = cmd->add_option("--record-on-failure", o->record_on_failure,
                                     "Record the run, but keep the trace only if it ends in a runtime error");
  record->excludes(on_failure);
  auto* record_last = cmd->add_option("--record-last", o->record_last,
                                      "With --record or --record-on-failure: keep only the run's last N steps (or a few "
                                      "more) in the trace, however long the run; a snapshot comes at least every N/2 steps")
                          ->check(positive_integer())
                          ->type_name("N");
  profile->excludes(record)->excludes(on_failure)->excludes(record_last);
  cmd->add_option("--snapshot-interval", o->snapshot_interval,
                  "Take a snapshot exactly every N steps (default: every 5000000 steps, further apart for big heaps)")
      ->check(positive_integer());
  cmd->add_option("args", o->vm.args, "Program arguments (after --), read with host args");
  cmd->callback([o, &exit_code] { exit_code = run_program(*o); });
}

}  // namespace pwvm
