// pwvm dap: a Debug Adapter Protocol server over a live run, recorded as it goes so that
// it can be moved backwards too (docs/DAP.md).
#include <cstdio>
#include <cstring>
#include <limits>
#include <type_traits>

#include <fmt/format.h>

#include "cli_support.h"
#include "commands.h"
#include "dap_adapter.h"
#include "live_run.h"
#include "printable.h"
#include "trace_writer.h"
#include "vm_options.h"

namespace pwvm {
namespace {

using nlohmann::json;
using pw::debugger::LaunchError;

// The real host, but the program's output goes to the client (stdout is the protocol) and
// its input comes from the launch's `stdin` file, or is empty.
class AdapterHost final : public pw::Host {
 public:
  AdapterHost(std::vector<std::string> args, std::optional<std::uint64_t> seed, std::FILE* in,
              std::function<void(std::string_view)> output)
      : system_(std::move(args), seed, nullptr, in), in_(in), output_(std::move(output)) {}
  ~AdapterHost() override {
    if (in_) std::fclose(in_);
  }
  void write_output(std::string_view text) override { output_(text); }
  std::optional<std::string> read_line() override { return in_ ? system_.read_line() : std::nullopt; }
  std::vector<std::string> args() override { return system_.args(); }
  std::int64_t clock_ns() override { return system_.clock_ns(); }
  std::int64_t random_below(std::int64_t n) override { return system_.random_below(n); }
  void limit_lines_to(std::size_t bytes) { system_.limit_lines_to(bytes); }

 private:
  pw::SystemHost system_;
  std::FILE* in_;
  std::function<void(std::string_view)> output_;
};

class LiveTarget : public pw::debugger::DapTarget {
 public:
  LiveTarget(std::shared_ptr<const pw::Program> program, const pw::VmConfig& config, std::unique_ptr<AdapterHost> host,
             pw::trace::RecordOptions options)
      : record_(options.path), run_(std::move(program), config, std::move(host), std::move(options)) {}
  pw::replay::Cursor& cursor() override { return run_; }
  bool live() const override { return true; }
  void change_state(const std::function<void(pw::VmState&)>& change) override { run_.change_state(change); }
  std::string banner() const override {
    return fmt::format("Live run of {}, recorded {} as it goes.", pw::printable(run_.program().source_name),
                       record_.empty() ? "in memory" : fmt::format("to {}", pw::printable(record_)));
  }
  std::string finish() override {
    if (finished_) return {};
    finished_ = true;
    const pw::trace::RecordResult r = run_.finish_recording();
    if (!r.write_error.empty()) return pw::printable(r.write_error);
    if (record_.empty()) return {};
    return fmt::format("The recording ({} steps) is in {}: replay it with pwreplay debug {}", r.steps,
                       pw::printable(record_), pw::printable(record_));
  }

 private:
  std::string record_;
  pw::debugger::LiveRun run_;
  bool finished_ = false;
};

// A launch argument of type T, or the default; a wrong type, or a number T cannot hold, is
// a clear error (a client's number is never converted blindly).
template <class T>
T field(const json& args, const char* name, T fallback) {
  const auto it = args.find(name);
  if (it == args.end() || it->is_null()) return fallback;
  const auto wrong = [&] {
    return LaunchError(fmt::format("launch argument '{}' has the wrong type: {}", name,
                                   it->dump(-1, ' ', false, json::error_handler_t::replace)));
  };
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!it->is_number_unsigned()) {
      if (it->is_number_integer() && it->get<long long>() < 0) throw wrong();
      if (!it->is_number_integer()) throw wrong();
    }
    const std::uint64_t v = it->get<std::uint64_t>();
    if (v > std::numeric_limits<T>::max()) throw wrong();
    return static_cast<T>(v);
  } else {
    try {
      return it->get<T>();
    } catch (const json::exception&) {
      throw wrong();
    }
  }
}

