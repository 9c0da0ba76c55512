// pwvm debug: the debugger over a live run, recorded as it goes so reverse moves work too.
#include <cstdio>

#include <fmt/format.h>

#include "cli_support.h"
#include "commands.h"
#include "front.h"
#include "live_run.h"
#include "printable.h"
#include "quiet_flag.h"
#include "session.h"
#include "trace_writer.h"
#include "vm_options.h"

namespace pwvm {
namespace {

struct DebugOptions {
  VmOptions vm;
  std::string record;
  std::optional<std::uint64_t> snapshot_interval;
  pw::debugger::FrontOptions front;
};

int run_debug(const DebugOptions& o) {
  if (o.vm.program == "-") {
    report("the debugger reads its commands from standard input: give the program as a file");
    return kExitBadInput;
  }
  auto program = load_or_report(o.vm.program);
  if (!program) return kExitBadInput;
  const auto config = vm_config(o.vm);
  if (!config) return kExitBadInput;
  pw::trace::RecordOptions ro;
  ro.path = o.record;
  if (o.snapshot_interval) {
    ro.snapshot_interval = *o.snapshot_interval;
    ro.steps_per_live_object = 0;
  }
  ro.recorder_name = "pwvm debug 0.1.0";
  ro.args = o.vm.args;
  try {
    auto host = std::make_unique<pw::SystemHost>(o.vm.args, o.vm.seed);
    host->limit_lines_to(config->limits.max_heap);  // no line the heap could not hold
    pw::debugger::LiveRun run(program, *config, std::move(host), ro);
    std::printf("Live run of %s, recorded %s as it goes. \"help\" lists the commands.\n", pw::printable(program->source_name).c_str(),
                o.record.empty() ? "in memory" : fmt::format("to {}", o.record).c_str());
    pw::debugger::Session session(run, /*live=*/true, stdout, stderr);
    session.allow_state_changes([&run](const std::function<void(pw::VmState&)>& change) { run.change_state(change); });
    const int code = pw::debugger::run_front(session, o.front);
    const pw::trace::RecordResult recorded = run.finish_recording();
    if (!recorded.write_error.empty()) {
      report(recorded.write_error);
      return kExitTraceError;
    }
    if (!o.record.empty())
      std::printf("The recording (%llu steps) is in %s: replay it with pwreplay debug %s\n",
                  static_cast<unsigned long long>(recorded.steps), o.record.c_str(), o.record.c_str());
    return code;
  } catch (const pw::trace::TraceWriteError& e) {
    report(e.what());
    return kExitTraceError;
  } catch (const std::bad_alloc&) {
    report("not enough memory for the requested --max-stack / --max-depth");
    return kExitBadInput;
  }
}

}  // namespace

void add_debug_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DebugOptions>();
  auto* cmd = app.add_subcommand("debug", "Debug a program as it runs: gdb's commands, forwards and backwards");
  add_vm_options(cmd, o->vm);
  cmd->add_option("--record", o->record, "Keep the recording in this trace file (default: in memory only)");
  cmd->add_option("--snapshot-interval", o->snapshot_interval,
                  "Snapshot exactly every N steps (default: every 5000000, further apart for big heaps)")
      ->check(positive_integer());
  pw::debugger::add_front_options(cmd, o->front);
  pwtools::add_quiet_flag(cmd);
  cmd->add_option("args", o->vm.args, "Program arguments (after --), read with host args");
  cmd->callback([o, &exit_code] { exit_code = run_debug(*o); });
}

}  // namespace pwvm
