// The adapter's moves (forwards and backwards), how a stop is told, and the whole-run
// queries of the custom requests.
#include <fmt/format.h>

#include "command_args.h"
#include "dap_session.h"
#include "printable.h"
#include "queries.h"

namespace pw::debugger {
namespace {

using json = nlohmann::json;
using replay::Stop;
using replay::StopReason;

std::string fn_name(const Program& p, std::uint32_t fn) { return fn < p.functions.size() ? p.functions[fn].name : "?"; }

std::uint64_t step_argument(const json& args, const char* name) {
  const auto it = args.find(name);
  if (it == args.end()) throw DapError(fmt::format("'{}' is missing: a step number", name));
  if (it->is_number_unsigned() || (it->is_number_integer() && it->get<long long>() >= 0)) return it->get<std::uint64_t>();
  if (it->is_string()) {
    if (const auto n = parse_number(it->get<std::string>())) return *n;
  }
  throw DapError(fmt::format("'{}' must be a step number, not {}", name, it->dump()));
}

// A query's steps [from, to] must lie within what the cursor holds.
void check_range(const replay::Cursor& c, std::uint64_t from, std::uint64_t to) {
  if (from < c.start()) throw DapError(replay::before_window_message(from, c.start()));
  if (from > to || to > c.end())
    throw DapError(fmt::format("the steps {}..{} are not within the run ({}..{})", from, to, c.start(), c.end()));
}

}  // namespace

void DapSession::run_move(long long seq, const std::string& title, const std::function<Stop()>& f,
                          const std::string& reason_override, bool report) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    busy_ = true;
    busy_seq_ = seq;
    busy_title_ = title;
    ++busy_generation_;
    pause_asked_ = cancel_asked_ = false;
    replay::interrupt_flag().store(input_done_);
  }
  wake_.notify_all();
  Stop stop;
  std::string error;
  try {
    stop = f();
  } catch (const std::exception& e) {
    // A move that makes no sense here was refused before it started; this is a damaged
    // trace or a divergence found on the way: said, and the stop is wherever the run is.
    error = e.what();
    stop = Stop{StopReason::Step, cursor_->position(), 0, std::nullopt, std::nullopt};
  }
  bool paused = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    busy_ = false;
    paused = pause_asked_ || cancel_asked_;
  }
  wake_.notify_all();
  if (!error.empty()) console(printable(error) + "\n", "stderr");
  if (!report) {
    // The state was rebuilt: references into it are gone.
    variables_.reset();
    if (client_invalidated_) event("invalidated", {{"areas", json::array({"variables"})}, {"threadId", 1}});
    return;
  }
  report_stop(stop, paused && stop.reason == StopReason::Interrupted ? "pause" : reason_override);
}

void DapSession::move(const json& request, const std::string& title, const std::function<Stop()>& f,
                      const std::string& reason_override) {
  cursor();
  respond(request);
  run_move(seq_of(request), title, f, reason_override);
}

void DapSession::show_new_output() {
  const std::string& out = cursor_->state().output;
  const std::uint64_t shown = shown_output_.load();
  if (out.size() <= shown) return;
  // Output is told once, as the session first reaches it; the replay of the past repeats none.
  console(out.substr(shown), "stdout");
  shown_output_ = out.size();
}

