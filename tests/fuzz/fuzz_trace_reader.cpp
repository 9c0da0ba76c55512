// Fuzzes the trace reader on raw bytes: the magic, the framing, the checksums, the index
// and trailer, and the scan that rebuilds a missing index. Mutations of the bytes mostly die
// at a checksum; fuzz_trace_records.cpp mutates the records behind the checksums.
#include <cstddef>
#include <cstdint>

#include "trace_exercise.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pwfuzz::exercise_trace(data, size);
  return 0;
}
