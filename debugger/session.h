// A debugging session: gdb's commands over a run, live or recorded (the Cursor hides which).
// It reads one command line at a time and prints to [out]; an error prints one line to
// [err] and the session goes on. The command set and the output are the same for both back
// ends; docs/DEBUGGER.md describes them.
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "cursor.h"
#include "event_log.h"
#include "expression.h"
#include "motion.h"
#include "printable.h"
#include "stop_conditions.h"

namespace pw::debugger {

// A command that cannot be carried out: its message is the one line the user sees.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A function's parameters as its signature shows them: "n, acc".
std::string parameters_of(const Function& fn);

// "thrown", "caught", "thrown and not caught".
std::string_view catchpoint_text(replay::Catchpoint::On on);

class Session {
 public:
  // [live]: the cursor runs a program now (pwvm debug), not a recording (pwreplay debug).
  Session(replay::Cursor& cursor, bool live, std::FILE* out, std::FILE* err);

  enum class Result { Ok, Error, Quit };
  // Runs one command line. An empty line repeats the last command when that one repeats
  // (moves, list), as in gdb.
  Result execute(std::string_view line);
  // Says where the session starts (the step, the function, the source line).
  void announce();
  // Every command's full name, in the order help lists them.
  static const std::vector<std::string_view>& command_names();
  // Whether [word] names a command (a name, an alias or a unique prefix of a name).
  static bool names_command(std::string_view word);

  // For a front end beside the text one (the DAP adapter): the breakpoints, watchpoints and
  // catchpoints, numbered as the commands number them; the frame print and info read; and
  // where the output goes.
  replay::StopConditions& conditions() { return conditions_; }
  int allocate_id() { return next_id(); }
  void select_frame(std::uint32_t index) { selected_frame_ = index; }
  void redirect(std::FILE* out, std::FILE* err) {
    out_ = out;
    err_ = err;
  }
  // The stop the last move reported, once (nullopt when no move was made since).
  std::optional<replay::Stop> take_stop() { return std::exchange(last_stop_, std::nullopt); }

  // A live session's way to change its run's state at the newest step (LiveRun::change_state):
  // set var, jump and return use it. Without it (a recording) they are refused.
  using StateChanger = std::function<void(const std::function<void(VmState&)>&)>;
  void allow_state_changes(StateChanger change) { change_state_ = std::move(change); }
  // Whether the next lines belong to a block (commands, define, document) until "end": a
  // front shows the ">" prompt then.
  bool in_block() const { return block_.has_value(); }
  // A person types the commands (a terminal): blocks say how they end.
  void set_interactive(bool on) { interactive_ = on; }
  // Completions of [word], the word being typed, after [before] (the line up to it): command
  // names first, then what fits the command (functions, locals and globals, breakpoint
  // numbers, info topics, files).
  std::vector<std::string> completions(std::string_view before, std::string_view word) const;
  // Whether the word after [before] is a file name (source, save breakpoints, shell...).
  static bool completes_files(std::string_view before);
  ~Session();

 private:
  struct Command;
  static const std::vector<Command>& commands();
  static const Command* find_command(std::string_view word);
  static bool is_builtin(std::string_view word);  // a builtin's name or alias, exactly
  // One line: a block's line, or a command (builtin or defined). Stop command lists are run
  // by run_stop_commands, after the line.
  Result execute_line(std::string_view line);
  Result run_command(std::string_view line);
  void run_stop_commands();
  void take_block_line(std::string_view line);
  // Lines of a file or a defined command, each with the stop commands its moves bring.
  // Stops at the first that fails (as gdb's source does); false then.
  bool run_lines(const std::vector<std::string>& lines);

