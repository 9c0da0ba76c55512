// The compact form of a snapshot's big arrays (format 1.5, Snapshot.packed): the stack, the
// globals, the objects and their slots as varints, with what a state image spells out but
// can be told from the order left out. Objects are laid out in id order and their slots
// (or string bytes) one after another, so an object's id is a small step from the last
// one and its first slot is where the previous object's ended; a reference from a slot is
// stored relative to the object that holds it, and objects mostly point at their
// neighbours. A bintrees snapshot packs to about a fifth of its image, which is most of
// what zstd then has less to do, on the writer thread.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "state_image.h"

namespace pw::trace {

// Appends the packed stack, globals, objects and slots of [image] to [out] and returns
// true; false (and [out] as it was) when the image is not laid out as capture_state lays
// it out (then the snapshot keeps the plain arrays).
bool pack_image(const StateImage& image, std::string& out);

// A buffer that grows without being zeroed first (the writer thread packs tens of
// megabytes), with 8 zero bytes after the data: a message that references it is written
// in whole words.
struct PackedBytes {
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
  std::size_t capacity = 0;
};
// pack_image into [out], replacing what it held.
bool pack_image(const StateImage& image, PackedBytes& out);

// pack_image(capture_state(vm)) without the image: into [out] (replacing what it held), and
// the string bytes into [image].bytes (replacing them). With capture_state_except_values,
// what a recorder takes on the interpreter's thread: about a seventh of an image's bytes,
// so a fraction of its fresh pages.
void pack_state(const VmState& vm, StateImage& image, PackedBytes& out);

// Fills [image]'s stack, globals, objects and slots from [packed]. Throws TraceFormatError
// (trace_codec.h) when it is malformed.
void unpack_image(std::string_view packed, StateImage& image);

}  // namespace pw::trace
