// Which value slots the instruction about to run reads or writes: what last-write queries
// and read and access watchpoints (rwatch, awatch) compare with the place they look at.
#pragma once
#include "vm.h"

namespace pw::replay {

// The slot the instruction about to run at the top frame stores into, if it is a store.
const Value* store_target(const VmState& vm);

// Whether the instruction about to run at the top frame reads [place]: a local, global or
// capture it pushes, the car or cdr it takes, the array item it gets.
bool reads_place(const VmState& vm, const Value* place);

}  // namespace pw::replay
