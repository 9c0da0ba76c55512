// The debug adapter's state and request handlers (dap_adapter.h is its entry point). The
// handlers are split by concern: dap_session.cpp the protocol, lifecycle and stops,
// dap_moves.cpp the moves and whole-run queries, dap_points.cpp breakpoints of every
// kind, dap_inspect.cpp frames, variables, evaluation and sources.
#pragma once
#include <atomic>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "dap_adapter.h"
#include "dap_channel.h"
#include "dap_target.h"
#include "dap_variables.h"
#include "motion.h"
#include "session.h"

namespace pw::debugger {

// A request that cannot be carried out: its message goes back in the error response.
class DapError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The target's cursor, with the position of a long move readable from another thread
// (for progress reports).
class ObservedCursor : public replay::Cursor {
 public:
  explicit ObservedCursor(replay::Cursor& inner) : inner_(inner) {}
  const Program& program() const override { return inner_.program(); }
  const VmState& state() const override { return inner_.state(); }
  std::uint64_t position() const override { return inner_.position(); }
  std::uint64_t start() const override { return inner_.start(); }
  std::uint64_t end() const override { return inner_.end(); }
  bool finished() const override { return inner_.finished(); }
  void seek(std::uint64_t target) override;
  bool run_forward(std::uint64_t limit, replay::StepVisitor* visitor) override;
  const std::vector<std::uint64_t>& restart_positions() override { return inner_.restart_positions(); }
  std::vector<std::uint64_t> changed_positions() override { return inner_.changed_positions(); }

  std::atomic<std::uint64_t> reached{0};  // the latest position a move has looked at

 private:
  replay::Cursor& inner_;
};

// A whole-number argument [name] of [args]: [fallback] when it is absent or null. Anything
// else (a fraction, text, a number outside [min, max]) is a DapError: a client's number is
// never converted blindly.
long long integer_argument(const nlohmann::json& args, const char* name, long long fallback,
                           long long min = LLONG_MIN, long long max = LLONG_MAX);
// A message's seq, or -1 when it has none that is a whole number.
long long seq_of(const nlohmann::json& message);

class DapSession {
 public:
  using json = nlohmann::json;
  DapSession(const DapOptions& options, const DapLauncher& launch);
  ~DapSession();
  int run();

 private:
  // ---- protocol (dap_session.cpp)
  void read_requests();        // the reader thread
  void report_progress();      // the progress thread
  bool out_of_band(const json& request);  // pause and cancel, answered on the reader thread
  void handle(const json& request);
  void dispatch(const json& request);
  void respond(const json& request, json body = json::object());
  void respond_error(const json& request, const std::string& message);
  void event(const std::string& name, json body = json::object());
  void console(const std::string& text, const std::string& category = "console");
  static const json& arguments(const json& request);

  // ---- lifecycle (dap_session.cpp)
  void on_initialize(const json& request);
  void on_launch(const json& request);
  void on_configuration_done(const json& request);
  void on_disconnect(const json& request);
  void on_terminate(const json& request);
  void start_stopped();  // the first stop, once launched and configured
  void end_target();
  replay::Cursor& cursor();  // throws DapError before launch
  Session& session();

  // ---- moves and stops (dap_moves.cpp)
  // Runs [move] as the one move under way (pause and cancel reach it), then reports where
  // it stopped. [title]: what the progress report says.
  // [report] false: a query that comes back to where it was (no stop is told; the
  // client's variables are refreshed).
  void run_move(long long seq, const std::string& title, const std::function<replay::Stop()>& move,
                const std::string& reason_override = {}, bool report = true);
  // The same, answering [request] first (DAP answers a step when it starts).
  void move(const json& request, const std::string& title, const std::function<replay::Stop()>& f,
            const std::string& reason_override = {});
  void report_stop(const replay::Stop& stop, const std::string& reason_override);
  void show_new_output();
  bool instruction_granularity(const json& request) const;
  void on_continue(const json& request, bool backward);
  void on_next(const json& request);
  void on_step_in(const json& request);
  void on_step_out(const json& request);
  void on_step_back(const json& request);
  void on_reverse_step_in(const json& request);
  void on_reverse_step_out(const json& request);
  void on_goto_targets(const json& request);
  void on_goto(const json& request);
  void on_goto_step(const json& request);
  void on_last_write(const json& request);
  void on_watch(const json& request);
  void on_calls(const json& request);
  void on_step_query(const json& request);
  // Runs a whole-run query as the move under way, then goes back to where the session was.
  template <class F>
  void query(const json& request, const std::string& title, F&& f);

