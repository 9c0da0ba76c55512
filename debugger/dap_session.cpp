// The adapter's protocol: threads, dispatch, lifecycle and how a stop is told.
#include "dap_session.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "command_args.h"
#include "printable.h"

namespace pw::debugger {
namespace {

using json = nlohmann::json;

// Reports the latest position a move looks at, for the progress reports.
class PositionTap : public replay::StepVisitor {
 public:
  PositionTap(replay::StepVisitor* inner, std::atomic<std::uint64_t>& reached) : inner_(inner), reached_(reached) {}
  bool visit(const VmState& vm, std::uint64_t position) override {
    reached_.store(position, std::memory_order_relaxed);
    return inner_->visit(vm, position);
  }

 private:
  replay::StepVisitor* inner_;
  std::atomic<std::uint64_t>& reached_;
};

}  // namespace

void ObservedCursor::seek(std::uint64_t target) {
  reached.store(target, std::memory_order_relaxed);
  inner_.seek(target);
}

bool ObservedCursor::run_forward(std::uint64_t limit, replay::StepVisitor* visitor) {
  // Without a visitor the run goes at full speed, unobserved.
  if (!visitor) return inner_.run_forward(limit, nullptr);
  PositionTap tap(visitor, reached);
  return inner_.run_forward(limit, &tap);
}

DapSession::DapSession(const DapOptions& options, const DapLauncher& launch)
    : options_(options), launch_(launch), channel_(options.in_fd, options.out_fd, options.log) {
  null_out_ = std::fopen("/dev/null", "w");
}

DapSession::~DapSession() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (progress_.joinable()) progress_.join();
  // The reader may be waiting for input that never comes: told to stop, it returns.
  channel_.shut_down();
  if (reader_.joinable()) reader_.join();
  if (null_out_) std::fclose(null_out_);
}

long long integer_argument(const json& args, const char* name, long long fallback, long long min, long long max) {
  const auto it = args.find(name);
  if (it == args.end() || it->is_null()) return fallback;
  long long v = 0;
  bool whole = false;
  if (it->is_number_unsigned()) {
    const std::uint64_t u = it->get<std::uint64_t>();
    whole = u <= static_cast<std::uint64_t>(LLONG_MAX);
    v = whole ? static_cast<long long>(u) : 0;
  } else if (it->is_number_integer()) {
    v = it->get<long long>();
    whole = true;
  } else if (it->is_number_float()) {
    const double d = it->get<double>();
    whole = std::isfinite(d) && d == std::floor(d) && d >= -9.2e18 && d <= 9.2e18;
    v = whole ? static_cast<long long>(d) : 0;
  }
  if (!whole || v < min || v > max)
    throw DapError(fmt::format("'{}' must be a whole number{}, not {}", name,
                               min == 0 ? " from 0 up" : "", it->dump(-1, ' ', false, json::error_handler_t::replace)));
  return v;
}

long long seq_of(const json& message) {
  try {
    return message.is_object() ? integer_argument(message, "seq", -1) : -1;
  } catch (const DapError&) {
    return -1;
  }
}

const json& DapSession::arguments(const json& request) {
  static const json kNone = json::object();
  const auto it = request.find("arguments");
  return it != request.end() && it->is_object() ? *it : kNone;
}

// ---- threads ----------------------------------------------------------------------------

