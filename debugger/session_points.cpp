// Breakpoints, watchpoints and catchpoints: one numbering, as in gdb.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "command_args.h"
#include "expression.h"
#include "object.h"
#include "session.h"

namespace pw::debugger {
namespace {

// "LOCATION if COND" -> (LOCATION, COND).
std::pair<std::string_view, std::string_view> split_condition(std::string_view args) {
  args = trim(args);
  if (args.substr(0, 3) == "if " || args == "if") return {{}, trim(args.substr(2))};
  const std::size_t at = args.find(" if ");
  if (at == std::string_view::npos) return {args, {}};
  return {trim(args.substr(0, at)), trim(args.substr(at + 4))};
}

// The ids [args] names (all when empty).
std::vector<int> ids_of(std::string_view args) {
  std::vector<int> ids;
  for (std::string_view w : words(args)) {
    const auto n = parse_number(w);
    if (!n || *n == 0 || *n > 1'000'000) throw CommandError(fmt::format("\"{}\" is not a breakpoint number", w));
    ids.push_back(static_cast<int>(*n));
  }
  return ids;
}

}  // namespace

std::string_view catchpoint_text(replay::Catchpoint::On on) {
  switch (on) {
    case replay::Catchpoint::On::Throw: return "thrown";
    case replay::Catchpoint::On::Catch: return "caught";
    case replay::Catchpoint::On::Uncaught: return "thrown and not caught";
  }
  return "?";
}

void Session::add_breakpoint(std::string_view args, bool temporary) {
  auto [where, condition] = split_condition(args);
  std::string spec(where);
  if (spec.empty()) {
    // Here: the current instruction of the selected frame, as gdb's bare break.
    const VmState& vm = cursor_.state();
    if (vm.depth == 0) throw CommandError("no frame here to set a breakpoint in");
    const Frame& f = vm.frames[vm.depth - 1 - selected_frame_];
    const std::uint32_t ip = vm.ip_index(f) - (selected_frame_ > 0 ? 1 : 0);
    spec = fmt::format("*{}+{}", vm.function_of(f).name, ip);
  }
  replay::Breakpoint b = replay::make_breakpoint(cursor_.program(), spec);
  if (!condition.empty()) b.condition = replay::Expression::compile(condition, cursor_.program());
  else if (trim(args).substr(0, 2) == "if" && where.empty() && args.size() <= 3)
    throw CommandError("\"if\" needs a condition");
  b.id = next_id();
  if (temporary) temporary_.insert(b.id);
  say("{} {}: {}{}\n", temporary ? "Temporary breakpoint" : "Breakpoint", b.id, b.description,
      b.condition ? fmt::format(" if {}", b.condition->text()) : "");
  conditions_.breakpoints.push_back(std::move(b));
}

void Session::cmd_break(std::string_view args) { add_breakpoint(args, false); }
void Session::cmd_tbreak(std::string_view args) { add_breakpoint(args, true); }

namespace {

// watch -l: the place [e] names now, as an expression that keeps naming it: a heap slot by
// its object's id (#14[3], #9.car), a global by its name; a local has no place of its own
// once its frame ends, so it is watched as FUNCTION::NAME (the innermost active frame).
std::string place_now(const replay::Expression& e, const VmState& vm, std::uint32_t depth) {
  const Value* slot = e.locate_in(vm, depth);
  if (!slot) throw CommandError(fmt::format("{} names no place to watch (a variable, an item or a car or cdr)", e.text()));
  for (std::size_t g = 0; g < vm.globals.size(); ++g)
    if (slot == &vm.globals[g] && g < vm.program().globals.size()) return vm.program().globals[g];
  for (const Object* o : vm.heap.objects()) {
    if (o->kind == ValueType::Pair) {
      const auto* p = static_cast<const PairObj*>(o);
      if (slot == &p->car) return fmt::format("#{}.car", o->id);
      if (slot == &p->cdr) return fmt::format("#{}.cdr", o->id);
    } else if (o->kind == ValueType::Array) {
      const auto* a = static_cast<const ArrayObj*>(o);
      if (slot >= a->items() && slot < a->items() + a->length) return fmt::format("#{}[{}]", o->id, slot - a->items());
    } else if (o->kind == ValueType::Closure) {
      const auto* c = static_cast<const ClosureObj*>(o);
      if (slot >= c->captures() && slot < c->captures() + c->length) return fmt::format("#{}[{}]", o->id, slot - c->captures());
    }
  }
  for (std::uint32_t d = 0; d < vm.depth; ++d) {
    const Frame& f = vm.frames[d];
    const Function& fn = vm.function_of(f);
    for (std::size_t i = 0; i < fn.locals.size(); ++i)
      if (slot == f.base + i) return fmt::format("{}::{}", fn.name, fn.locals[i]);
  }
  throw CommandError(fmt::format("{} names no place that can be watched", e.text()));
}

}  // namespace

void Session::cmd_watch(std::string_view args) { add_watchpoint(args, replay::Watchpoint::Access::Change); }
void Session::cmd_rwatch(std::string_view args) { add_watchpoint(args, replay::Watchpoint::Access::Read); }
void Session::cmd_awatch(std::string_view args) { add_watchpoint(args, replay::Watchpoint::Access::Any); }

void Session::add_watchpoint(std::string_view args, replay::Watchpoint::Access access) {
  const char* command = access == replay::Watchpoint::Access::Change ? "watch"
                        : access == replay::Watchpoint::Access::Read ? "rwatch" : "awatch";
  auto [first, rest] = split_word(args);
  const bool location = first == "-l" || first == "-location";
  if (location) args = rest;
  auto [what, condition] = split_condition(args);
  if (what.empty()) throw CommandError(fmt::format("\"{}\" needs an expression", command));
  replay::Expression e = replay::Expression::compile(what, cursor_.program());
  if (location) e = replay::Expression::compile(place_now(e, cursor_.state(), selected_depth()), cursor_.program());
  else if (access != replay::Watchpoint::Access::Change && !e.locate_in(cursor_.state(), selected_depth()) &&
           cursor_.state().depth > 0)
    throw CommandError(fmt::format("{} names no place here: {} watches a variable, an item, a car or a cdr", e.text(), command));
  replay::Watchpoint w{0, true, std::move(e), std::nullopt, std::nullopt, 0};
  w.access = access;
  if (!condition.empty()) w.condition = replay::Expression::compile(condition, cursor_.program());
  w.id = next_id();
  const replay::EvalResult now = w.expression.evaluate(cursor_.state());
  const char* kind = access == replay::Watchpoint::Access::Change ? "Watchpoint"
                     : access == replay::Watchpoint::Access::Read ? "Read watchpoint" : "Access watchpoint";
  say("{} {}: {} (now {}){}\n", kind, w.id, w.expression.text(), replay::result_text(cursor_.state(), now, 80),
      w.condition ? fmt::format(" if {}", w.condition->text()) : "");
  conditions_.watchpoints.push_back(std::move(w));
}

void Session::cmd_rbreak(std::string_view args) {
  if (args.empty()) throw CommandError("\"rbreak\" needs a regular expression");
  std::regex re;
  try {
    re = std::regex(std::string(args), std::regex::extended);
  } catch (const std::regex_error& e) {
    throw CommandError(fmt::format("bad regular expression \"{}\": {}", args, e.what()));
  }
  std::size_t set = 0;
  for (const Function& fn : cursor_.program().functions) {
    if (!std::regex_search(fn.name, re)) continue;
    add_breakpoint(fn.name, false);
    ++set;
  }
  if (set == 0) say("No function matches \"{}\".\n", args);
}

bool Session::has_point(int id) const {
  const auto is = [id](const auto& p) { return p.id == id; };
  return std::any_of(conditions_.breakpoints.begin(), conditions_.breakpoints.end(), is) ||
         std::any_of(conditions_.watchpoints.begin(), conditions_.watchpoints.end(), is) ||
         std::any_of(conditions_.catchpoints.begin(), conditions_.catchpoints.end(), is);
}

void Session::cmd_ignore(std::string_view args) {
  const auto [number, count_text] = split_word(args);
  const auto id = parse_number(number);
  const auto count = parse_number(count_text);
  if (!id || !count) throw CommandError("\"ignore\" needs a breakpoint number and a count: ignore N COUNT");
  if (!has_point(static_cast<int>(std::min<std::uint64_t>(*id, INT32_MAX))))
    throw CommandError(fmt::format("no breakpoint number {}", *id));
  if (*count == 0) {
    ignore_counts_.erase(static_cast<int>(*id));
    say("Will stop next time breakpoint {} is reached.\n", *id);
  } else {
    ignore_counts_[static_cast<int>(*id)] = *count;
    say("Will ignore next {} crossing{} of breakpoint {}.\n", *count, *count == 1 ? "" : "s", *id);
  }
}

void Session::cmd_commands(std::string_view args) {
  std::vector<int> ids = ids_of(args);
  if (ids.empty()) {
    if (last_id_ == 0) throw CommandError("no breakpoints: set one before giving it commands");
    ids.push_back(last_id_);
  }
  for (int id : ids) {
    if (!has_point(id)) throw CommandError(fmt::format("no breakpoint number {}", id));
  }
  if (interactive_)
    say("Type commands for breakpoint(s) {}, one per line.\nEnd with a line saying just \"end\".\n",
        fmt::join(ids, " "));
  block_ = Block{Block::Kind::Commands, ids, {}, {}, 0};
}

void Session::cmd_save(std::string_view args) {
  const auto [what, path] = split_word(args);
  if (what.empty() || std::string_view("breakpoints").substr(0, what.size()) != what)
    throw CommandError("\"save\" saves breakpoints: save breakpoints FILE");
  if (path.empty()) throw CommandError("\"save breakpoints\" needs a file name");
  std::string text;
  struct Line {
    int id;
    std::string commands;
  };
  std::vector<Line> lines;
  for (const replay::Breakpoint& b : conditions_.breakpoints) {
    std::string l = fmt::format("{} {}", temporary_.count(b.id) ? "tbreak" : "break", b.spec);
    if (b.condition) l += fmt::format(" if {}", b.condition->text());
    lines.push_back({b.id, l});
  }
  for (const replay::Watchpoint& w : conditions_.watchpoints) {
    const char* c = w.access == replay::Watchpoint::Access::Change ? "watch"
                    : w.access == replay::Watchpoint::Access::Read ? "rwatch" : "awatch";
    lines.push_back({w.id, fmt::format("{} {}{}", c, w.expression.text(), w.condition ? " if " + w.condition->text() : "")});
  }
  for (const replay::Catchpoint& k : conditions_.catchpoints)
    lines.push_back({k.id, fmt::format("catch {}", k.on == replay::Catchpoint::On::Throw ? "throw"
                                                    : k.on == replay::Catchpoint::On::Catch ? "catch" : "uncaught")});
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.id < b.id; });
  // Numbers change when the file is read back: "$bpnum" is the one just set.
  for (const Line& l : lines) {
    text += l.commands + "\n";
    const auto enabled = [&] {
      for (const auto& b : conditions_.breakpoints) if (b.id == l.id) return b.enabled;
      for (const auto& w : conditions_.watchpoints) if (w.id == l.id) return w.enabled;
      for (const auto& k : conditions_.catchpoints) if (k.id == l.id) return k.enabled;
      return true;
    }();
    if (!enabled) text += "disable $bpnum\n";
    if (const auto ignore = ignore_counts_.find(l.id); ignore != ignore_counts_.end())
      text += fmt::format("ignore $bpnum {}\n", ignore->second);
    if (const auto list = stop_commands_.find(l.id); list != stop_commands_.end()) {
      text += "commands\n";
      for (const std::string& c : list->second) text += "  " + c + "\n";
      text += "end\n";
    }
  }
  std::FILE* f = std::fopen(std::string(path).c_str(), "w");
  if (!f) throw CommandError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !written) throw CommandError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  say("Saved {} breakpoint{} to {}.\n", lines.size(), lines.size() == 1 ? "" : "s", path);
}

