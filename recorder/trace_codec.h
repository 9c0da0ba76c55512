// Converting the runtime's structures to and from their trace.capnp form. Shared by the
// writer and the reader so the two cannot drift apart. Readers treat input as untrusted:
// every read_* checks sizes and indices and throws TraceFormatError.
#pragma once
#include <stdexcept>
#include <string>

#include "errors.h"
#include "program.h"
#include "state_image.h"
#include "trace.capnp.h"

namespace pw::trace {

class TraceFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Text fields may hold any byte, NUL included (a thrown string lands in an error message):
// write and read them with their length. kj's conversion from std::string and cStr() both
// stop at the first NUL.
inline capnp::Text::Reader text_ref(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }
inline std::string text_of(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

void write_program(Program::Builder out, const pw::Program& program, std::uint64_t hash);
// The program as recorded, assembled structures only; the caller verifies it.
pw::Program read_program(Program::Reader in);
// The program hash recorded in headers: XXH3-64 of its disassembly.
std::uint64_t program_hash(const pw::Program& program);

// A snapshot of [image]: its big arrays packed (snapshot_packing.h) when the image is laid
// out as capture_state lays it out, else plain.
struct PackedBytes;
void write_snapshot(Snapshot::Builder out, const StateImage& image, std::uint64_t hash);
// A snapshot of [image]'s state but for its values and objects, which [packed] holds
// (pack_state): referenced by the message, so it must outlive it.
void write_packed_snapshot(Snapshot::Builder out, const StateImage& image, std::uint64_t hash,
                           const PackedBytes& packed);
StateImage read_snapshot_image(Snapshot::Reader in);
// The same into [image], reusing its buffers (a packed snapshot's arrays keep theirs).
void read_snapshot_image(Snapshot::Reader in, StateImage& image);

void write_error(Error::Builder out, const VmError& error);
VmError read_error(Error::Reader in);

}  // namespace pw::trace