void DapSession::report_stop(const Stop& stop, const std::string& reason_override) {
  variables_.reset();
  last_stop_ = stop;
  show_new_output();
  const VmState& vm = cursor_->state();
  const Program& p = cursor_->program();
  const std::uint64_t at = cursor_->position();
  std::string reason = "step";
  std::string text;
  std::string said;
  json hit = json::array();
  const auto top_value = [&] {
    return vm.sp > vm.stack ? replay::result_text(vm, replay::EvalResult::of(vm.sp[-1]), 200) : std::string("?");
  };
  switch (stop.reason) {
    case StopReason::Breakpoint: {
      const bool function = std::find(function_points_.begin(), function_points_.end(), stop.breakpoint) != function_points_.end();
      reason = function ? "function breakpoint" : "breakpoint";
      hit.push_back(stop.breakpoint);
      said = fmt::format("Breakpoint {}", stop.breakpoint);
      break;
    }
    case StopReason::Watchpoint:
      reason = "data breakpoint";
      hit.push_back(stop.change->watchpoint);
      for (const replay::Watchpoint& w : session_->conditions().watchpoints)
        if (w.id == stop.change->watchpoint)
          said = fmt::format("Data breakpoint {}, {}: {} -> {}", w.id, w.expression.text(), stop.change->old_value.text(),
                             stop.change->new_value.text());
      break;
    case StopReason::Access:
      reason = "data breakpoint";
      hit.push_back(stop.change->watchpoint);
      for (const replay::Watchpoint& w : session_->conditions().watchpoints)
        if (w.id == stop.change->watchpoint)
          said = fmt::format("Data breakpoint {}, {} = {} (the next instruction {} it)", w.id, w.expression.text(),
                             stop.change->new_value.text(), stop.writes ? "writes" : "reads");
      break;
    case StopReason::Thrown:
    case StopReason::Caught:
      reason = "exception";
      hit.push_back(stop.breakpoint);
      text = top_value();
      said = fmt::format("Exception {}: {}", stop.reason == StopReason::Thrown ? "thrown" : "caught", text);
      break;
    case StopReason::Returned:
      said = stop.returned ? fmt::format("Left {}, returned {}", fn_name(p, stop.frame_fn), stop.returned->text())
                           : fmt::format("Left {} by an exception", fn_name(p, stop.frame_fn));
      break;
    case StopReason::CallSite: said = fmt::format("Back at the call of {}", fn_name(p, stop.frame_fn)); break;
    case StopReason::Start: said = replay::start_stop_text(cursor_->start()); break;
    case StopReason::End:
      if (vm.status == RunStatus::Failed && vm.error) {
        reason = "exception";
        text = vm.error->headline();
        said = fmt::format("The run failed: {}", text);
      } else if (vm.status == RunStatus::Halted) {
        reason = "end";
        said = fmt::format("The run halted with {}", replay::result_text(vm, replay::EvalResult::of(vm.result), 200));
      } else {
        reason = "end";
        said = fmt::format("The recording ends here: the run was stopped at step {}", vm.step);
      }
      break;
    case StopReason::Interrupted:
      reason = "pause";
      said = "Paused";
      break;
    case StopReason::Step: break;
  }
  if (!reason_override.empty()) reason = reason_override;
  const std::string description = said.empty() ? fmt::format("Step {}", at) : fmt::format("{} (step {})", said, at);
  if (!said.empty()) console(fmt::format("{}\n", said));
  json body = {{"reason", reason}, {"threadId", 1}, {"allThreadsStopped", true}, {"description", description},
               {"step", at}};
  if (!text.empty()) body["text"] = text;
  if (!hit.empty()) body["hitBreakpointIds"] = hit;
  event("stopped", std::move(body));
}

bool DapSession::instruction_granularity(const json& request) const {
  return arguments(request).value("granularity", "statement") == "instruction";
}

void DapSession::on_continue(const json& request, bool backward) {
  cursor();
  const json body = {{"allThreadsContinued", true}};
  respond(request, body);
  run_move(seq_of(request), backward ? "Running backward" : "Running", [&, backward] {
    return backward ? replay::reverse_continue(*cursor_, session_->conditions())
                    : replay::continue_forward(*cursor_, session_->conditions());
  });
}

void DapSession::on_next(const json& request) {
  const bool instr = instruction_granularity(request);
  move(request, "Stepping", [&, instr] { return instr ? replay::next_instruction(*cursor_) : replay::next_line(*cursor_); });
}

void DapSession::on_step_in(const json& request) {
  const bool instr = instruction_granularity(request);
  move(request, "Stepping", [&, instr] { return instr ? replay::step_forward(*cursor_, 1) : replay::step_line(*cursor_); });
}

void DapSession::on_step_out(const json& request) {
  if (cursor().state().depth <= 1) throw DapError("step out is not meaningful in the outermost frame");
  move(request, "Stepping out", [&] { return replay::finish(*cursor_, 0); });
}

void DapSession::on_step_back(const json& request) {
  const bool instr = instruction_granularity(request);
  move(request, "Stepping backward",
       [&, instr] { return instr ? replay::step_backward(*cursor_, 1) : replay::reverse_next_line(*cursor_); });
}

