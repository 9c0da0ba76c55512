// Canonical JSON of a VmState. nlohmann::json's default object is a std::map, so keys come
// out sorted; numbers are ints, or floats spelled as shortest round-trip strings; bytes of
// strings are mapped one-to-one onto code points 0..255 so any byte string dumps losslessly.
#include "state_dump.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <xxhash.h>

#include "object.h"
#include "state_image.h"

namespace pw {
namespace {

using nlohmann::json;

std::string float_text(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  return fmt::format("{}", f);
}

json value_json(const VmState& vm, const Value& v) {
  switch (v.type) {
    case ValueType::Nil: return nullptr;
    case ValueType::Bool: return v.b;
    case ValueType::Int: return v.i;
    case ValueType::Float: return json{{"float", float_text(v.f)}};
    case ValueType::Symbol: return json{{"symbol", vm.program().symbols[v.sym]}};
    case ValueType::Function: return json{{"function", vm.program().functions[v.fn].name}};
    default: return json{{"ref", v.obj->id}};
  }
}

json object_json(const VmState& vm, const Object* o) {
  json j;
  j["id"] = o->id;
  j["kind"] = std::string(type_name(o->kind));
  switch (o->kind) {
    case ValueType::String: j["text"] = json_safe_bytes(static_cast<const StringObj*>(o)->view()); break;
    case ValueType::Pair: {
      const auto* p = static_cast<const PairObj*>(o);
      j["car"] = value_json(vm, p->car);
      j["cdr"] = value_json(vm, p->cdr);
      break;
    }
    case ValueType::Array: {
      const auto* a = static_cast<const ArrayObj*>(o);
      json items = json::array();
      for (std::uint32_t i = 0; i < a->length; ++i) items.push_back(value_json(vm, a->items()[i]));
      j["items"] = std::move(items);
      break;
    }
    case ValueType::Closure: {
      const auto* c = static_cast<const ClosureObj*>(o);
      const Function& fn = vm.program().functions[c->fn];
      j["function"] = fn.name;
      json caps = json::object();
      for (std::uint32_t i = 0; i < c->length; ++i) caps[fn.captures[i]] = value_json(vm, c->captures()[i]);
      j["captures"] = std::move(caps);
      break;
    }
    default: break;
  }
  return j;
}

std::string_view status_name(RunStatus s) {
  switch (s) {
    case RunStatus::Ready: return "ready";
    case RunStatus::Paused: return "paused";
    case RunStatus::Halted: return "halted";
    case RunStatus::Failed: return "failed";
  }
  return "unknown";
}

json state_json(const VmState& vm) {
  const Program& p = vm.program();
  json j;
  // Versioned like every JSON output of the tools (docs/JSON.md).
  j["schema"] = "pwvm.state/1.0";
  j["status"] = std::string(status_name(vm.status));
  j["step"] = executed_steps(vm);  // a failed instruction counts: the position, as replay numbers it

  json stack = json::array();
  for (const Value* v = vm.stack; v < vm.sp; ++v) stack.push_back(value_json(vm, *v));
  j["stack"] = std::move(stack);

  json frames = json::array();
  for (std::uint32_t d = 0; d < vm.depth; ++d) {
    const Frame& f = vm.frames[d];
    const Function& fn = vm.function_of(f);
    json fj;
    fj["id"] = f.id;
    fj["function"] = fn.name;
    const std::uint32_t ip = vm.ip_index(f);
    fj["ip"] = ip;
    fj["line"] = ip < fn.lines.size() ? fn.lines[ip] : fn.line;
    fj["base"] = static_cast<std::uint64_t>(f.base - vm.stack);
    fj["result_slot"] = static_cast<std::uint64_t>(f.result_slot - vm.stack);
    fj["closure"] = f.closure ? json(f.closure->id) : json(nullptr);
    json locals = json::object();
    for (std::uint32_t i = 0; i < fn.local_count(); ++i) locals[fn.locals[i]] = value_json(vm, f.base[i]);
    fj["locals"] = std::move(locals);
    frames.push_back(std::move(fj));
  }
  j["frames"] = std::move(frames);
  if (vm.depth > 0) {
    const Frame& top = vm.top();
    j["function"] = vm.function_of(top).name;
    j["ip"] = vm.ip_index(top);
  }
  j["next_frame_id"] = vm.next_frame_id;

  json globals = json::object();
  for (std::size_t g = 0; g < p.globals.size(); ++g) globals[p.globals[g]] = value_json(vm, vm.globals[g]);
  j["globals"] = std::move(globals);

  json heap = json::array();
  for (const Object* o : vm.heap.objects()) heap.push_back(object_json(vm, o));
  j["heap"] = std::move(heap);

  json handlers = json::array();
  for (const Handler& h : vm.handlers)
    handlers.push_back({{"frame", h.frame}, {"target", h.target}, {"stack_height", h.stack_height}});
  j["handlers"] = std::move(handlers);

  // Counters only: pause times are wall-clock and would make dumps differ run to run.
  const GcStats& s = vm.heap.stats();
  j["gc"] = {{"collections", s.collections},         {"objects_allocated", s.objects_allocated},
             {"bytes_allocated", s.bytes_allocated}, {"objects_freed", s.objects_freed},
             {"bytes_freed", s.bytes_freed},         {"live_objects", s.live_objects},
             {"live_bytes", s.live_bytes},           {"next_id", vm.heap.next_id()},
             {"threshold", vm.gc_threshold},         {"bytes_since_collection", vm.heap.bytes_since_collection()}};

  j["output"] = json_safe_bytes(vm.output);
  if (vm.status == RunStatus::Halted) j["result"] = value_json(vm, vm.result);
  if (vm.status == RunStatus::Failed && vm.error) {
    const VmError& e = *vm.error;
    j["error"] = {{"kind", std::string(error_kind_name(e.kind))},
                  {"message", json_safe_bytes(e.message)},
                  {"function", e.context.function},
                  {"ip", e.context.ip},
                  {"line", e.context.line}};
    if (e.context.column != 0) j["error"]["column"] = e.context.column;  // compiled programs only
  }
  return j;
}

}  // namespace

// Strings and output are made valid UTF-8 above; names are the program's, which a trace may
// carry in any bytes: a byte that is not UTF-8 shows as U+FFFD rather than failing the dump.
std::string dump_state(const VmState& vm) {
  return state_json(vm).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string json_safe_bytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      out += c;
    } else {
      out += static_cast<char>(0xC0 | (u >> 6));
      out += static_cast<char>(0x80 | (u & 0x3F));
    }
  }
  return out;
}

std::uint64_t state_hash(const VmState& vm) { return image_hash(vm); }

}  // namespace pw
