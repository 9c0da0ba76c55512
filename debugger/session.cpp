// The session's command table, dispatch, help, the event log command and shared printing.
#include "session.h"

#include <algorithm>
#include <cctype>
#include <tuple>

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

namespace {

// The builtin a word names exactly (a name or an alias), or nullptr.
template <class Table>
auto exact(const Table& table, std::string_view word) -> decltype(&table.front()) {
  for (const auto& c : table) {
    if (c.name == word) return &c;
    for (std::string_view a : c.aliases)
      if (a == word) return &c;
  }
  return nullptr;
}

}  // namespace

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
      {"until", {"u"}, &Session::cmd_until, true, "until [LOCATION]", "Like next, but not back into a loop; with LOCATION, run there or until this frame returns."},
      {"advance", {}, &Session::cmd_advance, false, "advance LOCATION", "Run to LOCATION (in any frame), or until this frame returns."},
      {"goto", {}, &Session::cmd_goto, false, "goto STEP|start|end", "Jump to any step of the run."},
      {"last", {}, &Session::cmd_last, false, "last EXPR", "Back to the last instruction that wrote the place EXPR names (even the same value)."},
      {"origin", {}, &Session::cmd_origin, false, "origin [--depth N] [STEP] PLACE",
       "Where the value in PLACE (here, or at STEP) came from: the store, the instructions that computed it, back to constants and inputs."},
      {"break", {"b", "br"}, &Session::cmd_break, false, "break [LOCATION] [if COND]", "Set a breakpoint: FUNCTION, *FUNCTION+IP, FILE:LINE or LINE (default: here)."},
      {"tbreak", {"tb"}, &Session::cmd_tbreak, false, "tbreak [LOCATION] [if COND]", "Set a breakpoint that is deleted when first hit."},
      {"rbreak", {}, &Session::cmd_rbreak, false, "rbreak REGEX", "Set a breakpoint on every function whose name matches REGEX."},
      {"watch", {}, &Session::cmd_watch, false, "watch [-l] EXPR", "Stop when the value of EXPR changes (-l: of the place it names now)."},
      {"rwatch", {}, &Session::cmd_rwatch, false, "rwatch EXPR", "Stop where an instruction reads the place EXPR names."},
      {"awatch", {}, &Session::cmd_awatch, false, "awatch EXPR", "Stop where an instruction reads or writes the place EXPR names."},
      {"catch", {}, &Session::cmd_catch, false, "catch throw|catch|uncaught", "Stop when an exception is thrown, caught, or thrown with no handler to catch it."},
      {"delete", {"d"}, &Session::cmd_delete, false, "delete [N...]", "Delete breakpoints, watchpoints and catchpoints (all without N)."},
      {"disable", {"disa"}, &Session::cmd_disable, false, "disable [N...]", "Disable them (all without N)."},
      {"enable", {"en"}, &Session::cmd_enable, false, "enable [N...]", "Enable them (all without N)."},
      {"condition", {}, &Session::cmd_condition, false, "condition N [COND]", "Make breakpoint N conditional (no COND: unconditional)."},
      {"ignore", {}, &Session::cmd_ignore, false, "ignore N COUNT", "Pass over the next COUNT hits of breakpoint N."},
      {"commands", {}, &Session::cmd_commands, false, "commands [N...]", "Commands to run when N stops (lines up to \"end\"; silent first: no stop report)."},
      {"save", {}, &Session::cmd_save, false, "save breakpoints FILE", "Write the breakpoints as commands that set them again (source FILE)."},
      {"backtrace", {"bt", "where"}, &Session::cmd_backtrace, false, "backtrace [full] [N|-N]", "Show the call stack (innermost N frames, outermost with -N; full: locals too)."},
      {"frame", {"f"}, &Session::cmd_frame, false, "frame [N]", "Select frame N (0: innermost) for print and info locals; show it."},
      {"up", {}, &Session::cmd_up, true, "up [N]", "Select the frame N levels up (towards main)."},
      {"down", {}, &Session::cmd_down, true, "down [N]", "Select the frame N levels down."},
      {"print", {"p", "inspect"}, &Session::cmd_print, false, "print[/FMT] EXPR", "Show the value of EXPR in the selected frame; FMT: x d o t c s u (docs/EXPRESSIONS.md)."},
      {"output", {}, &Session::cmd_output, false, "output[/FMT] EXPR", "Show the value of EXPR alone, with no newline."},
      {"x", {}, &Session::cmd_examine, false, "x[/NF] EXPR", "Examine N items of the array, list, string or closure EXPR names (F: a print format)."},
      {"ptype", {}, &Session::cmd_ptype, false, "ptype EXPR", "Show the type of EXPR's value and its shape (items, captures, arguments)."},
      {"whatis", {}, &Session::cmd_whatis, false, "whatis EXPR", "Show the type of EXPR's value."},
      {"set", {}, &Session::cmd_set, false, "set var PLACE = EXPR | set logging ...", "Change a value (a live run, at its newest step); set logging on|off|file F|overwrite|redirect."},
      {"show", {}, &Session::cmd_show, false, "show logging", "Show a setting."},
      {"jump", {"j"}, &Session::cmd_jump, false, "jump LINE|*FUNCTION+IP", "Go on from another line of this function (a live run, at its newest step)."},
      {"call", {}, &Session::cmd_call, false, "call FUNCTION(ARGS)", "Run FUNCTION on a copy of the state and show its value; the run is not touched."},
      {"return", {}, &Session::cmd_return, false, "return [EXPR]", "Leave the selected frame now, returning EXPR (a live run, at its newest step)."},
      {"info", {"i"}, &Session::cmd_info, false, "info WHAT",
       "breakpoints, watchpoints, locals, args, globals, stack, heap, gc, frame, program, output [N], display, line, "
       "functions [RE], variables [RE], source, checkpoints."},
      {"list", {"l"}, &Session::cmd_list, true, "list [LINE|FUNCTION|FILE:LINE|-]", "Show source lines around the current line (again: the next ones; -: the ones before)."},
      {"disassemble", {"disas"}, &Session::cmd_disassemble, false, "disassemble [FUNCTION]", "Show the instructions of the function (=> marks the next one)."},
      {"display", {"disp"}, &Session::cmd_display, false, "display [EXPR]", "Show EXPR after every stop (without EXPR: show them all now)."},
      {"undisplay", {}, &Session::cmd_undisplay, false, "undisplay [N...]", "Stop showing display N (all without N)."},
      {"log", {}, &Session::cmd_log, false, "log [KIND]", "Show the debug event log, or only the events of one kind."},
      {"checkpoint", {}, &Session::cmd_checkpoint, false, "checkpoint", "Bookmark this step; restart N comes back to it (info checkpoints)."},
      {"restart", {}, &Session::cmd_restart, false, "restart N", "Go back (or forward) to checkpoint N."},
      {"when", {}, &Session::cmd_when, false, "when", "Show the current step."},
      {"define", {}, &Session::cmd_define, false, "define NAME", "Define a command: the lines up to \"end\" ($arg0.. $argc are its arguments)."},
      {"document", {}, &Session::cmd_document, false, "document NAME", "Write the help of a defined command (lines up to \"end\")."},
      {"source", {}, &Session::cmd_source, false, "source FILE", "Run the commands in FILE."},
      {"echo", {}, &Session::cmd_echo, false, "echo TEXT", "Print TEXT (escapes as in string literals: \\n, \\t, \\xHH)."},
      {"printf", {}, &Session::cmd_printf, false, "printf \"FORMAT\", EXPR...", "Print values with a C format (%d %i %u %x %o %c %s %f %e %g %%)."},
      {"shell", {"!"}, &Session::cmd_shell, false, "shell COMMAND", "Run COMMAND in /bin/sh (also !COMMAND)."},
      {"tty", {}, &Session::cmd_tty, false, "tty", "Not supported: the program's input and output are the debugger's own."},
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
  if (const Command* c = exact(table, word)) return c;
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