  // Moves
  void cmd_run(std::string_view args);
  void cmd_continue(std::string_view args);
  void cmd_step(std::string_view args);
  void cmd_stepi(std::string_view args);
  void cmd_next(std::string_view args);
  void cmd_nexti(std::string_view args);
  void cmd_finish(std::string_view args);
  void cmd_reverse_step(std::string_view args);
  void cmd_reverse_stepi(std::string_view args);
  void cmd_reverse_next(std::string_view args);
  void cmd_reverse_nexti(std::string_view args);
  void cmd_reverse_finish(std::string_view args);
  void cmd_reverse_continue(std::string_view args);
  void cmd_until(std::string_view args);
  void cmd_advance(std::string_view args);
  void cmd_goto(std::string_view args);
  void cmd_last(std::string_view args);
  void cmd_origin(std::string_view args);
  // Breakpoints, watchpoints, catchpoints
  void cmd_break(std::string_view args);
  void cmd_tbreak(std::string_view args);
  void cmd_watch(std::string_view args);
  void cmd_catch(std::string_view args);
  void cmd_delete(std::string_view args);
  void cmd_enable(std::string_view args);
  void cmd_disable(std::string_view args);
  void cmd_condition(std::string_view args);
  void cmd_ignore(std::string_view args);
  void cmd_rbreak(std::string_view args);
  void cmd_rwatch(std::string_view args);
  void cmd_awatch(std::string_view args);
  void add_watchpoint(std::string_view args, replay::Watchpoint::Access access);
  bool has_point(int id) const;  // a breakpoint, watchpoint or catchpoint numbered [id]
  void cmd_save(std::string_view args);
  void cmd_commands(std::string_view args);
  // Scripting
  void cmd_define(std::string_view args);
  void cmd_document(std::string_view args);
  void cmd_source(std::string_view args);
  void cmd_echo(std::string_view args);
  void cmd_printf(std::string_view args);
  void cmd_output(std::string_view args);
  void cmd_shell(std::string_view args);
  void cmd_set(std::string_view args);
  void cmd_show(std::string_view args);
  void set_logging(std::string_view args);
  void cmd_tty(std::string_view args);
  // Bookmarks
  void cmd_checkpoint(std::string_view args);
  void cmd_restart(std::string_view args);
  void cmd_when(std::string_view args);
  void info_checkpoints();
  // A live run's state, changed at its newest step
  void cmd_jump(std::string_view args);
  void cmd_call(std::string_view args);
  void cmd_return(std::string_view args);
  void set_variable(std::string_view args);
  // Checks that the run can be changed here; [what] names the command in the refusal.
  void require_changeable(std::string_view what) const;
  // Inspection
  void cmd_backtrace(std::string_view args);
  void cmd_frame(std::string_view args);
  void cmd_up(std::string_view args);
  void cmd_down(std::string_view args);
  void cmd_print(std::string_view args);
  void cmd_examine(std::string_view args);
  void cmd_ptype(std::string_view args);
  void cmd_whatis(std::string_view args);
  void describe_type(std::string_view args, bool shape);
  // A value as print/FMT shows it (format_: 0 for the natural form).
  std::string formatted(const Value& v, std::size_t max = 2000) const;
  // The value of [text] in the selected frame; throws when it cannot be evaluated.
  Value value_of(std::string_view text) const;
  void cmd_info(std::string_view args);
  void cmd_list(std::string_view args);
  void cmd_disassemble(std::string_view args);
  void cmd_log(std::string_view args);
  void cmd_display(std::string_view args);
  void cmd_undisplay(std::string_view args);
  void show_displays();
  struct Display;
  void show_display(const Display& d);
  void cmd_help(std::string_view args);

  void info_breakpoints(bool watchpoints_only);
  void info_locals(bool arguments);
  void info_globals();
  void info_stack();
  void info_heap();
  void info_gc();
  void info_program();
  void info_frame();
  void info_output(std::string_view args);
  void info_line(std::string_view args);
  void info_functions(std::string_view args);
  void info_variables(std::string_view args);
  void info_source();

  // A move: [move] runs it [count] times (stopping early at anything but a step) and the
  // stop is reported.
  // A move: [move_once] runs [args] times (a count; 1 when empty), stopping early at
  // anything but a step done ([through_hits]: at the end, the start or an interrupt only).
  // Then the stop is reported; [done] says why for a step done ("Step done").
  template <class Move>
  void move(std::string_view args, bool backward, Move move_once, bool through_hits = false,
            std::string_view done = "Step done");
  void report(const replay::Stop& stop, const replay::Location& before, std::uint64_t before_frame_id, bool backward,
              std::string_view done);
  void add_breakpoint(std::string_view args, bool temporary);
  int next_id() { return ++last_id_; }

