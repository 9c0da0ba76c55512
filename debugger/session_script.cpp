// Scripting the session as gdb is scripted: defined commands, command files, echo, printf,
// output, the shell, logging, and bookmarks of steps.
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <sys/wait.h>

#include <fmt/format.h>

#include "assembler.h"
#include "command_args.h"
#include "object.h"
#include "session.h"

namespace pw::debugger {
namespace {

// A defined command's name: letters, digits, '-' and '_'.
void check_command_name(std::string_view name, std::string_view command) {
  if (name.empty()) throw CommandError(fmt::format("\"{}\" needs a command name", command));
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      throw CommandError(fmt::format("\"{}\" is not a command name (letters, digits, - and _)", name));
}

// The escapes of echo's text and printf's format: those of the program's string literals
// (\n \t \r \0 \\ \" \xHH).
std::string unescaped(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (i + 1 == text.size()) throw CommandError("a backslash ends the text: \\\\ writes one");
    std::string error;
    const std::size_t taken = decode_escape(text, i + 1, out, error);
    if (taken == 0) throw CommandError(error);
    i += taken;
  }
  return out;
}

}  // namespace

void Session::cmd_define(std::string_view args) {
  check_command_name(args, "define");
  if (is_builtin(args))
    throw CommandError(fmt::format("\"{}\" is a built-in command: define another name", args));
  if (interactive_) say("Type commands for definition of \"{}\".\nEnd with a line saying just \"end\".\n", args);
  block_ = Block{Block::Kind::Define, {}, std::string(args), {}, 0};
}

void Session::cmd_document(std::string_view args) {
  check_command_name(args, "document");
  if (!user_commands_.count(args)) throw CommandError(fmt::format("\"{}\" is not a defined command", args));
  if (interactive_) say("Type documentation for \"{}\".\nEnd with a line saying just \"end\".\n", args);
  block_ = Block{Block::Kind::Document, {}, std::string(args), {}, 0};
}

void Session::cmd_source(std::string_view args) {
  if (args.empty()) throw CommandError("\"source\" needs a file name");
  const std::string path(args);
  std::ifstream in(path);
  if (!in) throw CommandError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  if (nesting_ >= 64) throw CommandError("source files nested more than 64 deep");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!trim(line).empty()) lines.push_back(line);
  const bool ok = run_lines(lines);
  if (block_) {
    block_.reset();
    throw CommandError(fmt::format("{} ends inside a block: \"end\" is missing", path));
  }
  if (!ok) throw CommandError(fmt::format("{}: stopped at the command that failed", path));
}

void Session::cmd_echo(std::string_view args) { emit(unescaped(args)); }

void Session::cmd_output(std::string_view args) {
  if (args.empty()) throw CommandError("\"output\" needs an expression");
  emit(formatted(value_of(args)));
}

void Session::cmd_printf(std::string_view args) {
  args = trim(args);
  if (args.empty() || args.front() != '"') throw CommandError("\"printf\" needs a format in quotes: printf \"%d\\n\", n");
  std::size_t close = 1;
  while (close < args.size() && args[close] != '"') close += args[close] == '\\' ? 2 : 1;
  if (close >= args.size()) throw CommandError("Bad format string, non-terminated '\"'");
  const std::string format = unescaped(args.substr(1, close - 1));
  std::string_view rest = trim(args.substr(close + 1));
  std::vector<std::string_view> values;
  if (!rest.empty()) {
    if (rest.front() != ',') throw CommandError("Invalid argument syntax: a comma goes between the format and each value");
    values = split_arguments(rest.substr(1));
  }
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    // %[flags][width][.precision][length]conversion
    std::size_t j = i + 1;
    while (j < format.size() && std::strchr("-+ #0", format[j])) ++j;
    while (j < format.size() && std::isdigit(static_cast<unsigned char>(format[j]))) ++j;
    if (j < format.size() && format[j] == '.') {
      ++j;
      while (j < format.size() && std::isdigit(static_cast<unsigned char>(format[j]))) ++j;
    }
    const std::string spec = format.substr(i, j - i);
    while (j < format.size() && (format[j] == 'l' || format[j] == 'h' || format[j] == 'z')) ++j;  // sizes: all are 64 bits
    if (j >= format.size()) throw CommandError("Bad format string: a % without a conversion at the end");
    const char conversion = format[j];
    if (!std::strchr("diuxXocsfFeEgGp", conversion))
      throw CommandError(fmt::format("Bad format string: unknown conversion %{}", conversion));
    if (next >= values.size()) throw CommandError(fmt::format("Missing argument {} in format string", next));
    const Value v = value_of(values[next++]);
    char buffer[512];
    if (std::strchr("diuxXo", conversion)) {
      std::int64_t n = 0;
      if (v.is_int()) n = v.i;
      else if (v.type == ValueType::Float && std::isfinite(v.f) && std::fabs(v.f) < 9.2e18) n = static_cast<std::int64_t>(v.f);
      else if (v.type == ValueType::Bool) n = v.b;
      else throw CommandError(fmt::format("%{} needs a number, got {}", conversion, value_text(v)));
      const std::string f = spec + (conversion == 'd' || conversion == 'i' ? PRId64
                                    : conversion == 'u'                    ? PRIu64
                                    : conversion == 'x'                    ? PRIx64
                                    : conversion == 'X'                    ? PRIX64
                                                                           : PRIo64);
      std::snprintf(buffer, sizeof buffer, f.c_str(), n);
    } else if (std::strchr("fFeEgG", conversion)) {
      double d = 0;
      if (v.type == ValueType::Float) d = v.f;
      else if (v.is_int()) d = static_cast<double>(v.i);
      else throw CommandError(fmt::format("%{} needs a number, got {}", conversion, value_text(v)));
      std::snprintf(buffer, sizeof buffer, (spec + conversion).c_str(), d);
    } else if (conversion == 'c') {
      if (!v.is_int()) throw CommandError(fmt::format("%c needs an int, got {}", value_text(v)));
      std::snprintf(buffer, sizeof buffer, (spec + 'c').c_str(), static_cast<int>(static_cast<unsigned char>(v.i)));
    } else {  // %s %p: the value as print shows it, a string without quotes
      const std::string text = display(cursor_.state(), v).substr(0, 400);
      std::snprintf(buffer, sizeof buffer, (spec + 's').c_str(), text.c_str());
    }
    out += buffer;
    i = j;
  }
  if (next < values.size()) throw CommandError(fmt::format("Extra arguments: the format uses {}, {} given", next, values.size()));
  emit(out);
}