void DapSession::on_reverse_step_in(const json& request) {
  const bool instr = instruction_granularity(request);
  move(request, "Stepping backward",
       [&, instr] { return instr ? replay::step_backward(*cursor_, 1) : replay::reverse_step_line(*cursor_); });
}

void DapSession::on_reverse_step_out(const json& request) {
  if (cursor().state().depth <= 1) throw DapError("reverse step out is not meaningful in the outermost frame");
  move(request, "Stepping backward out", [&] { return replay::reverse_finish(*cursor_); });
}

// Targets of a source line: the next time it runs and the last time it ran. A target's id
// is 2 * line + (0 forward, 1 backward).
void DapSession::on_goto_targets(const json& request) {
  const json& args = arguments(request);
  if (!args.contains("line") || !args["line"].is_number_integer()) throw DapError("'line' is missing: a source line");
  const std::uint32_t line = program_line(args["line"].get<long long>());
  const replay::Breakpoint b = replay::make_breakpoint(cursor().program(), std::to_string(line));
  const Function& fn = cursor_->program().functions[b.addresses.front().fn];
  const std::uint32_t code_line = fn.lines[b.addresses.front().ip];
  json targets = json::array();
  const auto target = [&](int backward, const std::string& label) {
    targets.push_back({{"id", 2 * static_cast<long long>(code_line) + backward},
                       {"label", label},
                       {"line", client_line(code_line)}});
  };
  target(0, fmt::format("Line {}: the next time it runs", code_line));
  target(1, fmt::format("Line {}: the last time it ran", code_line));
  respond(request, {{"targets", targets}});
}

void DapSession::on_goto(const json& request) {
  const json& args = arguments(request);
  if (!args.contains("targetId") || !args["targetId"].is_number_integer()) throw DapError("'targetId' is missing");
  const long long id = args["targetId"].get<long long>();
  if (id < 2) throw DapError(fmt::format("no goto target {}", id));
  const bool backward = id % 2 == 1;
  replay::Breakpoint b = replay::make_breakpoint(cursor().program(), std::to_string(id / 2));
  move(request, backward ? "Going back" : "Going", [this, b, backward]() mutable {
    // Only the target line stops the jump; other breakpoints are passed.
    replay::StopConditions only;
    b.id = -1;
    only.breakpoints.push_back(std::move(b));
    Stop s = backward ? replay::reverse_continue(*cursor_, only) : replay::continue_forward(*cursor_, only);
    if (s.reason == StopReason::Breakpoint) s = Stop{StopReason::Step, s.position, 0, std::nullopt, std::nullopt};
    return s;
  }, "goto");
}

void DapSession::on_goto_step(const json& request) {
  const std::uint64_t step = step_argument(arguments(request), "step");
  if (cursor().finished() && step > cursor_->end())
    throw DapError(fmt::format("step {} is past the end of the run (the last is {})", step, cursor_->end()));
  if (step < cursor_->start()) throw DapError(replay::before_window_message(step, cursor_->start()));
  move(request, "Going", [this, step] { return replay::go_to(*cursor_, step); }, "goto");
}

void DapSession::on_step_query(const json& request) {
  respond(request, {{"step", cursor().position()}, {"start", cursor_->start()}, {"end", cursor_->end()},
                    {"finished", cursor_->finished()}, {"live", target_->live()}});
}

template <class F>
void DapSession::query(const json& request, const std::string& title, F&& f) {
  cursor();
  const std::uint64_t home = cursor_->position();
  json body;
  run_move(seq_of(request), title, [&] {
    body = f();
    cursor_->seek(home);
    return Stop{StopReason::Step, home, 0, std::nullopt, std::nullopt};
  }, {}, false);
  bool cancelled = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled = cancel_asked_;
  }
  if (cancelled) return respond_error(request, "cancelled");
  respond(request, std::move(body));
}