Session::~Session() {
  if (log_file_) std::fclose(log_file_);
}

void Session::emit(std::string_view text) {
  if (muted_) return;
  if (!log_file_ || !log_redirect_) std::fwrite(text.data(), 1, text.size(), out_);
  if (log_file_) std::fwrite(text.data(), 1, text.size(), log_file_);
}

Session::Result Session::execute(std::string_view text) {
  Result result = execute_line(text);
  if (result != Result::Quit) run_stop_commands();
  std::fflush(out_);
  if (log_file_) std::fflush(log_file_);
  return result;
}

Session::Result Session::execute_line(std::string_view text) {
  if (block_) {
    take_block_line(text);
    return Result::Ok;
  }
  std::string line(trim(text));
  if (line.empty()) {
    if (last_line_.empty() || nesting_ > 0) return Result::Ok;
    line = last_line_;
  }
  if (line[0] == '#') return Result::Ok;  // a comment in a command file
  return run_command(line);
}

namespace {

// "$arg0".."$argN" and "$argc" of a defined command's line replaced by its arguments.
std::string with_arguments(std::string_view line, const std::vector<std::string_view>& args) {
  std::string out;
  for (std::size_t i = 0; i < line.size();) {
    if (line.substr(i, 5) == "$argc") {
      out += std::to_string(args.size());
      i += 5;
      continue;
    }
    if (line.substr(i, 4) == "$arg" && i + 4 < line.size() && std::isdigit(static_cast<unsigned char>(line[i + 4]))) {
      std::size_t j = i + 4, n = 0;
      while (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j])) && n < 1000) n = n * 10 + static_cast<std::size_t>(line[j++] - '0');
      if (n >= args.size()) throw CommandError(fmt::format("Missing argument {} in user function.", n));
      out += args[n];
      i = j;
      continue;
    }
    out += line[i++];
  }
  return out;
}

