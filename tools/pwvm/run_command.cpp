// pwvm run: run a program, optionally stopping at a step to dump the canonical state.
#include <chrono>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "cli_support.h"
#include "commands.h"
#include "interpreter.h"
#include "recorder.h"
#include "trace_writer.h"
#include "state_dump.h"
#include "vm.h"

namespace pwvm {
namespace {

struct RunOptions {
  std::string program;
  std::string allow;
  std::uint64_t max_steps = pw::Limits{}.max_steps;
  std::uint32_t max_stack = pw::Limits{}.max_stack;
  std::uint32_t max_depth = pw::Limits{}.max_depth;
  std::string max_heap = "1G";
  std::string max_output = "256M";
  std::string gc_threshold = "1M";
  bool gc_stress = false;
  bool no_gc = false;
  std::optional<std::uint64_t> seed;
  bool stats = false;
  std::optional<std::uint64_t> stop_at;
  std::string dump_state;
  std::vector<std::string> args;
  std::string record;             // --record FILE
  std::string record_on_failure;  // --record-on-failure FILE
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
  std::string result = vm.status == pw::RunStatus::Halted   ? pw::display(vm, vm.result)
                       : vm.status == pw::RunStatus::Failed ? std::string(pw::error_kind_name(vm.error->kind))
                                                            : "(stopped)";
  std::string out;
  out += fmt::format("result:            {}\n", result);
  out += fmt::format("steps:             {}\n", vm.step);
  out += fmt::format("run time:          {:.3f} s ({:.1f} M steps/s)\n", seconds,
                     seconds > 0 ? vm.step / seconds / 1e6 : 0.0);
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
  auto program = load_or_report(o.program);
  if (!program) return kExitBadInput;

  pw::VmConfig config = pw::VmConfig::from_environment();
  std::string bad;
  const auto caps = pw::parse_capabilities(o.allow, &bad);
  if (!caps) {
    report(fmt::format("--allow: unknown capability '{}' (expected io, clock, random or all)", bad));
    return kExitBadInput;
  }
  config.capabilities = *caps;
  if (o.max_stack > (1u << 28) || o.max_depth > (1u << 24)) {
    report("--max-stack may be at most 268435456 slots and --max-depth at most 16777216 frames");
    return kExitBadInput;
  }
  const auto max_output = parse_size(o.max_output);
  if (!max_output) {
    report(fmt::format("--max-output: '{}' is not a size (e.g. 64K, 256M)", o.max_output));
    return kExitBadInput;
  }
  config.limits.max_output = *max_output;
  const auto max_heap = parse_size(o.max_heap);
  const auto threshold = parse_size(o.gc_threshold);
  if (!max_heap || *max_heap == 0) {
    report(fmt::format("--max-heap: '{}' is not a size (e.g. 1048576, 64M, 1G)", o.max_heap));
    return kExitBadInput;
  }
  if (!threshold) {
    report(fmt::format("--gc-threshold: '{}' is not a size (e.g. 1M)", o.gc_threshold));
    return kExitBadInput;
  }
  config.limits.max_steps = o.max_steps;
  config.limits.max_stack = o.max_stack;
  config.limits.max_depth = o.max_depth;
  config.limits.max_heap = *max_heap;
  config.gc.min_threshold = *threshold;
  if (o.gc_stress) config.gc.stress = true;
  if (o.no_gc) config.gc.enabled = false;