// A size given as a number or as text with a suffix ("64M").
std::string size_field(const json& args, const char* name, const std::string& fallback) {
  const auto it = args.find(name);
  if (it == args.end() || it->is_null()) return fallback;
  if (it->is_number_unsigned() || it->is_number_integer()) return it->dump();
  if (it->is_string()) return it->get<std::string>();
  throw LaunchError(fmt::format("launch argument '{}' must be a size (a number, or text like \"64M\")", name));
}

std::unique_ptr<pw::debugger::DapTarget> launch(const json& args, std::function<void(std::string_view)> output) {
  VmOptions o;
  o.program = field<std::string>(args, "program", "");
  if (o.program.empty()) throw LaunchError("'program' is missing: the path of the program to debug (.pwa)");
  if (o.program == "-") throw LaunchError("'program' must be a file: standard input carries the protocol");
  o.args = field<std::vector<std::string>>(args, "args", {});
  if (args.contains("allow") && args["allow"].is_array()) {
    for (const std::string& cap : field<std::vector<std::string>>(args, "allow", {})) o.allow += (o.allow.empty() ? "" : ",") + cap;
  } else {
    o.allow = field<std::string>(args, "allow", "");
  }
  if (args.contains("seed") && !args["seed"].is_null()) o.seed = field<std::uint64_t>(args, "seed", 0);
  o.max_steps = field<std::uint64_t>(args, "maxSteps", o.max_steps);
  o.max_stack = field<std::uint32_t>(args, "maxStack", o.max_stack);
  o.max_depth = field<std::uint32_t>(args, "maxDepth", o.max_depth);
  o.max_heap = size_field(args, "maxHeap", o.max_heap);
  o.max_output = size_field(args, "maxOutput", o.max_output);
  o.gc_threshold = size_field(args, "gcThreshold", o.gc_threshold);
  o.gc_stress = field<bool>(args, "gcStress", false);
  o.no_gc = field<bool>(args, "noGc", false);
  if (o.max_steps == 0 || o.max_stack == 0 || o.max_depth == 0)
    throw LaunchError("maxSteps, maxStack and maxDepth must be positive");
  std::shared_ptr<const pw::Program> program;
  try {
    program = load_or_throw(o.program);
  } catch (const std::exception& e) {
    throw LaunchError(e.what());
  }
  std::string problem;
  const auto config = vm_config(o, &problem);
  if (!config) throw LaunchError(problem);
  std::FILE* in = nullptr;
  if (const std::string stdin_path = field<std::string>(args, "stdin", ""); !stdin_path.empty()) {
    in = std::fopen(stdin_path.c_str(), "r");
    if (!in) throw LaunchError(fmt::format("cannot read the stdin file {}: {}", stdin_path, std::strerror(errno)));
  }
  auto host = std::make_unique<AdapterHost>(o.args, o.seed, in, std::move(output));
  host->limit_lines_to(config->limits.max_heap);
  pw::trace::RecordOptions ro;
  ro.path = field<std::string>(args, "record", "");
  if (args.contains("snapshotInterval")) {
    ro.snapshot_interval = field<std::uint64_t>(args, "snapshotInterval", ro.snapshot_interval);
    if (ro.snapshot_interval == 0) throw LaunchError("snapshotInterval must be positive");
    ro.steps_per_live_object = 0;
  }
  ro.recorder_name = "pwvm dap 0.1.0";
  ro.args = o.args;
  try {
    return std::make_unique<LiveTarget>(program, *config, std::move(host), std::move(ro));
  } catch (const pw::trace::TraceWriteError& e) {
    throw LaunchError(e.what());
  } catch (const std::bad_alloc&) {
    throw LaunchError("not enough memory for the requested maxStack / maxDepth");
  }
}

}  // namespace

void add_dap_command(CLI::App& app, int& exit_code) {
  auto log = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("dap", "Serve the Debug Adapter Protocol on stdin/stdout for a live run (VS Code, nvim-dap...)");
  cmd->add_option("--log", *log, "Write a copy of the protocol to this file");
  cmd->callback([log, &exit_code] { exit_code = pw::debugger::serve_dap_on_stdio("pwvm", *log, launch); });
}

}  // namespace pwvm
