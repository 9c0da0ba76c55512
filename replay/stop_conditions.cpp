// Resolving breakpoint specs, and following a watched expression's value.
#include "stop_conditions.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace pw::replay {
namespace {

std::optional<std::uint32_t> number(std::string_view s) {
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool names_source(const Program& p, std::string_view file) {
  const std::string_view name = p.source_name;
  if (file == name) return true;
  return name.size() > file.size() && name.substr(name.size() - file.size()) == file &&
         name[name.size() - file.size() - 1] == '/';
}

int function_named(const Program& p, std::string_view name) {
  const int f = p.find_function(std::string(name));
  if (f < 0) throw LocationError(fmt::format("no function named '{}'", name));
  return f;
}

}  // namespace

Breakpoint make_breakpoint(const Program& p, std::string_view spec) {
  Breakpoint b;
  b.spec = std::string(spec);
  std::string_view s = spec;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) throw LocationError("a breakpoint needs a location: FUNCTION, *FUNCTION+N or FILE:LINE");
  const bool star = s.front() == '*';
  if (star) s.remove_prefix(1);
  if (const auto plus = s.find('+'); plus != std::string_view::npos) {
    const int f = function_named(p, s.substr(0, plus));
    const auto ip = number(s.substr(plus + 1));
    if (!ip) throw LocationError(fmt::format("'{}' is not an instruction offset", s.substr(plus + 1)));
    if (*ip >= p.functions[f].code.size())
      throw LocationError(fmt::format("{} has {} instructions; there is no {}+{}", p.functions[f].name,
                                      p.functions[f].code.size(), p.functions[f].name, *ip));
    b.addresses.push_back({static_cast<std::uint32_t>(f), *ip});
    b.description = fmt::format("{}+{}", p.functions[f].name, *ip);
    return b;
  }
  if (star) {
    const int f = function_named(p, s);
    b.addresses.push_back({static_cast<std::uint32_t>(f), 0});
    b.description = fmt::format("{}+0", p.functions[f].name);
    return b;
  }
  const auto colon = s.rfind(':');
  const auto line = number(colon == std::string_view::npos ? s : s.substr(colon + 1));
  if (line) {
    if (colon != std::string_view::npos && !names_source(p, s.substr(0, colon)))
      throw LocationError(fmt::format("no source file '{}' (the program is {})", s.substr(0, colon), p.source_name));
    // The first line at or after [line] that has code: each run of its instructions stops once.
    std::uint32_t best = UINT32_MAX;
    for (const Function& fn : p.functions)
      for (std::uint32_t l : fn.lines)
        if (l >= *line && l < best) best = l;
    if (best == UINT32_MAX) throw LocationError(fmt::format("no code at or after line {}", *line));
    for (std::uint32_t f = 0; f < p.functions.size(); ++f) {
      const auto& lines = p.functions[f].lines;
      for (std::uint32_t ip = 0; ip < lines.size(); ++ip)
        if (lines[ip] == best && (ip == 0 || lines[ip - 1] != best)) b.addresses.push_back({f, ip});
    }
    b.description = fmt::format("{}:{}", p.source_name, best);
    if (best != *line) b.description += fmt::format(" (line {} has no code)", *line);
    return b;
  }
  const int f = function_named(p, s);
  b.addresses.push_back({static_cast<std::uint32_t>(f), 0});
  b.description = fmt::format("function {}", p.function_label(static_cast<std::uint32_t>(f)));
  return b;
}

ShownValue ShownValue::of(const VmState& vm, const EvalResult& r) {
  ShownValue s;
  s.vm_ = &vm;
  if (r.available && !r.value.is_ref()) s.value_ = r.value;
  else s.rendered_ = std::make_shared<const Rendered>(Rendered{result_text(vm, r), result_json(vm, r)});
  return s;
}

std::string ShownValue::text() const {
  if (rendered_) return rendered_->text;
  return vm_ ? result_text(*vm_, EvalResult::of(value_)) : std::string();
}

nlohmann::json ShownValue::json() const {
  if (rendered_) return rendered_->json;
  return vm_ ? result_json(*vm_, EvalResult::of(value_)) : nlohmann::json();
}