void DapSession::on_last_write(const json& request) {
  const json& args = arguments(request);
  if (!args.contains("expression") || !args["expression"].is_string()) throw DapError("'expression' is missing: the place to look for");
  const replay::Expression e = replay::Expression::compile(args["expression"].get<std::string>(), cursor().program());
  cursor();
  std::optional<replay::ChangeReport> found;
  const std::uint64_t from = cursor_->position();
  run_move(seq_of(request), "Looking for the last write", [&] {
    found = replay::last_write(*cursor_, e, from);
    if (!found) return Stop{replay::interrupted() ? StopReason::Interrupted : StopReason::Step, cursor_->position(), 0,
                            std::nullopt, std::nullopt};
    return Stop{StopReason::Step, cursor_->position(), 0, std::nullopt, std::nullopt};
  });
  if (!found) {
    respond(request, {{"found", false}, {"step", cursor_->position()}});
    return;
  }
  const Program& p = cursor_->program();
  respond(request, {{"found", true},
                    {"step", cursor_->position()},
                    {"old", found->change.old_value.text()},
                    {"new", found->change.new_value.text()},
                    {"function", fn_name(p, found->by.fn)},
                    {"line", client_line(found->by.line)},
                    {"instruction", found->by_debugger ? std::string("set by the debugger") : replay::instruction_text(p, found->by)}});
  console(fmt::format("Last write to {} before step {}: {} -> {}\n", e.text(), from, found->change.old_value.text(),
                      found->change.new_value.text()));
}

void DapSession::on_watch(const json& request) {
  const json& args = arguments(request);
  if (!args.contains("expression") || !args["expression"].is_string()) throw DapError("'expression' is missing: the value to follow");
  const replay::Expression e = replay::Expression::compile(args["expression"].get<std::string>(), cursor().program());
  const std::uint64_t from = args.contains("from") ? step_argument(args, "from") : cursor_->start();
  const std::uint64_t to = args.contains("to") ? step_argument(args, "to") : cursor_->end();
  const std::uint64_t limit = args.contains("limit") ? step_argument(args, "limit") : 10000;
  check_range(*cursor_, from, to);
  query(request, fmt::format("Following {}", e.text()), [&] {
    json changes = json::array();
    bool truncated = false;
    replay::ShownValue initial;
    const Program& p = cursor_->program();
    replay::watch(*cursor_, e, from, to, initial, [&](const replay::ChangeReport& r) {
      if (changes.size() >= limit) {
        truncated = true;
        return false;
      }
      changes.push_back({{"step", r.change.position},
                         {"old", r.change.old_value.text()},
                         {"new", r.change.new_value.text()},
                         {"function", fn_name(p, r.by.fn)},
                         {"line", client_line(r.by.line)},
                         {"instruction", r.by_debugger ? std::string("set by the debugger") : replay::instruction_text(p, r.by)}});
      return true;
    });
    return json{{"expression", e.text()}, {"initial", initial.text()}, {"changes", changes}, {"truncated", truncated},
                {"interrupted", replay::interrupted()}};
  });
}

void DapSession::on_calls(const json& request) {
  const json& args = arguments(request);
  if (!args.contains("function") || !args["function"].is_string()) throw DapError("'function' is missing: a function name");
  const std::string name = args["function"];
  const int fn = cursor().program().find_function(name);
  if (fn < 0) throw DapError(fmt::format("no function named '{}'", name));
  const std::uint64_t from = args.contains("from") ? step_argument(args, "from") : cursor_->start();
  const std::uint64_t to = args.contains("to") ? step_argument(args, "to") : cursor_->end();
  const std::uint64_t limit = args.contains("limit") ? step_argument(args, "limit") : 10000;
  check_range(*cursor_, from, to);
  query(request, fmt::format("Finding the calls of {}", name), [&] {
    const auto found = replay::calls(*cursor_, static_cast<std::uint32_t>(fn), from, to);
    json list = json::array();
    for (const replay::CallReport& c : found) {
      if (list.size() >= limit) break;
      json arguments = json::array();
      for (const replay::ShownValue& a : c.arguments) arguments.push_back(a.text());
      static constexpr const char* kEndings[] = {"returned", "threw", "tail-called", "unfinished"};
      json call = {{"step", c.position}, {"depth", c.depth}, {"arguments", arguments},
                   {"ending", kEndings[static_cast<int>(c.ending)]}};
      if (c.end_position) call["endStep"] = c.end_position;
      if (c.result) call["result"] = c.result->text();
      if (!c.tail_callee.empty()) call["tailCallee"] = c.tail_callee;
      list.push_back(std::move(call));
    }
    return json{{"function", name}, {"calls", list}, {"total", found.size()}, {"truncated", found.size() > list.size()},
                {"interrupted", replay::interrupted()}};
  });
}

}  // namespace pw::debugger