constexpr int kMaxNesting = 64;

}  // namespace

bool Session::is_builtin(std::string_view word) { return exact(commands(), word) != nullptr; }

Session::Result Session::run_command(std::string_view text) {
  // $bpnum: the number of the breakpoint set last (what save breakpoints writes).
  std::string substituted(text);
  for (std::size_t at; (at = substituted.find("$bpnum")) != std::string::npos;) substituted.replace(at, 6, std::to_string(last_id_));
  const std::string_view line = substituted;
  std::string_view word, args;
  if (line[0] == '!') {
    word = "shell";
    args = trim(line.substr(1));
  } else {
    std::tie(word, args) = split_word(line);
  }
  // print/x, x/8d: the format after the slash (also written as the first argument).
  std::string_view format;
  if (const std::size_t slash = word.find('/'); slash != std::string_view::npos && slash > 0) {
    format = word.substr(slash + 1);
    word = word.substr(0, slash);
  }
  Result result = Result::Ok;
  const Command* command = nullptr;
  try {
    command = exact(commands(), word);
    if (!command) {
      if (const auto user = user_commands_.find(word); user != user_commands_.end()) {
        if (nesting_ >= kMaxNesting) throw CommandError(fmt::format("defined commands nested more than {} deep", kMaxNesting));
        const std::vector<std::string_view> arguments = words(args);
        std::vector<std::string> lines;
        for (const std::string& l : user->second.lines) lines.push_back(with_arguments(l, arguments));
        return run_lines(lines) ? Result::Ok : Result::Error;
      }
      command = find_command(word);
    }
    if (!command) throw CommandError(fmt::format("undefined command \"{}\"; try \"help\"", word));
    if (!command->run) return Result::Quit;
    const bool takes_format = command->name == "print" || command->name == "output" || command->name == "x";
    if (format.empty() && takes_format && args.substr(0, 1) == "/") {
      std::tie(format, args) = split_word(args);
      format.remove_prefix(1);
    }
    if (!format.empty()) {
      if (!takes_format) throw CommandError(fmt::format("\"{}\" takes no /FORMAT", command->name));
      const char letter = format.back();
      if (!std::isdigit(static_cast<unsigned char>(letter))) {
        if (std::string_view("xdotcsua").find(letter) == std::string_view::npos)
          throw CommandError(fmt::format("undefined output format \"{}\": x d o t c s u a", letter));
        format_ = letter;
      }
      format_spec_ = std::string(format);
    }
    (this->*(command->run))(args);
  } catch (const std::exception& e) {
    // A bad command or expression, a move that makes no sense here, a step past the end, a
    // damaged trace or a divergence: each says so in one line, and the session goes on.
    const std::string message = printable(e.what()) + "\n";
    std::fwrite(message.data(), 1, message.size(), err_);
    if (log_file_) std::fwrite(message.data(), 1, message.size(), log_file_);
    result = Result::Error;
  }
  format_ = 0;
  format_spec_.clear();
  // An empty line repeats a move or a listing, never a command that failed or changes settings.
  if (nesting_ == 0) last_line_ = command && command->repeats && result == Result::Ok ? std::string(line) : std::string();
  return result;
}

