// The canonical form of a VmState: JSON with sorted keys and fixed number formats, and a
// 64-bit hash of the same bytes. Two states are the same exactly when their dumps are.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "vm.h"

namespace pw {

// The whole state as canonical JSON text, ending in a newline.
std::string dump_state(const VmState& vm);
// A 64-bit hash of the same content, taken over its binary image (state_image.h): cheap
// enough to take at every snapshot. Equal dumps give equal hashes.
std::uint64_t state_hash(const VmState& vm);

// Bytes as JSON-safe text, the way dumps show strings: bytes 0x80..0xFF become U+0080..U+00FF
// (Latin-1 to UTF-8), lossless and always valid UTF-8.
std::string json_safe_bytes(std::string_view bytes);

}  // namespace pw
