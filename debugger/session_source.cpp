// Source listings and disassembly.
#include <algorithm>
#include <optional>
#include <regex>

#include <fmt/format.h>

#include "command_args.h"
#include "disassembler.h"
#include "session.h"
#include "stop_conditions.h"

namespace pw::debugger {
namespace {

std::uint32_t line_count(const Program& p) {
  if (p.source.empty()) return 0;
  const auto n = static_cast<std::uint32_t>(std::count(p.source.begin(), p.source.end(), '\n'));
  return p.source.back() == '\n' ? n : n + 1;
}

// The first line of a ten-line listing around [center].
std::uint32_t window_around(std::uint32_t center) { return center > 5 ? center - 5 : 1; }

}  // namespace

std::uint32_t Session::selected_line() const {
  const VmState& vm = cursor_.state();
  if (vm.depth == 0) return 1;
  const Frame& f = vm.frames[vm.depth - 1 - std::min(selected_frame_, vm.depth - 1)];
  const Function& fn = vm.function_of(f);
  std::uint32_t ip = vm.ip_index(f);
  if (selected_frame_ > 0 && ip > 0) --ip;  // a caller waits after its call
  return ip < fn.lines.size() ? fn.lines[ip] : fn.line;
}

void Session::cmd_list(std::string_view args) {
  const Program& p = cursor_.program();
  const std::uint32_t lines = line_count(p);
  if (lines == 0) throw CommandError("the program carries no source text");
  std::uint32_t first = 0;
  if (args == "-") {
    // The ten lines before the ones shown last (or before the window around this line).
    const std::uint32_t shown_first = list_first_ ? list_first_ : window_around(selected_line());
    if (shown_first <= 1) throw CommandError(fmt::format("Already at the start of {}.", p.source_name));
    const std::uint32_t last = std::min(lines, shown_first - 1);
    first = last > 10 ? last - 9 : 1;
    for (std::uint32_t l = first; l <= last; ++l) print_source_line(l);
    list_first_ = first;
    list_next_ = last + 1;
    return;
  }
  if (args.empty()) {
    if (list_next_ > 0) {
      first = list_next_;
    } else {
      first = window_around(selected_line());
    }
  } else {
    // LINE, FUNCTION or FILE:LINE: resolved as a breakpoint location is.
    std::uint32_t center = 0;
    if (const auto n = parse_number(args)) {
      if (*n == 0 || *n > lines)
        throw CommandError(fmt::format("line {} is out of range: {} has {} lines", *n, p.source_name, lines));
      center = static_cast<std::uint32_t>(*n);
    } else {
      const int f = p.find_function(std::string(args));
      if (f >= 0) {
        center = p.functions[static_cast<std::size_t>(f)].line;
      } else {
        const replay::Breakpoint b = replay::make_breakpoint(p, args);
        const Function& fn = p.functions[b.addresses.front().fn];
        center = fn.lines[b.addresses.front().ip];
      }
    }
    first = center > 5 ? center - 5 : 1;
  }
  if (first > lines) throw CommandError(fmt::format("line {} is past the end of {} ({} lines)", first, p.source_name, lines));
  const std::uint32_t last = std::min(lines, first + 9);
  for (std::uint32_t l = first; l <= last; ++l) print_source_line(l);
  list_first_ = first;
  list_next_ = last + 1;
}

void Session::cmd_disassemble(std::string_view args) {
  const Program& p = cursor_.program();
  const VmState& vm = cursor_.state();
  int fn_index = -1;
  if (args.empty()) {
    if (vm.depth == 0) throw CommandError("no frame: name a function");
    fn_index = static_cast<int>(vm.frames[vm.depth - 1 - std::min(selected_frame_, vm.depth - 1)].fn);
  } else {
    fn_index = p.find_function(std::string(args));
    if (fn_index < 0) throw CommandError(fmt::format("no function named \"{}\"", args));
  }
  const Function& fn = p.functions[static_cast<std::size_t>(fn_index)];
  // The selected frame's next instruction (or its call, for a caller) gets the arrow.
  std::int64_t marked = -1;
  if (vm.depth > 0) {
    const Frame& f = vm.frames[vm.depth - 1 - std::min(selected_frame_, vm.depth - 1)];
    if (static_cast<int>(f.fn) == fn_index) marked = vm.ip_index(f) - (selected_frame_ > 0 ? 1 : 0);
  }
  say("Function {} ({} argument{}, {} locals), {}:{}\n", p.function_label(static_cast<std::uint32_t>(fn_index)), fn.arity, fn.arity == 1 ? "" : "s", fn.locals.size(),
      p.source_name, fn.line);
  for (std::uint32_t ip = 0; ip < fn.code.size(); ++ip) {
    if (const auto label = fn.labels.find(ip); label != fn.labels.end()) say("{}:\n", label->second);
    // A compiled program's instructions are placed by line and column (library code by neither).
    const std::uint32_t line = fn.line_at(ip), column = p.compiled ? fn.column_at(ip) : 0;
    const std::string where = p.compiled && line == 0 ? "library"
                              : column                ? fmt::format("line {}:{}", line, column)
                                                      : fmt::format("line {}", line);
    say("{} {:>4}  {:<28} ; {}\n", static_cast<std::int64_t>(ip) == marked ? "=>" : "  ", ip,
        disassemble_instruction(p, fn, ip), where);
  }
}

}  // namespace pw::debugger

