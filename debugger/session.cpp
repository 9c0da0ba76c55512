// The session's command table, dispatch, help, the event log command and shared printing.
#include "session.h"

#include <algorithm>
#include <cctype>

#include "command_args.h"
#include "event_log.h"

namespace pw::debugger {

struct Session::Command {
  std::string_view name;
  std::vector<std::string_view> aliases;
  void (Session::*run)(std::string_view);
  bool repeats;  // an empty line runs it again
  std::string_view usage;
  std::string_view help;
};

const std::vector<Session::Command>& Session::commands() {
  static const std::vector<Command> table = {
      {"run", {"r"}, &Session::cmd_run, false, "run", "Run from step 0 to the first breakpoint, watchpoint or catchpoint hit (or the end)."},
      {"continue", {"c", "cont"}, &Session::cmd_continue, true, "continue [N]", "Run forward to the next stop; with N, ignore N-1 hits."},
      {"step", {"s"}, &Session::cmd_step, true, "step [N]", "Run to the next source line, entering calls."},
      {"stepi", {"si"}, &Session::cmd_stepi, true, "stepi [N]", "Run one instruction (N instructions)."},
      {"next", {"n"}, &Session::cmd_next, true, "next [N]", "Run to the next source line in this frame, over calls."},
      {"nexti", {"ni"}, &Session::cmd_nexti, true, "nexti [N]", "Run one instruction, over calls."},
      {"finish", {"fin"}, &Session::cmd_finish, true, "finish", "Run until the current frame returns; show the value returned."},
      {"reverse-step", {"rs"}, &Session::cmd_reverse_step, true, "reverse-step [N]", "Back to the start of the previous source line, into calls."},
      {"reverse-stepi", {"rsi"}, &Session::cmd_reverse_stepi, true, "reverse-stepi [N]", "Back one instruction."},
      {"reverse-next", {"rn"}, &Session::cmd_reverse_next, true, "reverse-next [N]", "Back to the start of the previous source line in this frame, over calls."},
      {"reverse-nexti", {"rni"}, &Session::cmd_reverse_nexti, true, "reverse-nexti [N]", "Back one instruction, over calls."},
      {"reverse-finish", {}, &Session::cmd_reverse_finish, true, "reverse-finish", "Back to the call that entered the current frame."},
      {"reverse-continue", {"rc"}, &Session::cmd_reverse_continue, true, "reverse-continue [N]", "Run backward to the previous stop (a watchpoint stops where the value changed)."},
      {"goto", {}, &Session::cmd_goto, false, "goto STEP|start|end", "Jump to any step of the run."},
      {"last", {}, &Session::cmd_last, false, "last EXPR", "Back to the last instruction that wrote the place EXPR names (even the same value)."},
      {"break", {"b", "br"}, &Session::cmd_break, false, "break [LOCATION] [if COND]", "Set a breakpoint: FUNCTION, *FUNCTION+IP, FILE:LINE or LINE (default: here)."},
      {"tbreak", {"tb"}, &Session::cmd_tbreak, false, "tbreak [LOCATION] [if COND]", "Set a breakpoint that is deleted when first hit."},
      {"watch", {}, &Session::cmd_watch, false, "watch EXPR", "Stop when the value of EXPR changes."},
      {"catch", {}, &Session::cmd_catch, false, "catch throw|catch|uncaught", "Stop when an exception is thrown, caught, or thrown with no handler to catch it."},
      {"delete", {"d"}, &Session::cmd_delete, false, "delete [N...]", "Delete breakpoints, watchpoints and catchpoints (all without N)."},
      {"disable", {"disa"}, &Session::cmd_disable, false, "disable [N...]", "Disable them (all without N)."},
      {"enable", {"en"}, &Session::cmd_enable, false, "enable [N...]", "Enable them (all without N)."},
      {"condition", {}, &Session::cmd_condition, false, "condition N [COND]", "Make breakpoint N conditional (no COND: unconditional)."},
      {"backtrace", {"bt", "where"}, &Session::cmd_backtrace, false, "backtrace [N]", "Show the call stack (the innermost N frames)."},
      {"frame", {"f"}, &Session::cmd_frame, false, "frame [N]", "Select frame N (0: innermost) for print and info locals; show it."},
      {"up", {}, &Session::cmd_up, true, "up [N]", "Select the frame N levels up (towards main)."},
      {"down", {}, &Session::cmd_down, true, "down [N]", "Select the frame N levels down."},
      {"print", {"p", "inspect"}, &Session::cmd_print, false, "print EXPR", "Show the value of EXPR in the selected frame (docs/EXPRESSIONS.md)."},
      {"info", {"i"}, &Session::cmd_info, false, "info WHAT",
       "breakpoints, watchpoints, locals, args, globals, stack, heap, gc, frame, program, output [N], display."},
      {"list", {"l"}, &Session::cmd_list, true, "list [LINE|FUNCTION|FILE:LINE|-]", "Show source lines around the current line (again: the next ones; -: the ones before)."},
      {"disassemble", {"disas"}, &Session::cmd_disassemble, false, "disassemble [FUNCTION]", "Show the instructions of the function (=> marks the next one)."},
      {"display", {"disp"}, &Session::cmd_display, false, "display [EXPR]", "Show EXPR after every stop (without EXPR: show them all now)."},
      {"undisplay", {}, &Session::cmd_undisplay, false, "undisplay [N...]", "Stop showing display N (all without N)."},
      {"log", {}, &Session::cmd_log, false, "log [KIND]", "Show the debug event log, or only the events of one kind."},
      {"help", {"h"}, &Session::cmd_help, false, "help [COMMAND]", "List the commands, or describe one."},
      {"quit", {"q", "exit"}, nullptr, false, "quit", "End the session."},
  };
  return table;
}

const std::vector<std::string_view>& Session::command_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const Command& c : commands()) out.push_back(c.name);
    return out;
  }();
  return names;
}

