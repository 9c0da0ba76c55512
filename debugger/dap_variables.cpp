// Scopes, values and their children for DAP clients.
#include "dap_variables.h"

#include <fmt/format.h>

#include "expression.h"
#include "object.h"
#include "printable.h"
#include "source_vars.h"

namespace pw::debugger {
namespace {

using nlohmann::json;

constexpr std::size_t kValueChars = 200;

bool expandable(const Value& v) {
  switch (v.type) {
    case ValueType::Pair: return true;
    case ValueType::Array: return as_array(v)->length > 0;
    case ValueType::Closure: return v.obj->length > 0;
    default: return false;
  }
}

bool is_parameter(const Function& fn, const SourceVar& v) {
  return v.slot == SourceVar::Slot::Local && v.index < fn.arity;
}

const Frame& frame_at(const VmState& vm, std::uint32_t index) { return vm.frames[vm.depth - 1 - index]; }

// The value stack slots frame [index] has pushed above its locals.
std::pair<std::uint32_t, std::uint32_t> operand_range(const VmState& vm, std::uint32_t index) {
  const std::uint32_t i = vm.depth - 1 - index;
  const Frame& f = vm.frames[i];
  const Value* from = f.base + vm.fn_runtime[f.fn].local_count;
  const Value* to = i + 1 < vm.depth ? vm.frames[i + 1].base : vm.sp;
  if (to < from) to = from;
  return {static_cast<std::uint32_t>(from - vm.stack), static_cast<std::uint32_t>(to - vm.stack)};
}

}  // namespace

std::int64_t VariableStore::add(Handle h) {
  handles_.push_back(h);
  return static_cast<std::int64_t>(handles_.size());
}

const VariableStore::Handle* VariableStore::find(std::int64_t reference) const {
  if (reference < 1 || static_cast<std::uint64_t>(reference) > handles_.size()) return nullptr;
  return &handles_[static_cast<std::size_t>(reference - 1)];
}

json VariableStore::describe(const VmState& vm, const Value& v) {
  json out = {{"value", replay::result_text(vm, replay::EvalResult::of(v), kValueChars)},
              {"type", std::string(type_name(v.type))},
              {"variablesReference", 0}};
  if (expandable(v)) {
    Handle h;
    h.object = v.obj;
    out["variablesReference"] = add(h);
    if (v.type == ValueType::Array) out["indexedVariables"] = as_array(v)->length;
    else out["namedVariables"] = v.type == ValueType::Pair ? 2u : v.obj->length;
  }
  return out;
}

json VariableStore::variable(const VmState& vm, std::string name, const Value& v, std::optional<std::string> place) {
  json out = describe(vm, v);
  out["name"] = std::move(name);
  if (place) out["evaluateName"] = *place;
  return out;
}


json VariableStore::scopes(const VmState& vm, std::uint32_t index) {
  const Frame& f = frame_at(vm, index);
  const Function& fn = vm.function_of(f);
  const auto locals = static_cast<std::uint32_t>(fn.locals.size());
  const std::uint32_t arity = std::min(fn.arity, locals);
  json list = json::array();
  const auto scope = [&](std::string name, ScopeKind kind, std::uint64_t named, bool expensive, std::string hint) {
    Handle h;
    h.is_scope = true;
    h.scope = kind;
    h.frame = index;
    json s = {{"name", std::move(name)}, {"variablesReference", add(h)}, {"namedVariables", named},
              {"expensive", expensive}};
    if (!hint.empty()) s["presentationHint"] = std::move(hint);
    list.push_back(std::move(s));
  };
  if (!fn.vars.empty()) {  // a source-level function: the variables in scope, by their names
    std::uint64_t params = 0, others = 0;
    for (const SourceVar* v : replay::visible_vars(fn, replay::frame_ip(vm, vm.depth - index)))
      ++(is_parameter(fn, *v) ? params : others);
    scope("Arguments", ScopeKind::Arguments, params, false, "arguments");
    scope("Locals", ScopeKind::Locals, others, false, "locals");
  } else {
    scope("Arguments", ScopeKind::Arguments, arity, false, "arguments");
    scope("Locals", ScopeKind::Locals, locals - arity, false, "locals");
    if (f.closure && !fn.captures.empty()) scope("Captures", ScopeKind::Captures, fn.captures.size(), false, "");
  }
  scope("Globals", ScopeKind::Globals, vm.program().globals.size(), false, "");
  const auto [from, to] = operand_range(vm, index);
  scope("Operand stack", ScopeKind::OperandStack, to - from, false, "registers");
  return list;
}

std::optional<json> VariableStore::variables(const VmState& vm, std::int64_t reference, const std::string& filter,
                                             std::uint64_t start, std::uint64_t count) {
  const Handle* found = find(reference);
  if (!found) return std::nullopt;
  const Handle h = *found;  // add() may move the vector
  json list = json::array();
  if (h.is_scope) {
    if (filter == "indexed") return list;
    if (h.frame >= vm.depth) return std::nullopt;
    const Frame& f = frame_at(vm, h.frame);
    const Function& fn = vm.function_of(f);
    const auto locals = static_cast<std::uint32_t>(fn.locals.size());
    const std::uint32_t arity = std::min(fn.arity, locals);
    // A name reads this frame's slot in the innermost frame; deeper frames are named through
    // their function (the innermost active call of it).
    const auto local_place = [&](const std::string& name) {
      return h.frame == 0 ? name : fn.name + "::" + name;
    };
    switch (h.scope) {
      case ScopeKind::Arguments:
      case ScopeKind::Locals: {
        const bool args = h.scope == ScopeKind::Arguments;
        if (!fn.vars.empty()) {
          for (const SourceVar* v : replay::visible_vars(fn, replay::frame_ip(vm, vm.depth - h.frame))) {
            if (is_parameter(fn, *v) != args) continue;
            const Value* place = replay::source_var_place(f, *v);
            list.push_back(variable(vm, v->name, place ? *place : Value(), local_place(v->name)));
          }
          break;
        }
        for (std::uint32_t i = args ? 0 : arity; i < (args ? arity : locals); ++i)
          list.push_back(variable(vm, fn.locals[i], f.base[i], local_place(fn.locals[i])));
        break;
      }
      case ScopeKind::Captures:
        for (std::uint32_t i = 0; f.closure && i < fn.captures.size() && i < f.closure->length; ++i)
          list.push_back(variable(vm, fn.captures[i], f.closure->captures()[i], local_place(fn.captures[i])));
        break;
      case ScopeKind::Globals: {
        const auto& names = vm.program().globals;
        for (std::size_t i = 0; i < names.size() && i < vm.globals.size(); ++i)
          list.push_back(variable(vm, names[i], vm.globals[i], "::" + names[i]));
        break;
      }
      case ScopeKind::OperandStack: {
        const auto [from, to] = operand_range(vm, h.frame);
        for (std::uint32_t k = from; k < to; ++k) {
          const std::string place = fmt::format("$stack[{}]", k);
          list.push_back(variable(vm, place, vm.stack[k], place));
        }
        break;
      }
    }
    return list;
  }
  const Object* o = h.object;
  const std::string id = fmt::format("#{}", o->id);
  switch (o->kind) {
    case ValueType::Pair: {
      if (filter == "indexed") break;
      const auto* p = static_cast<const PairObj*>(o);
      list.push_back(variable(vm, "car", p->car, id + ".car"));
      list.push_back(variable(vm, "cdr", p->cdr, id + ".cdr"));
      break;
    }
    case ValueType::Array: {
      if (filter == "named") break;
      const auto* a = static_cast<const ArrayObj*>(o);
      const std::uint64_t first = std::min<std::uint64_t>(start, a->length);
      const std::uint64_t last = count == 0 ? a->length : std::min<std::uint64_t>(a->length, first + count);
      for (std::uint64_t i = first; i < last; ++i)
        list.push_back(variable(vm, fmt::format("[{}]", i), a->items()[i], fmt::format("{}[{}]", id, i)));
      break;
    }
    case ValueType::Closure: {
      if (filter == "indexed") break;
      const auto* c = static_cast<const ClosureObj*>(o);
      const auto& fns = vm.program().functions;
      const Function* fn = c->fn < fns.size() ? &fns[c->fn] : nullptr;
      for (std::uint32_t i = 0; i < c->length; ++i) {
        const std::string name = fn && i < fn->captures.size() ? fn->captures[i] : fmt::format("capture {}", i);
        list.push_back(variable(vm, name, c->captures()[i], fmt::format("{}[{}]", id, i)));
      }
      break;
    }
    default: break;
  }
  return list;
}

std::optional<std::string> VariableStore::place_of(const VmState& vm, std::int64_t reference, const std::string& name) const {
  const Handle* h = find(reference);
  if (!h) return std::nullopt;
  if (!h->is_scope) {
    const std::string id = fmt::format("#{}", h->object->id);
    if (h->object->kind == ValueType::Pair) {
      if (name == "car" || name == "cdr") return id + "." + name;
      return std::nullopt;
    }
    if (h->object->kind == ValueType::Array && name.size() > 2 && name.front() == '[' && name.back() == ']')
      return id + name;
    if (h->object->kind == ValueType::Closure) {
      const auto* c = static_cast<const ClosureObj*>(h->object);
      const auto& fns = vm.program().functions;
      if (c->fn < fns.size())
        for (std::size_t i = 0; i < fns[c->fn].captures.size(); ++i)
          if (fns[c->fn].captures[i] == name) return fmt::format("{}[{}]", id, i);
    }
    return std::nullopt;
  }
  if (h->frame >= vm.depth) return std::nullopt;
  const Function& fn = vm.function_of(frame_at(vm, h->frame));
  switch (h->scope) {
    // A watch on a frame's variable follows that function's innermost call, wherever the
    // run goes: FUNCTION::NAME.
    case ScopeKind::Arguments:
    case ScopeKind::Locals:
    case ScopeKind::Captures: return fn.name + "::" + name;
    case ScopeKind::Globals: return "::" + name;
    case ScopeKind::OperandStack: return name;
  }
  return std::nullopt;
}

}  // namespace pw::debugger