namespace pw::debugger {
namespace {

std::regex regex_of(std::string_view text) {
  try {
    return std::regex(std::string(text), std::regex::extended);
  } catch (const std::regex_error& e) {
    throw CommandError(fmt::format("bad regular expression \"{}\": {}", text, e.what()));
  }
}

}  // namespace

void Session::info_line(std::string_view args) {
  const Program& p = cursor_.program();
  std::uint32_t line = 0;
  std::string spec(args);
  if (args.empty()) {
    line = selected_line();
    spec = std::to_string(line);
  } else if (const auto n = parse_number(args)) {
    line = static_cast<std::uint32_t>(std::min<std::uint64_t>(*n, UINT32_MAX));
  } else if (const int f = p.find_function(spec); f >= 0) {
    line = p.functions[static_cast<std::size_t>(f)].line;
  }
  if (line == 0) {
    const replay::Breakpoint b = replay::make_breakpoint(p, spec);
    const Function& fn = p.functions[b.addresses.front().fn];
    line = fn.lines[b.addresses.front().ip];
  }
  // Every run of instructions on the line, in every function.
  bool any = false;
  for (const Function& fn : p.functions)
    for (std::uint32_t ip = 0; ip < fn.code.size(); ++ip) {
      if (ip >= fn.lines.size() || fn.lines[ip] != line || (ip > 0 && fn.lines[ip - 1] == line)) continue;
      std::uint32_t end = ip;
      while (end < fn.code.size() && end < fn.lines.size() && fn.lines[end] == line) ++end;
      say("Line {} of \"{}\" starts at {}+{} and ends at {}+{}.\n", line, p.source_name, fn.name, ip, fn.name, end);
      any = true;
    }
  if (!any) say("Line {} of \"{}\" has no code.\n", line, p.source_name);
}

void Session::info_functions(std::string_view args) {
  const Program& p = cursor_.program();
  const std::optional<std::regex> re = args.empty() ? std::nullopt : std::optional<std::regex>(regex_of(args));
  std::vector<const Function*> shown;
  for (const Function& fn : p.functions)
    if (!re || std::regex_search(fn.name, *re)) shown.push_back(&fn);
  std::sort(shown.begin(), shown.end(), [](const Function* a, const Function* b) { return a->name < b->name; });
  if (re) say("Functions matching \"{}\":\n", args);
  else say("All functions:\n");
  if (shown.empty()) return;
  say("\nFile {}:\n", p.source_name);
  for (const Function* fn : shown) {
    say("{}:\tfunc {}({});\n", fn->line, fn->name, parameters_of(*fn));
  }
}

void Session::info_variables(std::string_view args) {
  const Program& p = cursor_.program();
  const std::optional<std::regex> re = args.empty() ? std::nullopt : std::optional<std::regex>(regex_of(args));
  if (re) say("Globals matching \"{}\":\n", args);
  else say("All globals:\n");
  const VmState& vm = cursor_.state();
  for (std::size_t g = 0; g < p.globals.size(); ++g)
    if (!re || std::regex_search(p.globals[g], *re))
      say("  {} = {}\n", p.globals[g], g < vm.globals.size() ? value_text(vm.globals[g]) : std::string("?"));
}

void Session::info_source() {
  const Program& p = cursor_.program();
  if (cursor_.state().depth == 0 && p.source.empty()) {
    say("No current source file.\n");
    return;
  }
  say("Current source file is {}\n", p.source_name);
  say("Contains {} lines, {} functions.\n", line_count(p), p.functions.size());
  say("Source language is pwvm assembly.\n");
  say("The source text is {} (a recording carries it, so it needs no file).\n", p.source.empty() ? "not kept" : "kept with the program");
}

}  // namespace pw::debugger
