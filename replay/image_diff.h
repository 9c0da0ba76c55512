// Saying what differs between two states, for divergence reports.
#pragma once
#include <string>

#include "program.h"
#include "state_image.h"

namespace pw::replay {

// The first difference between the [replayed] and the [recorded] state, in words
// ("global 'total' is int 5 in the replay but int 6 in the recording"); "" when equal.
std::string describe_difference(const Program& program, const StateImage& replayed, const StateImage& recorded);

}  // namespace pw::replay
