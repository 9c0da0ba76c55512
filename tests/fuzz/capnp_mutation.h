// Structure-aware mutation of Cap'n Proto messages, for the harnesses' custom mutators.
// One field somewhere in a message changes (a number, the bytes of a text or blob, a list's
// length or one of its items, a union's member) and the message stays well-formed, so the
// change reaches the code that reads the field instead of dying in Cap'n Proto's checks.
#pragma once
#include <cstdint>
#include <random>
#include <string>

#include <capnp/dynamic.h>

namespace pwfuzz {

using Rng = std::minstd_rand;

// Changes one field reached by a random walk down from [root]. False when the walk found
// nothing it could change.
bool mutate_one_field(capnp::DynamicStruct::Builder root, Rng& rng);

// Changes a byte string: libFuzzer's own byte mutations, or a fixed-size record of it (most
// blobs in a trace are arrays of 12-, 16-, 24- or 40-byte records) removed, repeated, or
// given a telling number (0, 1, -1, the largest, a neighbour of the old value) at an aligned
// offset.
void mutate_bytes(std::string& bytes, Rng& rng);

// A telling replacement for [old] as a [bits]-bit integer.
std::uint64_t interesting_integer(std::uint64_t old, unsigned bits, Rng& rng);

}  // namespace pwfuzz
