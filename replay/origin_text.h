// An origin chain (origin.h) for people and for programs: text, one line per link, the
// operands of a computation indented under it; JSON, one object per link (docs/JSON.md,
// pwvm.origin). pwreplay origin and the debugger's origin command print these.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "origin.h"

namespace pw::replay {

// The chain as lines of text; they may hold any byte the program's names hold. [shell]:
// quote the places of "origin STEP PLACE" for a shell (pwreplay), not for the debugger.
std::string origin_text(const Program& program, const Origin& origin, bool shell);
nlohmann::json origin_json(const Program& program, const Origin& origin);

}  // namespace pw::replay