void Session::cmd_shell(std::string_view args) {
  std::fflush(out_);
  std::fflush(err_);
  const std::string command = args.empty() ? std::string("${SHELL:-/bin/sh}") : std::string(args);
  const int status = std::system(command.c_str());
  if (status == -1) throw CommandError(fmt::format("cannot run the shell: {}", std::strerror(errno)));
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && !args.empty())
    say("(the command exited with status {})\n", WEXITSTATUS(status));
}

void Session::cmd_tty(std::string_view) {
  throw CommandError("tty is not supported: the program's input and output are the debugger's own terminal "
                     "(redirect them when starting: pwvm debug PROGRAM < input)");
}

void Session::cmd_set(std::string_view args) {
  const auto [what, rest] = split_word(args);
  if (what == "var" || what == "variable") return set_variable(rest);
  if (what == "logging") return set_logging(rest);
  if (args.find('=') != std::string_view::npos) return set_variable(args);
  throw CommandError(what.empty() ? "\"set\" needs what: var PLACE = EXPR, or logging"
                                  : fmt::format("undefined set command \"{}\": var PLACE = EXPR, logging", what));
}

void Session::cmd_show(std::string_view args) {
  if (args != "logging") throw CommandError("\"show\" shows logging: show logging");
  say("Logging is {}; the file is {} ({}{}).\n", log_file_ ? "on" : "off", log_path_,
      log_overwrite_ ? "overwritten" : "appended to", log_redirect_ ? ", output only there" : "");
}

void Session::set_logging(std::string_view args) {
  const auto [what, rest] = split_word(args);
  const auto open = [&] {
    if (log_file_) std::fclose(log_file_);
    log_file_ = std::fopen(log_path_.c_str(), log_overwrite_ ? "w" : "a");
    if (!log_file_) throw CommandError(fmt::format("cannot write {}: {}", log_path_, std::strerror(errno)));
  };
  if (what == "on" || what == "enabled") {
    if (!rest.empty()) log_path_ = std::string(rest);
    open();
    if (!log_redirect_) say("Copying output to {}.\n", log_path_);
  } else if (what == "off" || what == "disabled") {
    if (log_file_) std::fclose(log_file_);
    log_file_ = nullptr;
    say("Done logging to {}.\n", log_path_);
  } else if (what == "file") {
    if (rest.empty()) throw CommandError("\"set logging file\" needs a file name");
    log_path_ = std::string(rest);
    if (log_file_) open();
  } else if (what == "overwrite" || what == "redirect") {
    const bool on = rest.empty() || rest == "on";
    if (!on && rest != "off") throw CommandError(fmt::format("\"{}\" is not on or off", rest));
    (what == "overwrite" ? log_overwrite_ : log_redirect_) = on;
  } else {
    throw CommandError("\"set logging\" takes on [FILE], off, file FILE, overwrite [on|off], redirect [on|off]");
  }
}

void Session::cmd_checkpoint(std::string_view args) {
  if (!args.empty()) throw CommandError("\"checkpoint\" takes no arguments");
  const int id = ++last_checkpoint_;
  checkpoints_[id] = cursor_.position();
  say("Checkpoint {} at step {}\n", id, cursor_.position());
}

void Session::cmd_when(std::string_view args) {
  if (!args.empty()) throw CommandError("\"when\" takes no arguments");
  say("Current step: {}{}\n", cursor_.position(),
      cursor_.finished() ? fmt::format(" of {}", cursor_.end()) : fmt::format(" ({} reached so far)", cursor_.end()));
}

void Session::info_checkpoints() {
  if (checkpoints_.empty()) {
    say("No checkpoints.\n");
    return;
  }
  for (const auto& [id, step] : checkpoints_) say("{}{:<3} step {}\n", step == cursor_.position() ? "* " : "  ", id, step);
}

}  // namespace pw::debugger