  // Printing. Names, values, source lines and output come from the program or the trace and
  // may hold any byte: every text argument is escaped as one line (a newline in a name
  // cannot start a line of its own); the lines are the format's.
  template <class... Args>
  void say(fmt::format_string<Args...> f, Args&&... args) {
    emit(fmt::vformat(f, fmt::make_format_args(one_line(args)...)));
  }
  // Everything said goes here: to [out_] and the log file (set logging), unless muted (a
  // stop whose command list starts with silent).
  void emit(std::string_view text);
  template <class T>
  static decltype(auto) one_line(T&& arg) {
    if constexpr (std::is_convertible_v<T, std::string_view>) return printable(std::string_view(arg));
    else return std::forward<T>(arg);
  }
  // Text of several lines (the program's output): escaped, its newlines kept.
  void say_lines(std::string_view text) {
    emit(printable_lines(text));
  }
  // "fib (n=3) at examples/fibonacci.pwa:12" for frame [index] (0: innermost).
  std::string frame_text(std::uint32_t index) const;
  void print_where();            // "[step N] frame text" and the source line
  void print_source_line(std::uint32_t line);
  std::uint32_t selected_depth() const;  // frames visible from the selected one
  std::uint32_t selected_line() const;   // the source line of the selected frame (1 without one)
  std::string value_text(const Value& v, std::size_t max = 80) const;

  replay::Cursor& cursor_;
  bool live_;
  std::FILE* out_;
  std::FILE* err_;
  replay::StopConditions conditions_;
  std::set<int> temporary_;  // tbreak ids
  int last_id_ = 0;
  EventLog log_;
  std::uint32_t selected_frame_ = 0;  // 0: innermost
  std::string last_line_;             // for the empty line
  std::uint32_t list_next_ = 0;       // where a bare `list` goes on (0: around the current line)
  std::uint32_t list_first_ = 0;      // the first line `list` showed last (`list -` goes before it)
  struct Display {
    int id;
    replay::Expression expression;
  };
  std::vector<Display> displays_;  // shown after every stop
  std::optional<replay::Stop> last_stop_;
  int last_display_ = 0;

  StateChanger change_state_;  // set for a live run
  char format_ = 0;            // print/x: the format letter of the command being run
  std::string format_spec_;    // all of it: x/8x
  bool muted_ = false;
  bool interactive_ = false;
  // Blocks: a stop's command list, a defined command, its documentation.
  struct Block {
    enum class Kind { Commands, Define, Document } kind;
    std::vector<int> ids;  // Commands: the breakpoints it is for
    std::string name;      // Define, Document: the command
    std::vector<std::string> lines;
    int nested = 0;        // blocks opened inside it (their "end" is theirs)
  };
  std::optional<Block> block_;
  std::map<int, std::vector<std::string>> stop_commands_;  // by breakpoint, watchpoint or catchpoint id
  struct UserCommand {
    std::vector<std::string> lines;
    std::string doc;
  };
  std::map<std::string, UserCommand, std::less<>> user_commands_;
  std::optional<int> pending_stop_;  // the point whose command list the last stop owes
  std::uint64_t moves_ = 0;          // moves made: a command list ends at a command that moves
  int nesting_ = 0;                  // source and defined commands inside each other
  std::map<int, std::uint64_t> ignore_counts_;  // hits still to pass over, by point id
  std::map<int, std::uint64_t> checkpoints_;    // bookmarks: step by number
  int last_checkpoint_ = 0;
  std::FILE* log_file_ = nullptr;  // set logging on
  std::string log_path_ = "pwdb.txt";
  bool log_overwrite_ = false;
  bool log_redirect_ = false;  // only to the file
};

}  // namespace pw::debugger