void DapSession::read_requests() {
  for (;;) {
    std::optional<json> message;
    try {
      message = channel_.read();
    } catch (const std::exception& e) {
      channel_.note(fmt::format("unreadable input: {}", e.what()));
      std::fprintf(stderr, "%s dap: error: %s\n", options_.tool.c_str(), printable(e.what()).c_str());
      std::lock_guard<std::mutex> lock(mutex_);
      exit_status_ = 2;
      message.reset();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (!message) {
      input_done_ = true;
      if (busy_) replay::interrupt_flag().store(true);  // nobody is left to see the move end
      wake_.notify_all();
      return;
    }
    if (message->is_object() && (*message)["type"] == "request" && out_of_band(*message)) continue;
    queue_.push_back(std::move(*message));
    wake_.notify_all();
  }
}

// Called with mutex_ held.
bool DapSession::out_of_band(const json& request) {
  const std::string command = request.value("command", "");
  if ((command == "terminate" || command == "disconnect") && busy_) {
    // The Stop button during a long move: the move stops, then the request is served.
    replay::interrupt_flag().store(true);
    return false;
  }
  if (command == "pause") {
    if (busy_) {
      pause_asked_ = true;
      replay::interrupt_flag().store(true);
      respond(request);
      return true;
    }
    return false;  // nothing is moving: the main thread reports a stop where the run is
  }
  if (command == "cancel") {
    const json& args = arguments(request);
    const long long id = args.contains("requestId") && args["requestId"].is_number_integer() ? args["requestId"].get<long long>() : -1;
    const std::string progress = args.contains("progressId") && args["progressId"].is_string() ? args["progressId"].get<std::string>() : "";
    if (busy_ && (id == busy_seq_ || progress == fmt::format("pw-{}", busy_generation_))) {
      cancel_asked_ = true;
      replay::interrupt_flag().store(true);
    } else if (id >= 0) {
      cancelled_.insert(id);
    }
    respond(request);
    return true;
  }
  return false;
}

void DapSession::report_progress() {
  using namespace std::chrono_literals;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || busy_; });
    if (stopping_) return;
    const std::uint64_t generation = busy_generation_;
    // Short moves say nothing: only one still going after a quarter of a second.
    if (wake_.wait_for(lock, 250ms, [&] { return stopping_ || !busy_ || busy_generation_ != generation; })) {
      if (stopping_) return;
      continue;
    }
    if (!client_progress_) {
      wake_.wait(lock, [&] { return stopping_ || !busy_ || busy_generation_ != generation; });
      continue;
    }
    const std::string id = fmt::format("pw-{}", generation);
    json start = {{"progressId", id}, {"title", busy_title_}, {"cancellable", true}};
    if (busy_seq_ >= 0) start["requestId"] = busy_seq_;
    lock.unlock();
    event("progressStart", start);
    lock.lock();
    std::uint64_t last = UINT64_MAX;
    while (!wake_.wait_for(lock, 200ms, [&] { return stopping_ || !busy_ || busy_generation_ != generation; })) {
      const std::uint64_t at = cursor_ ? cursor_->reached.load(std::memory_order_relaxed) : 0;
      if (at == last) continue;
      last = at;
      lock.unlock();
      event("progressUpdate", {{"progressId", id}, {"message", fmt::format("step {}", at)}});
      lock.lock();
    }
    lock.unlock();
    event("progressEnd", {{"progressId", id}});
    lock.lock();
    if (stopping_) return;
  }
}

// ---- dispatch ---------------------------------------------------------------------------

int DapSession::run() {
  reader_ = std::thread([this] { read_requests(); });
  progress_ = std::thread([this] { report_progress(); });
  for (;;) {
    json request;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return !queue_.empty() || input_done_; });
      if (queue_.empty()) break;
      request = std::move(queue_.front());
      queue_.pop_front();
    }
    handle(request);
    if (ended_) break;
  }
  end_target();
  std::lock_guard<std::mutex> lock(mutex_);
  return exit_status_;
}

void DapSession::handle(const json& request) {
  if (!request.is_object() || request.value("type", "") != "request" || !request.contains("command") ||
      !request["command"].is_string()) {
    channel_.note(fmt::format("ignored a message that is not a request: {}", request.dump()));
    return;
  }
  const long long seq = seq_of(request);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cancelled_.erase(seq)) {
      json response = {{"type", "response"}, {"request_seq", seq}, {"success", false},
                       {"command", request["command"]}, {"message", "cancelled"}};
      channel_.send(std::move(response));
      return;
    }
  }
  try {
    dispatch(request);
  } catch (const std::exception& e) {
    // A bad argument, a place that does not exist, a damaged trace: one message, and the
    // session goes on.
    respond_error(request, e.what());
  }
}