bool Session::run_lines(const std::vector<std::string>& lines) {
  ++nesting_;
  struct Leave {
    int& n;
    ~Leave() { --n; }
  } leave{nesting_};
  for (const std::string& line : lines) {
    const Result r = execute_line(line);
    if (r == Result::Quit) throw CommandError("quit is not run from a command list or file");
    run_stop_commands();
    if (r == Result::Error) return false;
  }
  return true;
}

void Session::run_stop_commands() {
  // Iterative: a command list that continues to the next hit of its own breakpoint runs
  // again from here, not from inside itself, however many hits there are.
  while (pending_stop_) {
    const int id = *std::exchange(pending_stop_, std::nullopt);
    const auto it = stop_commands_.find(id);
    if (it == stop_commands_.end()) continue;
    const std::vector<std::string> lines = it->second;  // a command may change the list
    ++nesting_;
    for (const std::string& line : lines) {
      if (trim(line) == "silent") continue;
      const std::uint64_t moves = moves_;
      const Result r = execute_line(line);
      // A command that moves ends the list, as in gdb; so does one that fails.
      if (r != Result::Ok || moves_ != moves) break;
    }
    --nesting_;
    if (replay::interrupted()) pending_stop_.reset();
  }
}

void Session::take_block_line(std::string_view text) {
  Block& b = *block_;
  const std::string_view line = trim(text);
  if (line == "end" && b.nested == 0) {
    Block done = std::move(b);
    block_.reset();
    switch (done.kind) {
      case Block::Kind::Commands:
        for (int id : done.ids) {
          if (done.lines.empty()) stop_commands_.erase(id);
          else stop_commands_[id] = done.lines;
        }
        break;
      case Block::Kind::Define: user_commands_[done.name].lines = std::move(done.lines); break;
      case Block::Kind::Document: {
        std::string doc;
        for (const std::string& l : done.lines) doc += (doc.empty() ? "" : "\n") + l;
        user_commands_[done.name].doc = doc;
        break;
      }
    }
    return;
  }
  const std::string_view first = split_word(line).first;
  if (first == "end") --b.nested;
  else if (first == "commands" || first == "define" || first == "document") ++b.nested;
  if (!line.empty()) b.lines.emplace_back(line);
}

void Session::announce() { print_where(); }

bool Session::completes_files(std::string_view before) {
  const std::vector<std::string_view> w = words(before);
  if (w.empty()) return false;
  const std::string_view c = w[0];
  if (c == "source" || c == "shell" || c == "!" || before.substr(0, 1) == "!") return true;
  if ((c == "save") && w.size() >= 2) return true;
  if (c == "set" && w.size() >= 3 && w[1] == "logging" && (w[2] == "file" || w[2] == "on")) return true;
  return false;
}