void Session::cmd_catch(std::string_view args) {
  replay::Catchpoint k;
  if (args == "throw") k.on = replay::Catchpoint::On::Throw;
  else if (args == "catch") k.on = replay::Catchpoint::On::Catch;
  else if (args == "uncaught") k.on = replay::Catchpoint::On::Uncaught;
  else throw CommandError(args.empty() ? "\"catch\" needs what to catch: throw, catch or uncaught"
                                       : fmt::format("cannot catch \"{}\": throw, catch or uncaught", args));
  k.id = next_id();
  say("Catchpoint {} (exception {})\n", k.id, catchpoint_text(k.on));
  conditions_.catchpoints.push_back(k);
}

void Session::cmd_delete(std::string_view args) {
  if (const auto [what, rest] = split_word(args); what == "checkpoint" || what == "checkpoints") {
    const std::vector<int> ids = ids_of(rest);
    if (ids.empty()) checkpoints_.clear();
    for (int id : ids)
      if (checkpoints_.erase(id) == 0) throw CommandError(fmt::format("no checkpoint number {}", id));
    return;
  }
  const std::vector<int> ids = ids_of(args);
  if (ids.empty()) {
    auto on_log = std::move(conditions_.on_log);
    conditions_ = {};
    conditions_.on_log = std::move(on_log);
    temporary_.clear();
    stop_commands_.clear();
    ignore_counts_.clear();
    return;
  }
  for (int id : ids) {
    const std::size_t n = conditions_.breakpoints.size() + conditions_.watchpoints.size() + conditions_.catchpoints.size();
    std::erase_if(conditions_.breakpoints, [&](const auto& b) { return b.id == id; });
    std::erase_if(conditions_.watchpoints, [&](const auto& w) { return w.id == id; });
    std::erase_if(conditions_.catchpoints, [&](const auto& k) { return k.id == id; });
    temporary_.erase(id);
    stop_commands_.erase(id);
    ignore_counts_.erase(id);
    if (n == conditions_.breakpoints.size() + conditions_.watchpoints.size() + conditions_.catchpoints.size())
      throw CommandError(fmt::format("no breakpoint number {}", id));
  }
}

