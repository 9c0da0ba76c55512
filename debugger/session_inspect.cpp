// Looking at the state: frames, values, the stack, the heap and the collector.
#include <algorithm>
#include <array>
#include <map>

#include <fmt/format.h>

#include "colour.h"
#include "command_args.h"
#include "expression.h"
#include "object.h"
#include "session.h"
#include "source_vars.h"

namespace pw::debugger {

std::string Session::value_text(const Value& v, std::size_t max) const {
  return replay::result_text(cursor_.state(), replay::EvalResult::of(v), max);
}

std::uint32_t Session::selected_depth() const { return cursor_.state().depth - selected_frame_; }

std::string Session::frame_text(std::uint32_t index) const {
  const VmState& vm = cursor_.state();
  const Frame& f = vm.frames[vm.depth - 1 - index];
  const Function& fn = vm.function_of(f);
  const std::uint32_t ip = replay::frame_ip(vm, vm.depth - index);  // a caller's call
  const std::uint32_t line = fn.line_at(ip);
  const std::string args = replay::frame_arguments_text(vm, f, 40);
  const std::uint32_t column = fn.column_at(ip);
  if (cursor_.program().compiled && line == 0) return fmt::format("{} ({})", fn.display_name(), args);
  if (cursor_.program().compiled && column)
    return fmt::format("{} ({}) at {}:{}:{}", fn.display_name(), args, cursor_.program().source_name, line, column);
  return fmt::format("{} ({}) at {}:{}", fn.display_name(), args, cursor_.program().source_name, line);
}

void Session::print_source_line(std::uint32_t line) {
  if (line == 0 && cursor_.program().compiled) return;  // library code: no source
  std::string text = cursor_.program().source_line(line);
  say("{}\t{}\n", line, text);
}

void Session::print_where() {
  const VmState& vm = cursor_.state();
  if (vm.depth == 0 || selected_frame_ >= vm.depth) {
    say("[step {}]\n", cursor_.position());
    return;
  }
  {
    const term::Painted stop_line(out_, term::Style::Stop);
    say("[step {}] {}\n", cursor_.position(), frame_text(selected_frame_));
  }
  const Frame& f = vm.frames[vm.depth - 1 - selected_frame_];
  const Function& fn = vm.function_of(f);
  std::uint32_t ip = vm.ip_index(f);
  if (selected_frame_ > 0 && ip > 0) --ip;
  const term::Painted current_line(out_, term::Style::CurrentLine);
  print_source_line(ip < fn.lines.size() ? fn.lines[ip] : fn.line);
}

void Session::cmd_backtrace(std::string_view args) {
  // backtrace [full] [N | -N]: the innermost N frames, or the outermost N; full adds locals.
  const VmState& vm = cursor_.state();
  bool full = false;
  std::optional<std::int64_t> limit;
  for (std::string_view w : words(args)) {
    if (w == "full" || w == "-full") {
      full = true;
      continue;
    }
    const bool outermost = w.front() == '-';
    const auto n = parse_number(outermost ? w.substr(1) : w);
    if (!n || *n > UINT32_MAX) throw CommandError(fmt::format("\"{}\" is not a number of frames (N, -N or full)", w));
    limit = outermost ? -static_cast<std::int64_t>(*n) : static_cast<std::int64_t>(*n);
  }
  if (vm.depth == 0) {
    say("No frames: the entry function has returned.\n");
    return;
  }
  std::uint32_t from = 0, to = vm.depth;
  if (limit && *limit >= 0) to = static_cast<std::uint32_t>(std::min<std::int64_t>(*limit, vm.depth));
  if (limit && *limit < 0) from = vm.depth - static_cast<std::uint32_t>(std::min<std::int64_t>(-*limit, vm.depth));
  for (std::uint32_t i = from; i < to; ++i) {
    say("{}#{:<3}{}\n", i == selected_frame_ ? "*" : " ", i, frame_text(i));
    if (!full) continue;
    const Frame& f = vm.frames[vm.depth - 1 - i];
    const Function& fn = vm.function_of(f);
    if (fn.locals.size() <= fn.arity && !f.closure) say("        No locals.\n");
    for (std::size_t l = fn.arity; l < fn.locals.size(); ++l) say("        {} = {}\n", fn.locals[l], value_text(f.base[l]));
    if (f.closure)
      for (std::size_t c = 0; c < fn.captures.size() && c < f.closure->length; ++c)
        say("        {} = {} (captured)\n", fn.captures[c], value_text(f.closure->captures()[c]));
  }
  if (to < vm.depth) say("(More stack frames follow: {} in all)\n", vm.depth);
  if (from > 0) say("({} inner frames not shown: {} in all)\n", from, vm.depth);
}

void Session::cmd_frame(std::string_view args) {
  const VmState& vm = cursor_.state();
  if (!args.empty()) {
    const auto n = parse_number(args);
    if (!n) throw CommandError(fmt::format("\"{}\" is not a frame number", args));
    if (*n >= vm.depth) throw CommandError(fmt::format("no frame {}: the stack has {} frame{}", *n, vm.depth, vm.depth == 1 ? "" : "s"));
    selected_frame_ = static_cast<std::uint32_t>(*n);
  }
  if (vm.depth == 0) throw CommandError("no frames: the entry function has returned");
  say("#{:<3}", selected_frame_);
  print_where();
}

void Session::cmd_up(std::string_view args) {
  const auto n = args.empty() ? std::optional<std::uint64_t>(1) : parse_number(args);
  if (!n) throw CommandError(fmt::format("\"{}\" is not a number of frames", args));
  const VmState& vm = cursor_.state();
  if (vm.depth == 0 || selected_frame_ + 1 >= vm.depth) throw CommandError("Initial frame selected; you cannot go up.");
  selected_frame_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(selected_frame_ + *n, vm.depth - 1));
  cmd_frame({});
}

