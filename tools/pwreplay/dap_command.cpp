// pwreplay dap: a Debug Adapter Protocol server over a recorded run (docs/DAP.md).
#include <fmt/format.h>

#include "commands.h"
#include "dap_adapter.h"
#include "motion.h"
#include "printable.h"
#include "replay_support.h"
#include "timeline.h"
#include "trace_reader.h"

namespace pwreplay {
namespace {

using nlohmann::json;

class RecordedTarget : public pw::debugger::DapTarget {
 public:
  RecordedTarget(const std::string& path, const json& at) : timeline_(path) {
    if (at.is_null() || (at.is_string() && (at.get<std::string>().empty() || at.get<std::string>() == "start"))) {
      start_ = timeline_.start();
    } else if (at.is_string() && at.get<std::string>() == "end") {
      start_ = timeline_.end();
    } else if (at.is_number_unsigned() || (at.is_number_integer() && at.get<long long>() >= 0)) {
      start_ = at.get<std::uint64_t>();
    } else if (at.is_string() && !at.get<std::string>().empty() &&
               at.get<std::string>().find_first_not_of("0123456789") == std::string::npos &&
               at.get<std::string>().size() < 20) {
      start_ = std::stoull(at.get<std::string>());
    } else {
      throw pw::debugger::LaunchError(fmt::format("'at' must be a step number, \"start\" or \"end\", not {}", at.dump()));
    }
    if (start_ < timeline_.start())
      throw pw::debugger::LaunchError(pw::replay::before_window_message(start_, timeline_.start()));
    if (start_ > timeline_.end())
      throw pw::debugger::LaunchError(
          fmt::format("step {} is past the end of the run (the last is {})", start_, timeline_.end()));
  }
  pw::replay::Cursor& cursor() override { return timeline_; }
  bool live() const override { return false; }
  std::uint64_t start_position() const override { return start_; }
  std::string banner() const override { return recorded_run_banner(timeline_); }

 private:
  pw::replay::Timeline timeline_;
  std::uint64_t start_ = 0;
};

std::unique_ptr<pw::debugger::DapTarget> open_trace(const json& args) {
  const auto trace = args.find("trace");
  if (trace == args.end() || !trace->is_string() || trace->get<std::string>().empty())
    throw pw::debugger::LaunchError("'trace' is missing: the path of a recorded trace (.pwtrace)");
  try {
    return std::make_unique<RecordedTarget>(trace->get<std::string>(), args.contains("at") ? args["at"] : json());
  } catch (const pw::trace::TraceReadError& e) {
    throw pw::debugger::LaunchError(e.what());
  } catch (const pw::replay::Divergence& e) {
    throw pw::debugger::LaunchError(e.what());
  }
}

}  // namespace

void add_dap_command(CLI::App& app, int& exit_code) {
  auto log = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("dap", "Serve the Debug Adapter Protocol on stdin/stdout for a recorded run (VS Code, nvim-dap...)");
  cmd->add_option("--log", *log, "Write a copy of the protocol to this file");
  cmd->callback([log, &exit_code] {
    exit_code = pw::debugger::serve_dap_on_stdio(
        "pwreplay", *log, [](const json& args, std::function<void(std::string_view)>) { return open_trace(args); });
  });
}

}  // namespace pwreplay