void DapSession::dispatch(const json& request) {
  const std::string command = request["command"];
  using Handler = void (DapSession::*)(const json&);
  static const std::map<std::string, Handler> kHandlers = {
      {"initialize", &DapSession::on_initialize},
      {"launch", &DapSession::on_launch},
      {"configurationDone", &DapSession::on_configuration_done},
      {"disconnect", &DapSession::on_disconnect},
      {"terminate", &DapSession::on_terminate},
      {"threads", &DapSession::on_threads},
      {"stackTrace", &DapSession::on_stack_trace},
      {"scopes", &DapSession::on_scopes},
      {"variables", &DapSession::on_variables},
      {"setVariable", &DapSession::on_set_variable},
      {"evaluate", &DapSession::on_evaluate},
      {"source", &DapSession::on_source},
      {"loadedSources", &DapSession::on_loaded_sources},
      {"exceptionInfo", &DapSession::on_exception_info},
      {"disassemble", &DapSession::on_disassemble},
      {"setBreakpoints", &DapSession::on_set_breakpoints},
      {"setFunctionBreakpoints", &DapSession::on_set_function_breakpoints},
      {"setExceptionBreakpoints", &DapSession::on_set_exception_breakpoints},
      {"dataBreakpointInfo", &DapSession::on_data_breakpoint_info},
      {"setDataBreakpoints", &DapSession::on_set_data_breakpoints},
      {"next", &DapSession::on_next},
      {"stepIn", &DapSession::on_step_in},
      {"stepOut", &DapSession::on_step_out},
      {"stepBack", &DapSession::on_step_back},
      {"gotoTargets", &DapSession::on_goto_targets},
      {"goto", &DapSession::on_goto},
      {"pw/reverseStepIn", &DapSession::on_reverse_step_in},
      {"pw/reverseStepOut", &DapSession::on_reverse_step_out},
      {"pw/goto", &DapSession::on_goto_step},
      {"pw/lastWrite", &DapSession::on_last_write},
      {"pw/watch", &DapSession::on_watch},
      {"pw/calls", &DapSession::on_calls},
      {"pw/step", &DapSession::on_step_query},
  };
  if (command == "continue") return on_continue(request, false);
  if (command == "reverseContinue") return on_continue(request, true);
  if (command == "pause") {
    // Nothing was moving when it came: the run is stopped already; say where.
    cursor();
    respond(request);
    replay::Stop here{replay::StopReason::Interrupted, cursor().position(), 0, std::nullopt, std::nullopt};
    report_stop(here, "pause");
    return;
  }
  const auto it = kHandlers.find(command);
  if (it == kHandlers.end()) throw DapError(fmt::format("unknown request '{}'", command));
  (this->*(it->second))(request);
}

void DapSession::respond(const json& request, json body) {
  json response = {{"type", "response"},
                   {"request_seq", seq_of(request)},
                   {"success", true},
                   {"command", request.value("command", "")}};
  if (!body.empty()) response["body"] = std::move(body);
  channel_.send(std::move(response));
}

void DapSession::respond_error(const json& request, const std::string& message) {
  const std::string text = printable(message);
  json response = {{"type", "response"},
                   {"request_seq", seq_of(request)},
                   {"success", false},
                   {"command", request.value("command", "")},
                   {"message", text},
                   {"body", {{"error", {{"id", 1}, {"format", text}, {"showUser", false}}}}}};
  channel_.send(std::move(response));
}

void DapSession::event(const std::string& name, json body) {
  json e = {{"type", "event"}, {"event", name}};
  if (!body.is_null()) e["body"] = std::move(body);
  channel_.send(std::move(e));
}

void DapSession::console(const std::string& text, const std::string& category) {
  event("output", {{"category", category}, {"output", text}});
}

// ---- lifecycle --------------------------------------------------------------------------

void DapSession::on_initialize(const json& request) {
  const json& args = arguments(request);
  lines_start_at_1_ = args.value("linesStartAt1", true);
  client_progress_ = args.value("supportsProgressReporting", false);
  client_invalidated_ = args.value("supportsInvalidatedEvent", false);
  const json filters = json::array({
      {{"filter", "thrown"}, {"label", "Thrown exceptions"}, {"description", "Stop at every throw (catch throw)"}, {"default", false}},
      {{"filter", "uncaught"}, {"label", "Uncaught exceptions"}, {"description", "Stop at a throw no handler will catch"}, {"default", false}},
      {{"filter", "caught"}, {"label", "Caught exceptions"}, {"description", "Stop where a handler has caught an exception (catch catch)"}, {"default", false}},
  });
  respond(request, {{"supportsConfigurationDoneRequest", true},
                    {"supportsStepBack", true},
                    {"supportsConditionalBreakpoints", true},
                    {"supportsHitConditionalBreakpoints", true},
                    {"supportsFunctionBreakpoints", true},
                    {"supportsLogPoints", true},
                    {"supportsDataBreakpoints", true},
                    {"supportsGotoTargetsRequest", true},
                    {"supportsEvaluateForHovers", true},
                    {"supportsSteppingGranularity", true},
                    {"supportsCancelRequest", true},
                    {"supportsLoadedSourcesRequest", true},
                    {"supportsDisassembleRequest", true},
                    {"supportsInstructionBreakpoints", false},
                    {"supportsExceptionInfoRequest", true},
                    {"supportsSetVariable", true},
                    {"supportsTerminateRequest", true},
                    {"supportsValueFormattingOptions", false},
                    {"supportsDelayedStackTraceLoading", true},
                    {"exceptionBreakpointFilters", filters}});
}