void Session::cmd_down(std::string_view args) {
  const auto n = args.empty() ? std::optional<std::uint64_t>(1) : parse_number(args);
  if (!n) throw CommandError(fmt::format("\"{}\" is not a number of frames", args));
  if (selected_frame_ == 0) throw CommandError("Bottom (innermost) frame selected; you cannot go down.");
  selected_frame_ = static_cast<std::uint32_t>(*n >= selected_frame_ ? 0 : selected_frame_ - *n);
  cmd_frame({});
}

void Session::cmd_print(std::string_view args) {
  if (args.empty()) throw CommandError("\"print\" needs an expression");
  const replay::Expression e = replay::Expression::compile(args, cursor_.program());
  const replay::EvalResult r = e.evaluate_in(cursor_.state(), selected_depth());
  if (!r.available) throw CommandError(fmt::format("cannot evaluate {}: {}", e.text(), r.reason));
  say("{} = {}\n", e.text(), format_ ? formatted(r.value) : replay::result_text(cursor_.state(), r, 2000));
}

void Session::cmd_display(std::string_view args) {
  if (args.empty()) return show_displays();
  displays_.push_back(Display{++last_display_, replay::Expression::compile(args, cursor_.program())});
  show_display(displays_.back());
}

void Session::cmd_undisplay(std::string_view args) {
  if (args.empty()) {
    displays_.clear();
    return;
  }
  for (std::string_view w : words(args)) {
    const auto n = parse_number(w);
    const auto before = displays_.size();
    if (n) std::erase_if(displays_, [&](const Display& d) { return d.id == static_cast<int>(*n); });
    if (!n || displays_.size() == before) throw CommandError(fmt::format("no display number {}", w));
  }
}

void Session::show_displays() {
  for (const Display& d : displays_) show_display(d);
}

void Session::show_display(const Display& d) {
  const replay::EvalResult r = d.expression.evaluate_in(cursor_.state(), selected_depth());
  say("{}: {} = {}\n", d.id, d.expression.text(), replay::result_text(cursor_.state(), r, 200));
}

