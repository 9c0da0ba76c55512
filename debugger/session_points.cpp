// Breakpoints, watchpoints and catchpoints: one numbering, as in gdb.
#include <algorithm>

#include <fmt/format.h>

#include "command_args.h"
#include "expression.h"
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

void Session::cmd_watch(std::string_view args) {
  if (args.empty()) throw CommandError("\"watch\" needs an expression");
  replay::Watchpoint w{0, true, replay::Expression::compile(args, cursor_.program()), std::nullopt, std::nullopt, 0};
  w.id = next_id();
  const replay::EvalResult now = w.expression.evaluate(cursor_.state());
  say("Watchpoint {}: {} (now {})\n", w.id, w.expression.text(), replay::result_text(cursor_.state(), now, 80));
  conditions_.watchpoints.push_back(std::move(w));
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
  const std::vector<int> ids = ids_of(args);
  if (ids.empty()) {
    conditions_ = {};
    temporary_.clear();
    return;
  }
  for (int id : ids) {
    const std::size_t n = conditions_.breakpoints.size() + conditions_.watchpoints.size() + conditions_.catchpoints.size();
    std::erase_if(conditions_.breakpoints, [&](const auto& b) { return b.id == id; });
    std::erase_if(conditions_.watchpoints, [&](const auto& w) { return w.id == id; });
    std::erase_if(conditions_.catchpoints, [&](const auto& k) { return k.id == id; });
    temporary_.erase(id);
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
    rows.push_back({w.id, "watchpoint", "keep", w.enabled, w.expression.text(), 0});
  if (rows.empty()) {
    say("No {}.\n", watchpoints_only ? "watchpoints" : "breakpoints, watchpoints or catchpoints");
    return;
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.id < b.id; });
  say("Num  Type        Disp  Enb  What\n");
  for (const Row& r : rows) {
    say("{:<4} {:<11} {:<5} {:<4} {}\n", r.id, r.type, r.disposition, r.enabled ? "y" : "n", r.what);
    if (r.hits) say("        hit {} time{}\n", r.hits, r.hits == 1 ? "" : "s");
  }
}

}  // namespace pw::debugger
