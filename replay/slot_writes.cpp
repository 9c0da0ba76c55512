// Slots by stable names, the reads and writes of the next instruction, and the backward
// search for the last write to a global or a heap slot.
#include "slot_writes.h"

#include <fmt/format.h>

#include <algorithm>

#include "object.h"

namespace pw::replay {
namespace {

SlotKey field(const Value& object, std::uint32_t index) {
  return {SlotKey::Kind::Field, object.type, object.obj->id, index};
}

// The item [index] of the array [a], when it is one and the index is in range.
SlotKey item(const Value& a, const Value& index) {
  if (a.type != ValueType::Array || !index.is_int()) return {};
  if (static_cast<std::uint64_t>(index.i) >= as_array(a)->length) return {};
  return field(a, static_cast<std::uint32_t>(index.i));
}

bool same_bits(const Value& a, const Value& b) { return a.tag_word == b.tag_word && a.i == b.i; }

// The live object with id [id] (the heap lists its objects in id order), or nullptr.
Object* find_object(const VmState& vm, std::uint64_t id) {
  const auto& objects = vm.heap.objects();
  const auto it = std::lower_bound(objects.begin(), objects.end(), id,
                                   [](const Object* o, std::uint64_t want) { return o->id < want; });
  return it == objects.end() || (*it)->id != id ? nullptr : *it;
}

}  // namespace

SlotKey read_slot(const VmState& vm) {
  const Frame& f = vm.top();
  const Instr& in = *f.ip;
  const Value* sp = vm.sp;
  switch (in.op) {
    case Op::GET_GLOBAL:
      return {SlotKey::Kind::Global, ValueType::Nil, 0, in.a};
    case Op::GET_CAPTURE:
      if (!f.closure) return {};
      return {SlotKey::Kind::Field, ValueType::Closure, f.closure->id, in.a};
    case Op::CAR:
    case Op::CDR:
      if (sp[-1].type != ValueType::Pair) return {};
      return field(sp[-1], in.op == Op::CAR ? 0 : 1);
    case Op::ARRAY_GET:
      return item(sp[-2], sp[-1]);
    default:
      return {};
  }
}

SlotKey written_slot(const VmState& vm) {
  const Frame& f = vm.top();
  const Instr& in = *f.ip;
  const Value* sp = vm.sp;
  switch (in.op) {
    case Op::SET_GLOBAL:
      return {SlotKey::Kind::Global, ValueType::Nil, 0, in.a};
    case Op::SET_CAPTURE:
      if (!f.closure) return {};
      return {SlotKey::Kind::Field, ValueType::Closure, f.closure->id, in.a};
    case Op::SET_CAR:
    case Op::SET_CDR:
      if (sp[-2].type != ValueType::Pair) return {};
      return field(sp[-2], in.op == Op::SET_CAR ? 0 : 1);
    case Op::ARRAY_SET:
      return item(sp[-3], sp[-2]);
    default:
      return {};
  }
}

std::optional<Value> stored_value(const VmState& vm, const SlotKey& slot) {
  const Frame& f = vm.top();
  const Instr& in = *f.ip;
  if (slot.kind != SlotKey::Kind::Local) {
    if (slot.kind == SlotKey::Kind::None || written_slot(vm) != slot) return std::nullopt;
    return vm.sp[-1];
  }
  if (f.id != slot.id || in.a != slot.index) return std::nullopt;
  const Value& now = f.base[in.a];
  std::int64_t next = 0;
  switch (in.op) {
    case Op::SET_LOCAL:
      return vm.sp[-1];
    case Op::INC_LOCAL:
      if (!now.is_int() || __builtin_add_overflow(now.i, std::int64_t{in.b}, &next)) return now;  // it fails
      return Value::integer(next);
    case Op::FOR_NEXT:
      if (!now.is_int() || now.i == INT64_MAX) return now;
      return Value::integer(now.i + 1);
    default:
      return std::nullopt;
  }
}

SlotKey slot_of(const VmState& vm, const Value* place) {
  if (!place) return {};
  if (place >= vm.globals.data() && place < vm.globals.data() + vm.globals.size())
    return {SlotKey::Kind::Global, ValueType::Nil, 0, static_cast<std::uint32_t>(place - vm.globals.data())};
  if (place >= vm.stack && place < vm.sp) {
    for (std::uint32_t d = vm.depth; d > 0; --d) {
      const Frame& f = vm.frames[d - 1];
      const std::uint32_t locals = vm.function_of(f).local_count();
      if (place >= f.base && place < f.base + locals)
        return {SlotKey::Kind::Local, ValueType::Nil, f.id, static_cast<std::uint32_t>(place - f.base)};
    }
    return {SlotKey::Kind::Stack, ValueType::Nil, 0, static_cast<std::uint32_t>(place - vm.stack)};
  }
  for (const Object* o : vm.heap.objects()) {
    const Value* first = nullptr;
    std::uint32_t count = 0;
    switch (o->kind) {
      case ValueType::Pair:
        first = &static_cast<const PairObj*>(o)->car;
        count = 2;
        break;
      case ValueType::Array:
        first = static_cast<const ArrayObj*>(o)->items();
        count = o->length;
        break;
      case ValueType::Closure:
        first = static_cast<const ClosureObj*>(o)->captures();
        count = o->length;
        break;
      default:
        continue;
    }
    if (place >= first && place < first + count)
      return {SlotKey::Kind::Field, o->kind, o->id, static_cast<std::uint32_t>(place - first)};
  }
  return {};
}

const Value* find_slot(const VmState& vm, const SlotKey& slot) {
  switch (slot.kind) {
    case SlotKey::Kind::None:
      return nullptr;
    case SlotKey::Kind::Global:
      return slot.index < vm.globals.size() ? &vm.globals[slot.index] : nullptr;
    case SlotKey::Kind::Stack:
      return slot.index < vm.stack_size() ? vm.stack + slot.index : nullptr;
    case SlotKey::Kind::Local:
      for (std::uint32_t d = vm.depth; d > 0; --d) {
        const Frame& f = vm.frames[d - 1];
        if (f.id == slot.id) return slot.index < vm.function_of(f).local_count() ? f.base + slot.index : nullptr;
      }
      return nullptr;
    case SlotKey::Kind::Field: {
      Object* o = find_object(vm, slot.id);
      if (!o) return nullptr;
      switch (o->kind) {
        case ValueType::Pair: {
          auto* p = static_cast<PairObj*>(o);
          return slot.index == 0 ? &p->car : slot.index == 1 ? &p->cdr : nullptr;
        }
        case ValueType::Array:
          return slot.index < o->length ? static_cast<ArrayObj*>(o)->items() + slot.index : nullptr;
        case ValueType::Closure:
          return slot.index < o->length ? static_cast<ClosureObj*>(o)->captures() + slot.index : nullptr;
        default:
          return nullptr;
      }
    }
  }
  return nullptr;
}

std::string slot_expression(const Program& program, const SlotKey& slot, const std::string& local_name) {
  switch (slot.kind) {
    case SlotKey::Kind::None:
      return "";
    case SlotKey::Kind::Global:
      return slot.index < program.globals.size() ? "::" + program.globals[slot.index]
                                                 : fmt::format("global#{}", slot.index);
    case SlotKey::Kind::Stack:
      return fmt::format("$stack[{}]", slot.index);
    case SlotKey::Kind::Local:
      return local_name;
    case SlotKey::Kind::Field:
      if (slot.type == ValueType::Pair) return fmt::format("#{}.{}", slot.id, slot.index == 0 ? "car" : "cdr");
      return fmt::format("#{}[{}]", slot.id, slot.index);
  }
  return "";
}

std::string slot_text(const Program& program, const SlotKey& slot, const VmState* vm) {
  switch (slot.kind) {
    case SlotKey::Kind::None:
      return "";
    case SlotKey::Kind::Global:
      return "global " +
             (slot.index < program.globals.size() ? program.globals[slot.index] : fmt::format("#{}", slot.index));
    case SlotKey::Kind::Stack:
      return fmt::format("stack slot {}", slot.index);
    case SlotKey::Kind::Local:
      return fmt::format("local {}", slot.index);
    case SlotKey::Kind::Field:
      switch (slot.type) {
        case ValueType::Pair:
          return fmt::format("pair#{}.{}", slot.id, slot.index == 0 ? "car" : "cdr");
        case ValueType::Array:
          return fmt::format("array#{}[{}]", slot.id, slot.index);
        case ValueType::Closure: {
          // The capture's name, when the closure is still there to say which function it runs.
          const Object* o = vm ? find_object(*vm, slot.id) : nullptr;
          if (o && o->kind == ValueType::Closure) {
            const Function& fn = program.functions.at(static_cast<const ClosureObj*>(o)->fn);
            if (slot.index < fn.captures.size())
              return fmt::format("closure#{} capture {}", slot.id, fn.captures[slot.index]);
          }
          return fmt::format("closure#{}[{}]", slot.id, slot.index);
        }
        default:
          return fmt::format("#{}[{}]", slot.id, slot.index);
      }
  }
  return "";
}

namespace {

// Records the latest write to one slot before [before]: a store into it, the allocation of
// its object, or (at a position where a live session changed the state) a change no
// instruction made.
class LastSlotWriteVisitor : public StepVisitor {
 public:
  LastSlotWriteVisitor(const SlotKey& slot, std::uint64_t before, const std::vector<std::uint64_t>& changed)
      : slot_(slot), before_(before), changed_(changed) {}
  bool visit(const VmState& vm, std::uint64_t position) override {
    if (started_ && position - 1 < before_) {
      // Ids are handed out in order: the object (or the frame) came to be in the
      // instruction just run.
      if (slot_.kind == SlotKey::Kind::Field && next_id_ <= slot_.id && slot_.id < vm.heap.next_id())
        note(SlotWrite::By::Made, position - 1, position - 1);
      if (slot_.kind == SlotKey::Kind::Local && next_frame_id_ <= slot_.id && slot_.id < vm.next_frame_id)
        note(SlotWrite::By::Made, position - 1, position - 1);
      if (watching_change_) {
        const Value* now = find_slot(vm, slot_);
        const bool differs = !now ? had_value_ : !had_value_ || !same_bits(*now, value_);
        if (differs) note(SlotWrite::By::Debugger, position, position - 1);
      }
    }
    started_ = true;
    next_id_ = vm.heap.next_id();
    next_frame_id_ = vm.next_frame_id;
    watching_change_ = false;
    if (vm.status != RunStatus::Paused || vm.depth == 0) return false;
    const std::optional<Value> stored = stored_value(vm, slot_);
    if (position < before_ && stored) note(SlotWrite::By::Store, position, position);
    // A change from outside at the next position shows as a value other than the one the
    // slot will hold after the instruction: what it holds now, or what the instruction stores.
    if (!changed_.empty() && std::binary_search(changed_.begin(), changed_.end(), position + 1)) {
      watching_change_ = true;
      const Value* v = find_slot(vm, slot_);
      had_value_ = v != nullptr;
      if (stored)
        value_ = *stored;
      else if (v)
        value_ = *v;
    }
    return false;
  }
  // The latest write found, and the position that orders it (a change the debugger made
  // at position P sorts as if the instruction before P had made it).
  std::optional<SlotWrite> found;
  std::uint64_t order = 0;

 private:
  void note(SlotWrite::By by, std::uint64_t position, std::uint64_t order_key) {
    if (found && order_key < order) return;
    found = SlotWrite{by, position};
    order = order_key;
  }
  SlotKey slot_;
  std::uint64_t before_;
  const std::vector<std::uint64_t>& changed_;
  bool started_ = false;
  std::uint64_t next_id_ = 0;
  std::uint64_t next_frame_id_ = 0;
  bool watching_change_ = false;
  bool had_value_ = false;
  Value value_;
};

}  // namespace

std::optional<SlotWrite> last_slot_write(Cursor& cursor, const SlotKey& slot, std::uint64_t before) {
  if (slot.kind == SlotKey::Kind::None || slot.kind == SlotKey::Kind::Stack) return std::nullopt;
  const std::vector<std::uint64_t> changed = cursor.changed_positions();
  std::optional<SlotWrite> found;
  search_backward(
      cursor, before, [&] { return LastSlotWriteVisitor(slot, before, changed); },
      [&](const LastSlotWriteVisitor& v) -> std::optional<std::uint64_t> {
        if (!v.found) return std::nullopt;
        found = v.found;
        return v.order;
      });
  return found;
}

}  // namespace pw::replay