void Session::cmd_info(std::string_view args) {
  const auto [what, rest] = split_word(args);
  // (A plain copy for the lambda: clang 14 cannot capture a structured binding.)
  const auto is = [&, what = what](std::string_view full, std::size_t shortest) {
    return what.size() >= shortest && full.substr(0, what.size()) == what;
  };
  if (what.empty()) throw CommandError("\"info\" needs what: breakpoints, watchpoints, locals, args, globals, stack, heap, gc, frame, program, "
                             "output, display");
  if (is("breakpoints", 1)) return info_breakpoints(false);
  if (is("watchpoints", 3)) return info_breakpoints(true);
  if (is("locals", 2)) return info_locals(false);
  if (is("args", 2)) return info_locals(true);
  if (is("globals", 2)) return info_globals();
  if (is("stack", 1)) return info_stack();
  if (is("heap", 1)) return info_heap();
  if (is("gc", 2)) return info_gc();
  if (is("frame", 1)) return info_frame();
  if (is("program", 1)) return info_program();
  if (is("output", 1)) return info_output(rest);
  if (is("line", 2)) return info_line(rest);
  if (is("functions", 2)) return info_functions(rest);
  if (is("variables", 1)) return info_variables(rest);
  if (is("source", 2)) return info_source();
  if (is("checkpoints", 2)) return info_checkpoints();
  if (is("display", 1)) {
    if (displays_.empty()) say("No displays.\n");
    for (const Display& d : displays_) say("{}: {}\n", d.id, d.expression.text());
    return;
  }
  throw CommandError(fmt::format("undefined info command \"{}\"; try \"help info\"", what));
}

void Session::info_locals(bool arguments) {
  const VmState& vm = cursor_.state();
  if (vm.depth == 0) throw CommandError("no frame selected");
  const Frame& f = vm.frames[vm.depth - 1 - selected_frame_];
  const Function& fn = vm.function_of(f);
  if (!fn.vars.empty()) {  // a source-level function: the variables in scope, by their names
    bool any = false;
    for (const SourceVar* v : replay::visible_vars(fn, replay::frame_ip(vm, selected_depth()))) {
      const bool parameter = v->slot == SourceVar::Slot::Local && v->index < fn.arity;
      if (parameter != arguments) continue;
      const Value* place = replay::source_var_place(f, *v);
      say("{} = {}{}\n", v->name, place ? value_text(*place) : "<unavailable>",
          v->slot == SourceVar::Slot::Capture ? " (captured)" : "");
      any = true;
    }
    if (!any) say("No {}.\n", arguments ? "arguments" : "locals");
    return;
  }
  const std::uint32_t from = arguments ? 0 : fn.arity;
  const std::uint32_t to = arguments ? std::min<std::uint32_t>(fn.arity, static_cast<std::uint32_t>(fn.locals.size()))
                                     : static_cast<std::uint32_t>(fn.locals.size());
  if (from >= to) {
    say("No {}.\n", arguments ? "arguments" : "locals");
    return;
  }
  for (std::uint32_t i = from; i < to; ++i) say("{} = {}\n", fn.locals[i], value_text(f.base[i]));
  if (!arguments && f.closure) {
    for (std::size_t i = 0; i < fn.captures.size() && i < f.closure->length; ++i)
      say("{} = {} (captured)\n", fn.captures[i], value_text(f.closure->captures()[i]));
  }
}

void Session::info_globals() {
  const VmState& vm = cursor_.state();
  const auto& names = cursor_.program().globals;
  if (names.empty()) {
    say("No globals.\n");
    return;
  }
  for (std::size_t i = 0; i < names.size() && i < vm.globals.size(); ++i) say("{} = {}\n", names[i], value_text(vm.globals[i]));
}

void Session::info_stack() {
  // The operand stack of the selected frame: what it has pushed above its locals.
  const VmState& vm = cursor_.state();
  if (vm.depth == 0) throw CommandError("no frame selected");
  const std::uint32_t index = vm.depth - 1 - selected_frame_;
  const Frame& f = vm.frames[index];
  const Value* from = f.base + vm.fn_runtime[f.fn].local_count;
  const Value* to = index + 1 < vm.depth ? vm.frames[index + 1].base : vm.sp;
  if (to < from) to = from;
  if (from == to) {
    say("The operand stack of {} is empty ({} values in the whole stack).\n", vm.function_of(f).name, vm.stack_size());
    return;
  }
  say("Operand stack of {}, top first ({} values in the whole stack):\n", vm.function_of(f).name, vm.stack_size());
  for (const Value* v = to; v-- > from;) say("  [{}] {}\n", to - 1 - v, value_text(*v));
}

