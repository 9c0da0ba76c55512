// A VmState as plain data: references as object ids, pointers as indices. It is what a
// snapshot stores and what a replayer restores, and its canonical hash is state_hash().
// Structs here have no padding, so their bytes can be hashed as they are.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "vm.h"

namespace pw {

struct ValueImage {
  std::uint64_t type = 0;    // a ValueType
  std::int64_t payload = 0;  // int; double bits; symbol; function; or object id for references
  friend bool operator==(const ValueImage&, const ValueImage&) = default;
};

struct ObjectImage {
  std::uint64_t id = 0;
  std::uint32_t kind = 0;   // a ValueType: String, Pair, Array or Closure
  std::uint32_t fn = 0;     // closures: the function
  std::uint32_t first = 0;  // strings: offset in bytes; others: index in slots
  std::uint32_t count = 0;  // strings: length; pairs: 2; arrays: length; closures: captures
  friend bool operator==(const ObjectImage&, const ObjectImage&) = default;
};

struct FrameImage {
  std::uint64_t id = 0;
  std::uint64_t base = 0;         // stack index of its first local
  std::uint64_t result_slot = 0;  // stack index its result goes to
  std::uint64_t closure = 0;      // object id of its closure, 0 for none
  std::uint32_t fn = 0;
  std::uint32_t ip = 0;           // instruction index in fn where it resumes
  friend bool operator==(const FrameImage&, const FrameImage&) = default;
};

struct HandlerImage {
  std::uint32_t frame = 0;
  std::uint32_t target = 0;
  std::uint32_t stack_height = 0;
  friend bool operator==(const HandlerImage&, const HandlerImage&) = default;
};

// The deterministic GC counters (pause times are wall-clock and left out).
struct GcCountersImage {
  std::uint64_t collections = 0, objects_allocated = 0, bytes_allocated = 0, objects_freed = 0,
                bytes_freed = 0, live_objects = 0, live_bytes = 0, peak_live_bytes = 0, next_id = 0,
                threshold = 0, bytes_since_collection = 0;
  friend bool operator==(const GcCountersImage&, const GcCountersImage&) = default;
};

struct StateImage {
  std::uint64_t step = 0;
  std::uint32_t status = 0;  // a RunStatus
  std::uint64_t next_frame_id = 0;
  std::vector<ValueImage> stack;
  std::vector<FrameImage> frames;
  std::vector<ValueImage> globals;
  std::vector<HandlerImage> handlers;
  std::vector<ObjectImage> objects;  // live objects in id order
  std::vector<ValueImage> slots;     // pair car+cdr, array items, closure captures
  std::string bytes;                 // string contents
  GcCountersImage gc;
  std::string output;
  ValueImage result;
  std::optional<VmError> error;      // the failure of a failed state
  friend bool operator==(const StateImage&, const StateImage&) = default;
};

class StateImageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

StateImage capture_state(const VmState& vm);
// The same into [out], reusing its buffers: what a recorder taking many snapshots wants.
void capture_state(const VmState& vm, StateImage& out);
// What capture_state takes but the values and objects: the stack, the globals, the objects,
// their slots and string bytes stay empty (a packed capture, recorder/snapshot_packing.h,
// takes those in its own form).
void capture_state_except_values(const VmState& vm, StateImage& out);
// A value as an image holds it (a reference as its object's id).
ValueImage image_of(const Value& v);
// Checks that [image] is a state [vm]'s program could be in under [vm]'s limits: frames,
// operand depths and exception handlers as the verifier computed them, every reference and
// index in range, the heap exactly what its counters say. Throws StateImageError naming the
// first problem ("frame 3 of fib has 2 values, the verifier allows 1").
void check_state_image(const VmState& vm, const StateImage& image);
// How far restore_state trusts an image: one read from a file is checked first; one this
// process captured, or restored once already into a VM of the same program and config, is
// known to fit, and checking it again would cost about as much as the restore.
enum class ImageTrust { Unchecked, Checked };
// Makes [vm] (built from the same program and config) the state of [image], after
// check_state_image unless [trust] says it was: throws StateImageError, before touching
// [vm], when it does not fit.
void restore_state(VmState& vm, const StateImage& image, ImageTrust trust = ImageTrust::Unchecked);
// XXH3-64 over the image's canonical bytes.
std::uint64_t image_hash(const StateImage& image);
// image_hash(capture_state(vm)), without building the image: checking a replayed state
// against a snapshot's hash then reads the heap once more instead of copying it.
std::uint64_t image_hash(const VmState& vm);

}  // namespace pw
