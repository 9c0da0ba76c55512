// Value slots named so that the name holds in every re-execution of a run (a global, a field
// of the heap object with a given id, a local of the frame with a given id, a stack slot),
// which instruction reads or writes one, and the last write to one before a step: what an
// origin query follows through globals and the heap.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "cursor.h"
#include "vm.h"

namespace pw::replay {

struct SlotKey {
  enum class Kind : std::uint8_t { None, Global, Field, Local, Stack };
  Kind kind = Kind::None;
  ValueType type = ValueType::Nil;  // Field: the object's type (pair, array, closure)
  std::uint64_t id = 0;             // Field: the object's id; Local: the frame's id
  std::uint32_t index = 0;          // global index; field (car 0, cdr 1, item, capture); local; stack slot
  friend bool operator==(const SlotKey&, const SlotKey&) = default;
};

// The slot the instruction about to run at the top frame reads a value from (get_global,
// get_capture, car, cdr, array_get), or Kind::None.
SlotKey read_slot(const VmState& vm);
// The global or heap slot it stores into (set_global, set_capture, set_car, set_cdr,
// array_set), or Kind::None (locals are not named here: they belong to a frame).
SlotKey written_slot(const VmState& vm);

// The value the instruction about to run at the top frame stores into [slot] (a global or
// heap slot as written_slot finds them, or a local of the top frame: set_local, inc_local,
// for_next's counter), or nullopt when it does not store into it.
std::optional<Value> stored_value(const VmState& vm, const SlotKey& slot);

// The slot [place] points at in [vm]: one of its globals, a local or operand slot of its
// value stack, or a field of one of its objects; Kind::None for anything else.
SlotKey slot_of(const VmState& vm, const Value* place);
// The value in [slot] now, or nullptr when it is not there (the object was collected, the
// frame has returned).
const Value* find_slot(const VmState& vm, const SlotKey& slot);

// The expression that names [slot] at a step where it exists: "::total", "#40.cdr", "#5[6]",
// "$stack[3]"; a local, "FUNCTION::NAME" with [local_name].
std::string slot_expression(const Program& program, const SlotKey& slot, const std::string& local_name = "");
// How people read it: "global total", "pair#40.cdr", "array#5[6]", "closure#9 capture n".
std::string slot_text(const Program& program, const SlotKey& slot, const VmState* vm = nullptr);

// The last change of a global or heap slot before a position.
struct SlotWrite {
  enum class By : std::uint8_t {
    Store,     // the instruction at [position] stored into it
    Made,      // the instruction at [position] allocated its object (cons, make_closure, array_new, a call's
               // rest list), or made its frame (a call)
    Debugger,  // the debugger changed it at [position] in a live session
  } by = By::Store;
  std::uint64_t position = 0;
};

// The last write to [slot] (a Global, Field or Local) before position [before], searched
// backward a window at a time (search_backward); nullopt when nothing in the run the cursor
// holds wrote it (a global keeps its initial value, an entry-function local its nil; in a
// windowed trace, the write may be older than the window). A local is written by its own
// frame's stores and increments, and Made by the call that set its frame up. The cursor is
// left anywhere.
std::optional<SlotWrite> last_slot_write(Cursor& cursor, const SlotKey& slot, std::uint64_t before);

}  // namespace pw::replay