namespace {
template <class Conditions>
void set_enabled(Conditions& c, const std::vector<int>& ids, bool enabled) {
  const auto wanted = [&](int id) { return ids.empty() || std::find(ids.begin(), ids.end(), id) != ids.end(); };
  std::vector<int> found;
  for (auto& b : c.breakpoints)
    if (wanted(b.id)) b.enabled = enabled, found.push_back(b.id);
  for (auto& w : c.watchpoints)
    if (wanted(w.id)) w.enabled = enabled, found.push_back(w.id);
  for (auto& k : c.catchpoints)
    if (wanted(k.id)) k.enabled = enabled, found.push_back(k.id);
  for (int id : ids)
    if (std::find(found.begin(), found.end(), id) == found.end())
      throw CommandError(fmt::format("no breakpoint number {}", id));
}
}  // namespace

void Session::cmd_enable(std::string_view args) { set_enabled(conditions_, ids_of(args), true); }
void Session::cmd_disable(std::string_view args) { set_enabled(conditions_, ids_of(args), false); }

void Session::cmd_condition(std::string_view args) {
  const auto [number, condition] = split_word(args);
  const auto id = parse_number(number);
  if (!id) throw CommandError("\"condition\" needs a breakpoint number");
  for (replay::Breakpoint& b : conditions_.breakpoints) {
    if (b.id != static_cast<int>(*id)) continue;
    if (condition.empty()) {
      b.condition.reset();
      say("Breakpoint {} now unconditional\n", b.id);
    } else {
      b.condition = replay::Expression::compile(condition, cursor_.program());
    }
    return;
  }
  throw CommandError(fmt::format("no breakpoint number {}", *id));
}