const Session::Command* Session::find_command(std::string_view word) {
  const auto& table = commands();
  for (const Command& c : table) {
    if (c.name == word) return &c;
    for (std::string_view a : c.aliases)
      if (a == word) return &c;
  }
  // A unique prefix of a name, as gdb takes it.
  const Command* found = nullptr;
  std::string candidates;
  for (const Command& c : table) {
    if (c.name.substr(0, word.size()) != word) continue;
    candidates += fmt::format("{}{}", candidates.empty() ? "" : ", ", c.name);
    if (found) found = &table.back() + 1;  // ambiguous
    else found = &c;
  }
  if (found == &table.back() + 1)
    throw CommandError(fmt::format("ambiguous command \"{}\": {}", word, candidates));
  return found;
}

bool Session::names_command(std::string_view word) {
  if (word.empty()) return false;
  try {
    return find_command(word) != nullptr;
  } catch (const CommandError&) {
    return true;  // ambiguous, but a command: running it says so
  }
}

Session::Session(replay::Cursor& cursor, bool live, std::FILE* out, std::FILE* err)
    : cursor_(cursor), live_(live), out_(out), err_(err) {}

Session::Result Session::execute(std::string_view text) {
  std::string line(trim(text));
  if (line.empty()) {
    if (last_line_.empty()) return Result::Ok;
    line = last_line_;
  }
  if (line[0] == '#') return Result::Ok;  // a comment in a command file
  const auto [word, args] = split_word(line);
  Result result = Result::Ok;
  const Command* command = nullptr;
  try {
    command = find_command(word);
    if (!command) throw CommandError(fmt::format("undefined command \"{}\"; try \"help\"", word));
    if (!command->run) return Result::Quit;
    (this->*(command->run))(args);
  } catch (const std::exception& e) {
    // A bad command or expression, a move that makes no sense here, a step past the end, a
    // damaged trace or a divergence: each says so in one line, and the session goes on.
    const std::string message = printable(e.what()) + "\n";
    std::fwrite(message.data(), 1, message.size(), err_);
    result = Result::Error;
  }
  std::fflush(out_);
  // An empty line repeats a move or a listing, never a command that failed or changes settings.
  last_line_ = command && command->repeats && result == Result::Ok ? line : std::string();
  return result;
}

void Session::announce() { print_where(); }

void Session::cmd_help(std::string_view args) {
  if (!args.empty()) {
    const Command* c = find_command(args);
    if (!c) throw CommandError(fmt::format("undefined command \"{}\"; try \"help\"", args));
    std::string aliases;
    for (std::string_view a : c->aliases) aliases += fmt::format("{}{}", aliases.empty() ? " (also " : ", ", a);
    if (!aliases.empty()) aliases += ")";
    say("{}{}\n  {}\n", c->usage, aliases, c->help);
    return;
  }
  say("Commands (a unique prefix of a name works too; an empty line repeats a move):\n");
  for (const Command& c : commands()) say("  {:<32} {}\n", c.usage, c.help);
}

void Session::cmd_log(std::string_view args) {
  std::optional<DebugEventKind> only;
  if (!args.empty()) {
    only = event_kind_from_name(args);
    if (!only)
      throw CommandError(fmt::format(
          "unknown event kind \"{}\" (BreakpointHit, WatchpointTriggered, StepCompleted, FunctionEntry, "
          "FunctionExit, ExceptionThrown, ExceptionCaught)",
          args));
  }
  std::size_t shown = 0;
  for (const DebugEvent& e : log_.events()) {
    if (only && e.kind != *only) continue;
    say("step {:<10} {:<20} {}\n", e.step, event_kind_name(e.kind), e.detail);
    ++shown;
  }
  if (shown == 0) say("No events{}.\n", only ? fmt::format(" of kind {}", event_kind_name(*only)) : "");
}

}  // namespace pw::debugger