namespace {

// Instructions that may change what an expression without $stack, $sp or $step reads:
// stores into locals, globals and objects, and whatever enters or leaves a frame. The
// others only push and pop operands, allocate new objects or jump.
bool may_change_places(Op op) {
  switch (op) {
    case Op::SET_LOCAL:
    case Op::INC_LOCAL:
    case Op::SET_GLOBAL:
    case Op::SET_CAPTURE:
    case Op::SET_CAR:
    case Op::SET_CDR:
    case Op::ARRAY_SET:
    case Op::FOR_NEXT:
    case Op::CALL:
    case Op::CALL_FN:
    case Op::TAIL_CALL:
    case Op::TAIL_CALL_FN:
    case Op::RETURN:
    case Op::THROW:
    case Op::HALT: return true;
    default: return false;
  }
}

}  // namespace

bool ChangeTracker::observe(const VmState& vm, std::uint64_t position) {
  const bool running = vm.status == RunStatus::Paused;
  const Op previous = last_op_;
  last_op_ = running ? vm.top().ip->op : Op::HALT;
  // Skipping is exact: the value cannot have changed since the last position.
  if (started_ && running && !every_step_ && !may_change_places(previous) &&
      !(changed_ && std::binary_search(changed_->begin(), changed_->end(), position)))
    return false;
  EvalResult now = expression_->evaluate(vm, &frames_);
  if (!started_) {
    started_ = true;
    value_ = std::move(now);
    shown_ = ShownValue::of(vm, value_);
    return false;
  }
  if (same_result(now, value_)) return false;
  change_.position = position;
  change_.old_value = std::move(shown_);
  shown_ = ShownValue::of(vm, now);
  change_.new_value = shown_;
  value_ = std::move(now);
  return true;
}

}  // namespace pw::replay

namespace pw::replay {

bool HitCondition::holds(std::uint64_t hit) const {
  switch (op) {
    case Op::Ge: return hit >= n;
    case Op::Eq: return hit == n;
    case Op::Gt: return hit > n;
    case Op::Lt: return hit < n;
    case Op::Le: return hit <= n;
    case Op::Every: return n > 0 && hit % n == 0;
  }
  return false;
}

HitCondition parse_hit_condition(std::string_view text) {
  HitCondition h;
  h.text = std::string(text);
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  static constexpr std::pair<std::string_view, HitCondition::Op> kOps[] = {
      {">=", HitCondition::Op::Ge}, {"==", HitCondition::Op::Eq}, {"<=", HitCondition::Op::Le},
      {">", HitCondition::Op::Gt},  {"<", HitCondition::Op::Lt},  {"%", HitCondition::Op::Every},
      {"=", HitCondition::Op::Eq}};
  for (const auto& [spelling, op] : kOps) {
    if (s.substr(0, spelling.size()) == spelling) {
      h.op = op;
      s.remove_prefix(spelling.size());
      break;
    }
  }
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  const auto n = number(s);
  if (!n || (h.op == HitCondition::Op::Every && *n == 0))
    throw LocationError(fmt::format("hit condition '{}' is not a count: N, >=N, ==N, >N, <N, <=N or %N", text));
  h.n = *n;
  return h;
}

LogMessage parse_log_message(std::string_view text, const Program& program) {
  LogMessage m;
  m.text = std::string(text);
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      literal += c;
      ++i;
      continue;
    }
    if (c == '}') throw LocationError(fmt::format("log message '{}': a '}}' without its '{{' (write }}}} for a brace)", text));
    if (c != '{') {
      literal += c;
      continue;
    }
    const std::size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos)
      throw LocationError(fmt::format("log message '{}': a '{{' without its '}}' (write {{{{ for a brace)", text));
    m.literals.push_back(std::move(literal));
    literal.clear();
    m.expressions.push_back(Expression::compile(text.substr(i + 1, close - i - 1), program));
    i = close;
  }
  m.literals.push_back(std::move(literal));
  return m;
}

std::string LogMessage::format(const VmState& vm, ActiveFrames* frames) const {
  std::string out = literals[0];
  for (std::size_t i = 0; i < expressions.size(); ++i) {
    const EvalResult r = expressions[i].evaluate(vm, frames);
    // As the program's print would show it; an unavailable value says why.
    if (r.available) out += display_brief(vm, r.value, 4096);
    else out += result_text(vm, r);
    out += literals[i + 1];
  }
  return out;
}

}  // namespace pw::replay