void DapSession::on_launch(const json& request) {
  if (launched_) throw DapError("the session has launched already: one launch per session");
  const json& args = arguments(request);
  stop_on_entry_ = args.value("stopOnEntry", true);
  no_debug_ = args.value("noDebug", false);
  try {
    target_ = launch_(args, [this](std::string_view text) {
      // The live program's output, as it writes it.
      shown_output_.fetch_add(text.size());
      console(std::string(text), "stdout");
    });
  } catch (const LaunchError& e) {
    throw DapError(e.what());
  }
  cursor_ = std::make_unique<ObservedCursor>(target_->cursor());
  session_ = std::make_unique<Session>(*cursor_, target_->live(), null_out_, null_out_);
  if (target_->live())
    session_->allow_state_changes([this](const std::function<void(VmState&)>& change) { target_->change_state(change); });
  session_->conditions().on_log = [this](const replay::LogLine& line) { log_line(line); };
  // The source as the client opens it: the file itself when it holds the text the run
  // used; otherwise the text carried in the program (source request).
  const Program& p = cursor_->program();
  std::error_code ec;
  if (!p.source_name.empty() && std::filesystem::is_regular_file(p.source_name, ec)) {
    std::ifstream in(p.source_name, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (in && text.str() == p.source) source_path_ = std::filesystem::absolute(p.source_name, ec).lexically_normal().string();
  }
  if (const std::uint64_t at = target_->start_position(); at != cursor_->position()) {
    cursor_->seek(at);
    replay::prepare_to_step_back(*cursor_);
  }
  launched_ = true;
  respond(request);
  console(target_->banner() + "\n");
  // What the program had printed by where the session starts (its last 64 KiB).
  if (const std::string& out = cursor_->state().output; out.size() > shown_output_) {
    constexpr std::size_t kShown = 64 * 1024;
    if (out.size() - shown_output_ > kShown)
      console(fmt::format("(the first {} bytes of the program's output are left out)\n", out.size() - kShown));
    console(out.substr(std::max<std::size_t>(shown_output_, out.size() > kShown ? out.size() - kShown : 0)), "stdout");
    shown_output_ = out.size();
  }
  event("initialized");
  if (configured_) start_stopped();
}

void DapSession::on_configuration_done(const json& request) {
  configured_ = true;
  respond(request);
  if (launched_) start_stopped();
}

void DapSession::start_stopped() {
  if (started_) return;
  started_ = true;
  const VmState& vm = cursor_->state();
  if (no_debug_) {
    // Run without debugging: to the end, past every breakpoint, and the session is over.
    run_move(-1, "Running", [this] {
      replay::StopConditions none;
      return replay::continue_forward(*cursor_, none);
    }, {}, false);
    show_new_output();
    end_target();
    event("terminated");
    return;
  }
  if (!stop_on_entry_ && !cursor_->at_end()) {
    run_move(-1, "Running", [this] { return replay::continue_forward(*cursor_, session_->conditions()); });
    return;
  }
  replay::Stop stop{replay::StopReason::Step, cursor_->position(), 0, std::nullopt, std::nullopt};
  if (cursor_->at_end()) stop.reason = replay::StopReason::End;
  report_stop(stop, vm.status == RunStatus::Failed ? "exception" : "entry");
}

void DapSession::end_target() {
  if (!target_) return;
  const std::string said = target_->finish();
  if (!said.empty()) console(said + "\n");
}

void DapSession::on_disconnect(const json& request) {
  end_target();
  target_.reset();
  respond(request);
  ended_ = true;
}

void DapSession::on_terminate(const json& request) {
  end_target();
  respond(request);
  event("terminated");
}

replay::Cursor& DapSession::cursor() {
  if (!cursor_) throw DapError("no run yet: send launch first");
  return *cursor_;
}

Session& DapSession::session() {
  cursor();
  return *session_;
}

}  // namespace pw::debugger