  pw::SystemHost host(o.args, o.seed);
  std::unique_ptr<pw::VmState> vm;
  try {
    vm = std::make_unique<pw::VmState>(program, config, &host);
  } catch (const std::bad_alloc&) {
    report("not enough memory for the requested --max-stack / --max-depth");
    return kExitBadInput;
  }
  const std::string trace_path = !o.record.empty() ? o.record : o.record_on_failure;
  pw::trace::RecordResult recorded;
  const auto start = std::chrono::steady_clock::now();
  if (trace_path.empty()) {
    pw::run(*vm, o.stop_at ? *o.stop_at : pw::kRunForever);
  } else {
    pw::trace::RecordOptions ro;
    ro.path = trace_path;
    if (o.snapshot_interval) {
      // An explicit interval is taken exactly; the heap-size spacing is for the default.
      ro.snapshot_interval = *o.snapshot_interval;
      ro.steps_per_live_object = 0;
    }
    ro.stop_at = o.stop_at;
    ro.recorder_name = "pwvm 0.1.0";
    ro.args = o.args;
    try {
      recorded = pw::trace::record_run(*vm, ro);
    } catch (const pw::trace::TraceWriteError& e) {
      report(e.what());
      return kExitTraceError;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fflush(stdout);
  if (!recorded.write_error.empty()) {
    report(fmt::format("{} (the run was stopped at step {})", recorded.write_error, vm->step));
    return kExitTraceError;
  }
  // --record-on-failure keeps the trace only for a run that ended in a VmError.
  if (!o.record_on_failure.empty() && vm->status != pw::RunStatus::Failed) std::remove(trace_path.c_str());

  int code = kExitOk;
  if (vm->status == pw::RunStatus::Failed) {
    std::fputs(vm->error->format().c_str(), stderr);
    code = kExitVmError;
  }
  if (o.stats) {
    print_stats(*vm, seconds);
    if (!trace_path.empty() && (o.record_on_failure.empty() || vm->status == pw::RunStatus::Failed))
      std::fputs(fmt::format("trace:             {}: {} bytes, chunks {}, snapshots {}, events {}, {:.4f} bytes/step\n",
                             trace_path, recorded.file_bytes, recorded.chunks, recorded.snapshots, recorded.events,
                             vm->step ? double(recorded.file_bytes) / double(vm->step) : 0.0)
                     .c_str(),
                 stderr);
  }
  if (!o.dump_state.empty() && !write_dump(o.dump_state, pw::dump_state(*vm))) return kExitBadInput;
  return code;
}

}  // namespace

// CLI11's own range checks print the whole double range; say it plainly instead.
CLI::Validator positive_integer() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text == "0" ||
            text.find_first_not_of('0') == std::string::npos)
          return "'" + text + "' is not a positive integer";
        return {};
      },
      "POSITIVE");
}

void add_run_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Run a program");
  cmd->add_option("program", o->program, "Program (.pwa)")->required();
  cmd->add_option("--allow", o->allow, "Capabilities to grant: io, clock, random (comma-separated) or all");
  cmd->add_option("--max-steps", o->max_steps, "Stop with StepLimitExceeded after this many instructions")
      ->capture_default_str()->check(positive_integer());
  cmd->add_option("--max-stack", o->max_stack, "Value stack size in slots")
      ->capture_default_str()->check(positive_integer());
  cmd->add_option("--max-depth", o->max_depth, "Maximum call depth")
      ->capture_default_str()->check(positive_integer());
  cmd->add_option("--max-heap", o->max_heap, "Maximum live heap, in bytes (suffixes K, M, G)")->capture_default_str();
  cmd->add_option("--max-output", o->max_output, "Maximum bytes the program may print (K, M, G)")
      ->capture_default_str();
  cmd->add_option("--gc-threshold", o->gc_threshold, "Bytes allocated before the first collection (K, M, G)")
      ->capture_default_str();
  cmd->add_flag("--gc-stress", o->gc_stress, "Collect before every allocation");
  auto* no_gc = cmd->add_flag("--no-gc", o->no_gc, "Never collect (the heap limit then ends the run)");
  no_gc->excludes(cmd->get_option("--gc-stress"));
  cmd->add_option("--seed", o->seed, "Seed for the random host function (default: from the OS)");
  cmd->add_flag("--stats", o->stats, "Print the result, steps, run time and GC statistics on stderr");
  cmd->add_option("--stop-at", o->stop_at, "Stop after this many steps (or at the end, if sooner)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return text.empty() || text.find_first_not_of("0123456789") != std::string::npos
                       ? "'" + text + "' is not a step number"
                       : std::string();
          },
          "STEP"));
  cmd->add_option("--dump-state", o->dump_state, "Write the final (or --stop-at) state as canonical JSON; - for stdout");
  auto* record = cmd->add_option("--record", o->record, "Record the run to this trace file (.pwtrace)");
  auto* on_failure = cmd->add_option("--record-on-failure", o->record_on_failure,
                                     "Record the run, but keep the trace only if it ends in a runtime error");
  record->excludes(on_failure);
  cmd->add_option("--snapshot-interval", o->snapshot_interval,
                  "Take a snapshot exactly every N steps (default: every 5000000 steps, further apart for big heaps)")
      ->check(positive_integer());
  cmd->add_option("args", o->args, "Program arguments (after --), read with host args");
  cmd->callback([o, &exit_code] { exit_code = run_program(*o); });
}

}  // namespace pwvm