  // ---- breakpoints (dap_points.cpp)
  void on_set_breakpoints(const json& request);
  void on_set_function_breakpoints(const json& request);
  void on_set_exception_breakpoints(const json& request);
  void on_data_breakpoint_info(const json& request);
  void on_set_data_breakpoints(const json& request);
  void remove_points(std::vector<int>& ids);
  // Condition, hit condition and log message of a breakpoint from a DAP breakpoint object.
  void apply_options(replay::Breakpoint& b, const json& spec);
  // Sets a breakpoint at [where] (a location spec) with [spec]'s options, numbered in
  // [ids]; returns it as the response shows it. Throws for a bad location or option.
  json add_breakpoint(const std::string& where, const json& spec, std::vector<int>& ids);
  void log_line(const replay::LogLine& line);

  // ---- inspection (dap_inspect.cpp)
  void on_threads(const json& request);
  void on_stack_trace(const json& request);
  void on_scopes(const json& request);
  void on_variables(const json& request);
  void on_set_variable(const json& request);
  void on_evaluate(const json& request);
  void on_source(const json& request);
  void on_loaded_sources(const json& request);
  void on_exception_info(const json& request);
  void on_disassemble(const json& request);
  void run_console_command(const json& request, const std::string& command, std::uint32_t frame);
  std::uint32_t frame_index(const json& arguments) const;  // from frameId (default: innermost)
  json source_json() const;
  std::uint32_t client_line(std::uint32_t line) const { return lines_start_at_1_ ? line : line - 1; }
  std::uint32_t program_line(std::int64_t line) const {
    return static_cast<std::uint32_t>(lines_start_at_1_ ? line : line + 1);
  }
  std::string frame_name(std::uint32_t index) const;
  std::int64_t frame_column(std::uint32_t index) const;
  std::uint32_t frame_line(std::uint32_t index) const;

  DapOptions options_;
  DapLauncher launch_;
  DapChannel channel_;
  std::FILE* null_out_ = nullptr;  // where the text session writes between console commands

  // Client capabilities.
  bool lines_start_at_1_ = true;
  bool client_progress_ = false;
  bool client_invalidated_ = false;

  // The run.
  std::unique_ptr<DapTarget> target_;
  std::unique_ptr<ObservedCursor> cursor_;
  std::unique_ptr<Session> session_;
  VariableStore variables_;
  bool launched_ = false;
  bool configured_ = false;
  bool started_ = false;     // the first stop has been reported
  bool stop_on_entry_ = true;
  bool no_debug_ = false;    // launch's noDebug: run to the end and finish
  bool ended_ = false;       // disconnect or terminate: no more requests are served
  std::atomic<std::uint64_t> shown_output_{0};  // bytes of the program's output sent so far
  std::string source_path_;  // the program on disk, when it is the text the run used
  replay::Stop last_stop_;

  // Breakpoint ids by the request that made them (each request replaces its own).
  std::map<std::string, std::vector<int>> line_points_;  // by source key
  std::vector<int> function_points_;
  std::vector<int> data_points_;
  std::vector<int> exception_points_;
  std::map<int, std::uint32_t> point_lines_;  // breakpoint id -> its line, for logpoint output

  // Threads and what they share.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<json> queue_;
  bool input_done_ = false;
  int exit_status_ = 0;
  bool busy_ = false;
  long long busy_seq_ = -1;
  std::string busy_title_;
  std::uint64_t busy_generation_ = 0;
  bool pause_asked_ = false;
  bool cancel_asked_ = false;
  std::set<long long> cancelled_;  // requests cancelled before they ran
  bool stopping_ = false;
  std::thread reader_;
  std::thread progress_;
};

}  // namespace pw::debugger