namespace pw::debugger {

Value* VariableStore::slot_of(VmState& vm, std::int64_t reference, const std::string& name) const {
  const Handle* h = find(reference);
  if (!h) return nullptr;
  if (!h->is_scope) {
    // The objects are the VM's own; the store kept them as they were shown.
    auto* o = const_cast<Object*>(h->object);
    if (o->kind == ValueType::Pair) {
      auto* p = static_cast<PairObj*>(o);
      return name == "car" ? &p->car : name == "cdr" ? &p->cdr : nullptr;
    }
    if (o->kind == ValueType::Array && name.size() > 2 && name.front() == '[' && name.back() == ']') {
      const std::string digits = name.substr(1, name.size() - 2);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 10) return nullptr;
      const std::uint64_t i = std::stoull(digits);
      auto* a = static_cast<ArrayObj*>(o);
      return i < a->length ? a->items() + i : nullptr;
    }
    if (o->kind == ValueType::Closure) {
      auto* c = static_cast<ClosureObj*>(o);
      const auto& fns = vm.program().functions;
      if (c->fn < fns.size())
        for (std::uint32_t i = 0; i < fns[c->fn].captures.size() && i < c->length; ++i)
          if (fns[c->fn].captures[i] == name) return c->captures() + i;
    }
    return nullptr;
  }
  if (h->frame >= vm.depth) return nullptr;
  Frame& f = vm.frames[vm.depth - 1 - h->frame];
  const Function& fn = vm.function_of(f);
  const auto locals = static_cast<std::uint32_t>(fn.locals.size());
  const std::uint32_t arity = std::min(fn.arity, locals);
  switch (h->scope) {
    case ScopeKind::Arguments:
    case ScopeKind::Locals: {
      const bool args = h->scope == ScopeKind::Arguments;
      for (std::uint32_t i = args ? 0 : arity; i < (args ? arity : locals); ++i)
        if (fn.locals[i] == name) return &f.base[i];
      return nullptr;
    }
    case ScopeKind::Captures:
      for (std::uint32_t i = 0; f.closure && i < fn.captures.size() && i < f.closure->length; ++i)
        if (fn.captures[i] == name) return f.closure->captures() + i;
      return nullptr;
    case ScopeKind::Globals: {
      const auto& names = vm.program().globals;
      for (std::size_t i = 0; i < names.size() && i < vm.globals.size(); ++i)
        if (names[i] == name) return &vm.globals[i];
      return nullptr;
    }
    case ScopeKind::OperandStack: {
      const auto [from, to] = operand_range(vm, h->frame);
      for (std::uint32_t k = from; k < to; ++k)
        if (name == fmt::format("$stack[{}]", k)) return vm.stack + k;
      return nullptr;
    }
  }
  return nullptr;
}

}  // namespace pw::debugger