void Session::info_heap() {
  const VmState& vm = cursor_.state();
  std::map<std::string_view, std::pair<std::uint64_t, std::uint64_t>> by_kind;  // count, bytes
  for (const Object* o : vm.heap.objects()) {
    auto& k = by_kind[type_name(o->kind)];
    ++k.first;
    k.second += Heap::object_bytes(o);
  }
  const GcStats& s = vm.heap.stats();
  say("Live objects: {} ({} bytes; peak {} bytes); next object id {}\n", s.live_objects, s.live_bytes, s.peak_live_bytes,
      vm.heap.next_id());
  for (const auto& [kind, figures] : by_kind) say("  {:<8} {:>10} objects {:>12} bytes\n", kind, figures.first, figures.second);
  say("Allocated since the start: {} objects, {} bytes\n", s.objects_allocated, s.bytes_allocated);
  say("Next collection after {} more bytes (limit {} bytes)\n",
      vm.gc_threshold > vm.heap.bytes_since_collection() ? vm.gc_threshold - vm.heap.bytes_since_collection() : 0,
      vm.config().limits.max_heap);
}

void Session::info_gc() {
  const VmState& vm = cursor_.state();
  const GcStats& s = vm.heap.stats();
  say("Collections: {}\n", s.collections);
  say("Freed: {} objects, {} bytes\n", s.objects_freed, s.bytes_freed);
  say("Live: {} objects, {} bytes (peak {} bytes)\n", s.live_objects, s.live_bytes, s.peak_live_bytes);
  say("Pause: {:.3f} ms in all, {:.3f} ms at most{}\n", s.total_pause_ns / 1e6, s.max_pause_ns / 1e6,
      live_ ? "" : " (measured when the run was recorded)");
  say("Collector: {}{}\n", vm.config().gc.enabled ? "on" : "off", vm.config().gc.stress ? ", stress mode" : "");
}

void Session::info_frame() {
  const VmState& vm = cursor_.state();
  if (vm.depth == 0) throw CommandError("no frame selected");
  const Frame& f = vm.frames[vm.depth - 1 - selected_frame_];
  say("Frame {} (call {} of the run), depth {} of {}\n", selected_frame_, f.id, vm.depth - selected_frame_, vm.depth);
  say("  {}\n", frame_text(selected_frame_));
  say("  next instruction: {}+{}\n", vm.function_of(f).name, vm.ip_index(f));
  if (f.closure) say("  running closure #{}\n", f.closure->id);
}

void Session::info_output(std::string_view args) {
  // What the program had printed by this step (in a recorded session nothing is printed
  // again as the replay passes it): the last N lines.
  std::uint64_t want = 10;
  if (!args.empty()) {
    const auto n = parse_number(args);
    if (!n || *n == 0) throw CommandError(fmt::format("\"{}\" is not a number of lines", args));
    want = *n;
  }
  const std::string& out = cursor_.state().output;
  if (out.empty()) {
    say("Nothing printed by step {}.\n", cursor_.position());
    return;
  }
  std::string_view text(out);
  if (text.back() == '\n') text.remove_suffix(1);
  std::size_t from = 0;
  std::uint64_t seen = 0;
  for (std::size_t i = text.size(); i-- > 0;)
    if (text[i] == '\n' && ++seen == want) {
      from = i + 1;
      break;
    }
  say_lines(text.substr(from));
  say("\n");
}

void Session::info_program() {
  const VmState& vm = cursor_.state();
  std::string status;
  switch (vm.status) {
    case RunStatus::Halted: status = fmt::format("halted with {}", value_text(vm.result)); break;
    case RunStatus::Failed: status = vm.error ? fmt::format("failed: {}", vm.error->headline()) : "failed"; break;
    default: status = "paused"; break;
  }
  say("{} run, at step {} of {}{}: {}\n", live_ ? "Live" : "Recorded", cursor_.position(), cursor_.end(),
      cursor_.finished() ? "" : " reached so far", status);
}

}  // namespace pw::debugger
