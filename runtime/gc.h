// The collector's policy: the one allocation entry, its triggers and limits, and the roots.
#pragma once
#include <cstddef>
#include <cstdint>

#include "errors.h"
#include "vm.h"

namespace pw {

// Allocate an object, collecting first when the byte debt says so (or always, in stress
// mode). On failure returns nullptr and stores why in [failure]: HeapExhausted, GcDisabled
// or MemoryError. The caller must have flushed vm.sp so every live value is a root.
Object* allocate_object(VmState& vm, ValueType kind, std::size_t bytes, std::uint32_t length,
                        ErrorKind* failure);

// A full mark-and-sweep collection.
void collect_garbage(VmState& vm, GcTrigger trigger = GcTrigger::Explicit);

}  // namespace pw