void Session::info_breakpoints(bool watchpoints_only) {
  struct Row {
    int id;
    std::string type, disposition;
    bool enabled;
    std::string what;
    std::uint64_t hits;
  };
  std::vector<Row> rows;
  if (!watchpoints_only) {
    for (const replay::Breakpoint& b : conditions_.breakpoints)
      rows.push_back({b.id, "breakpoint", temporary_.count(b.id) ? "del" : "keep", b.enabled,
                      b.description + (b.condition ? fmt::format(" if {}", b.condition->text()) : ""), b.hits});
    for (const replay::Catchpoint& k : conditions_.catchpoints)
      rows.push_back({k.id, "catchpoint", "keep", k.enabled,
                      fmt::format("exception {}", catchpoint_text(k.on)), k.hits});
  }
  for (const replay::Watchpoint& w : conditions_.watchpoints)
    rows.push_back({w.id,
                    w.access == replay::Watchpoint::Access::Change ? "watchpoint"
                    : w.access == replay::Watchpoint::Access::Read ? "read watchpoint" : "acc watchpoint",
                    "keep", w.enabled, w.expression.text() + (w.condition ? fmt::format(" if {}", w.condition->text()) : ""),
                    w.hits});
  if (rows.empty()) {
    say("No {}.\n", watchpoints_only ? "watchpoints" : "breakpoints, watchpoints or catchpoints");
    return;
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.id < b.id; });
  say("Num  Type            Disp  Enb  What\n");
  for (const Row& r : rows) {
    say("{:<4} {:<15} {:<5} {:<4} {}\n", r.id, r.type, r.disposition, r.enabled ? "y" : "n", r.what);
    if (r.hits) say("        hit {} time{}\n", r.hits, r.hits == 1 ? "" : "s");
    if (const auto ignore = ignore_counts_.find(r.id); ignore != ignore_counts_.end())
      say("        Will ignore next {} crossing{} of breakpoint.\n", ignore->second, ignore->second == 1 ? "" : "s");
    if (const auto list = stop_commands_.find(r.id); list != stop_commands_.end())
      for (const std::string& c : list->second) say("        {}\n", c);
  }
}

}  // namespace pw::debugger