std::vector<std::string> Session::completions(std::string_view before, std::string_view word) const {
  std::vector<std::string> out;
  const auto add = [&](std::string_view c) {
    if (c.substr(0, word.size()) == word) out.emplace_back(c);
  };
  const auto done = [&] {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  };
  const std::vector<std::string_view> w = words(before);
  if (w.empty()) {
    for (const Command& c : commands()) add(c.name);
    for (const auto& [name, user] : user_commands_) add(name);
    return done();
  }
  std::string_view first = w[0];
  first = first.substr(0, first.find('/'));
  const Command* c = nullptr;
  try {
    c = find_command(first);
  } catch (const CommandError&) {
    return {};
  }
  if (!c) return {};
  const std::string_view name = c->name;
  const Program& p = cursor_.program();
  const auto functions = [&] {
    for (const Function& fn : p.functions) add(fn.name);
  };
  const auto point_ids = [&] {
    for (const auto& b : conditions_.breakpoints) add(std::to_string(b.id));
    for (const auto& x : conditions_.watchpoints) add(std::to_string(x.id));
    for (const auto& k : conditions_.catchpoints) add(std::to_string(k.id));
  };
  // Names an expression can use here: the selected frame's locals and captures, the
  // globals, and the functions (for FUNCTION::NAME and calls).
  const auto names = [&] {
    const VmState& vm = cursor_.state();
    if (vm.depth > 0) {
      const Frame& f = vm.frames[vm.depth - 1 - std::min(selected_frame_, vm.depth - 1)];
      const Function& fn = vm.function_of(f);
      for (const std::string& l : fn.locals) add(l);
      for (const std::string& k : fn.captures) add(k);
    }
    for (const std::string& g : p.globals) add(g);
    functions();
  };
  if (name == "help") {
    for (const Command& x : commands()) add(x.name);
  } else if (name == "info") {
    if (w.size() == 1) {
      for (std::string_view t : {"args", "breakpoints", "checkpoints", "display", "frame", "functions", "gc", "globals",
                                 "heap", "line", "locals", "output", "program", "source", "stack", "variables", "watchpoints"})
        add(t);
    } else if (w[1] == "line" || w[1] == "li") {
      functions();
    }
  } else if (name == "delete" || name == "disable" || name == "enable" || name == "commands") {
    point_ids();
  } else if (name == "condition" || name == "ignore") {
    if (w.size() == 1) point_ids();
    else if (name == "condition") names();
  } else if (name == "break" || name == "tbreak" || name == "until" || name == "advance" || name == "list" ||
             name == "disassemble" || name == "jump") {
    if (w.size() >= 2 && w.back() == "if") names();
    else if (w.size() == 1) functions();
    else if (std::find(w.begin(), w.end(), std::string_view("if")) != w.end()) names();
  } else if (name == "print" || name == "output" || name == "x" || name == "ptype" || name == "whatis" ||
             name == "display" || name == "watch" || name == "rwatch" || name == "awatch" || name == "last" ||
             name == "origin" || name == "call" || name == "return" || name == "printf") {
    names();
  } else if (name == "set") {
    if (w.size() == 1) {
      add("var");
      add("logging");
    } else if (w[1] == "logging" && w.size() == 2) {
      for (std::string_view t : {"on", "off", "file", "overwrite", "redirect"}) add(t);
    } else {
      names();
    }
  } else if (name == "save" && w.size() == 1) {
    add("breakpoints");
  } else if (name == "catch" && w.size() == 1) {
    for (std::string_view t : {"throw", "catch", "uncaught"}) add(t);
  } else if (name == "restart") {
    for (const auto& [id, step] : checkpoints_) add(std::to_string(id));
  } else if (name == "goto" && w.size() == 1) {
    add("start");
    add("end");
  } else if (name == "document") {
    for (const auto& [n, user] : user_commands_) add(n);
  } else if (name == "log") {
    for (std::string_view t : {"BreakpointHit", "WatchpointTriggered", "StepCompleted", "FunctionEntry", "FunctionExit",
                               "ExceptionThrown", "ExceptionCaught"})
      add(t);
  }
  return done();
}

void Session::cmd_help(std::string_view args) {
  if (!args.empty()) {
    if (const auto user = user_commands_.find(args); user != user_commands_.end() && !exact(commands(), args)) {
      say("{}\n", user->second.doc.empty() ? fmt::format("User-defined command \"{}\" (no documentation).", args)
                                            : user->second.doc);
      return;
    }
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
  if (!user_commands_.empty()) {
    say("Defined commands:\n");
    for (const auto& [name, user] : user_commands_)
      say("  {:<32} {}\n", name, user.doc.empty() ? "User-defined." : user.doc.substr(0, user.doc.find('\n')));
  }
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
