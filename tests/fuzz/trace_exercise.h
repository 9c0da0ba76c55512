// What the trace harnesses do with a file: open it as pwreplay would, read every chunk and
// snapshot, and replay a short stretch of it, so that what was decoded is also used.
// Refusals (TraceReadError, Divergence) are the expected answers to damage; any other
// exception, a crash or a sanitizer report is a finding.
#pragma once
#include <cstddef>
#include <cstdint>

namespace pwfuzz {

void exercise_trace(const std::uint8_t* data, std::size_t size);

}  // namespace pwfuzz
