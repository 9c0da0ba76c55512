// Packing a state image's arrays into varints and back.
#include "snapshot_packing.h"

#include <cstring>

#include <fmt/format.h>

#include "object.h"
#include "trace_codec.h"

namespace pw::trace {
namespace {

// Heap types: a value of one of them holds an object id.
bool is_reference(std::uint64_t type) {
  return type == static_cast<std::uint64_t>(ValueType::String) || type == static_cast<std::uint64_t>(ValueType::Pair) ||
         type == static_cast<std::uint64_t>(ValueType::Array) || type == static_cast<std::uint64_t>(ValueType::Closure);
}

std::uint64_t zigzag(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }
std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }

// Writes through a pointer into room made beforehand (pack_image knows the most each part
// can take): a string's append per byte cost more than the packing itself.
class Packer {
 public:
  explicit Packer(char* at) : p_(at) {}
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      *p_++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<char>(v);
  }
  void byte(std::uint64_t b) { *p_++ = static_cast<char>(b); }
  // A value; a reference as the difference from [base] (the id of the object holding it).
  void value(const ValueImage& v, std::uint64_t base) {
    *p_++ = static_cast<char>(v.type);
    if (v.type == static_cast<std::uint64_t>(ValueType::Float)) {
      std::memcpy(p_, &v.payload, 8);
      p_ += 8;
    } else if (is_reference(v.type)) {
      varint(zigzag(static_cast<std::int64_t>(static_cast<std::uint64_t>(v.payload) - base)));
    } else {
      varint(zigzag(v.payload));
    }
  }
  char* at() const { return p_; }

 private:
  char* p_;
};

// The most bytes packing can take: a varint is at most 10 bytes, a value 11, an object's
// header 10 + 1 + 10 + 10.
constexpr std::size_t kMaxValue = 11;
constexpr std::size_t kMaxObject = 31;

class Unpacker {
 public:
  explicit Unpacker(std::string_view in) : in_(in) {}
  [[noreturn]] void fail(const char* what) const {
    throw TraceFormatError(fmt::format("packed snapshot: {} at byte {}", what, pos_));
  }
  std::uint64_t varint() {
    // Most are one byte: a small id step, a count, a nearby reference.
    if (pos_ < in_.size() && !(static_cast<std::uint8_t>(in_[pos_]) & 0x80))
      return static_cast<std::uint8_t>(in_[pos_++]);
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) fail("it ends inside a number");
      const auto b = static_cast<std::uint8_t>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("a number is too long");
  }
  // A count of things each taking at least [min_bytes] more: bounded by what is left.
  std::uint64_t count(std::size_t min_bytes) {
    const std::uint64_t n = varint();
    if (n > (in_.size() - pos_) / min_bytes) fail("a count is larger than the data");
    return n;
  }
  ValueImage value(std::uint64_t base) {
    if (pos_ >= in_.size()) fail("it ends inside a value");
    ValueImage v;
    v.type = static_cast<std::uint8_t>(in_[pos_++]);
    if (v.type == static_cast<std::uint64_t>(ValueType::Float)) {
      if (in_.size() - pos_ < 8) fail("it ends inside a float");
      std::memcpy(&v.payload, in_.data() + pos_, 8);
      pos_ += 8;
    } else if (is_reference(v.type)) {
      v.payload = static_cast<std::int64_t>(base + static_cast<std::uint64_t>(unzigzag(varint())));
    } else {
      v.payload = unzigzag(varint());
    }
    return v;
  }
  std::uint8_t byte() {
    if (pos_ >= in_.size()) fail("it ends inside an object");
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace

namespace {

// The most bytes the packed image can take.
std::size_t packed_bound(const StateImage& image) {
  return 40 + (image.stack.size() + image.globals.size() + image.slots.size()) * kMaxValue +
         image.objects.size() * kMaxObject;
}

// Packs into [at], which has packed_bound() bytes; returns the end, or nullptr when the
// image is laid out otherwise.
char* pack_into(const StateImage& image, char* at) {
  // Every slot and byte belongs to an object, and every value's type fits a byte.
  const auto narrow = [](const std::vector<ValueImage>& values) {
    for (const ValueImage& v : values)
      if (v.type > 0xFF) return false;
    return true;
  };
  if (!narrow(image.stack) || !narrow(image.globals) || !narrow(image.slots)) return nullptr;
  Packer p(at);
  p.varint(image.stack.size());
  p.varint(image.globals.size());
  p.varint(image.objects.size());
  p.varint(image.slots.size());
  for (const ValueImage& v : image.stack) p.value(v, 0);
  for (const ValueImage& v : image.globals) p.value(v, 0);
  std::uint64_t last_id = 0;
  std::uint64_t next_slot = 0;
  std::uint64_t next_byte = 0;
  for (const ObjectImage& o : image.objects) {
    const bool string = o.kind == static_cast<std::uint32_t>(ValueType::String);
    const bool closure = o.kind == static_cast<std::uint32_t>(ValueType::Closure);
    // Ids ascend, each object's contents follow the previous one's, and only a closure has
    // a function.
    if ((last_id && o.id <= last_id) || o.kind > 0xFF || o.first != (string ? next_byte : next_slot) ||
        (!string && o.count > image.slots.size() - next_slot) || (string && o.count > image.bytes.size() - next_byte) ||
        (!closure && o.fn != 0))
      return nullptr;
    p.varint(o.id - last_id);
    p.byte(o.kind);
    if (closure) p.varint(o.fn);
    p.varint(o.count);
    if (string) {
      next_byte += o.count;
    } else {
      for (std::uint64_t i = next_slot; i < next_slot + o.count; ++i) p.value(image.slots[i], o.id);
      next_slot += o.count;
    }
    last_id = o.id;
  }
  if (next_slot != image.slots.size() || next_byte != image.bytes.size()) return nullptr;
  return p.at();
}

}  // namespace

bool pack_image(const StateImage& image, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + packed_bound(image));
  char* end = pack_into(image, out.data() + start);
  out.resize(end ? static_cast<std::size_t>(end - out.data()) : start);
  return end != nullptr;
}

namespace {

// Makes room for [more] bytes after the first [used] of [out], keeping them.
char* room(PackedBytes& out, std::size_t used, std::size_t more) {
  if (used + more + 8 <= out.capacity) return out.data.get() + used;
  const std::size_t capacity = 2 * (used + more + 8);
  auto grown = std::make_unique_for_overwrite<char[]>(capacity);
  if (used) std::memcpy(grown.get(), out.data.get(), used);
  out.data = std::move(grown);
  out.capacity = capacity;
  return out.data.get() + used;
}

}  // namespace

void pack_state(const VmState& vm, StateImage& image, PackedBytes& out) {
  image.bytes.clear();
  const std::size_t stack = vm.stack_size(), globals = vm.globals.size();
  // The objects first, after room for the most the head can take: the head counts the
  // slots, known once the objects are packed; then it goes in front of them.
  const std::size_t head_room = 40 + (stack + globals) * kMaxValue;
  std::size_t used = head_room;
  room(out, 0, head_room);
  std::uint64_t last_id = 0;
  std::uint64_t slots = 0;
  for (const Object* o : vm.heap.objects()) {
    const std::uint32_t count = o->kind == ValueType::Pair ? 2 : o->length;
    Packer q(room(out, used, kMaxObject + (o->kind == ValueType::String ? 0 : count * kMaxValue)));
    q.varint(o->id - last_id);
    q.byte(static_cast<std::uint64_t>(o->kind));
    if (o->kind == ValueType::Closure) q.varint(static_cast<const ClosureObj*>(o)->fn);
    q.varint(count);
    if (o->kind == ValueType::String) {
      image.bytes.append(static_cast<const StringObj*>(o)->view());
    } else {
      each_slot(o, [&](const Value& v) { q.value(image_of(v), o->id); });
      slots += count;
    }
    used = static_cast<std::size_t>(q.at() - out.data.get());
    last_id = o->id;
  }
  std::vector<char> head(head_room);
  Packer h(head.data());
  h.varint(stack);
  h.varint(globals);
  h.varint(vm.heap.objects().size());
  h.varint(slots);
  for (const Value* v = vm.stack; v < vm.sp; ++v) h.value(image_of(*v), 0);
  for (const Value& v : vm.globals) h.value(image_of(v), 0);
  const auto head_size = static_cast<std::size_t>(h.at() - head.data());
  std::memmove(out.data.get() + head_size, out.data.get() + head_room, used - head_room);
  std::memcpy(out.data.get(), head.data(), head_size);
  out.size = head_size + used - head_room;
  std::memset(out.data.get() + out.size, 0, 8);
}

bool pack_image(const StateImage& image, PackedBytes& out) {
  const std::size_t bound = packed_bound(image) + 8;
  if (out.capacity < bound) {
    out.data = std::make_unique_for_overwrite<char[]>(bound + bound / 4);
    out.capacity = bound + bound / 4;
  }
  char* end = pack_into(image, out.data.get());
  out.size = end ? static_cast<std::size_t>(end - out.data.get()) : 0;
  std::memset(out.data.get() + out.size, 0, 8);
  return end != nullptr;
}

void unpack_image(std::string_view packed, StateImage& image) {
  Unpacker u(packed);
  const std::uint64_t stack = u.count(2);
  const std::uint64_t globals = u.count(2);
  const std::uint64_t objects = u.count(3);
  const std::uint64_t slots = u.count(2);
  image.stack.clear();
  image.globals.clear();
  image.objects.clear();
  image.slots.clear();
  // A reused image (a recorder's, hashing its snapshots) grows with the heap: twice what is
  // needed makes that a rare copy into fresh pages (reserving touches none).
  const auto reserve = [](auto& v, std::size_t n) {
    if (v.capacity() < n) v.reserve(2 * n);
  };
  reserve(image.stack, stack);
  reserve(image.globals, globals);
  reserve(image.objects, objects);
  reserve(image.slots, slots);
  image.stack.resize(stack);
  for (ValueImage& v : image.stack) v = u.value(0);
  image.globals.resize(globals);
  for (ValueImage& v : image.globals) v = u.value(0);
  std::uint64_t id = 0;
  std::uint64_t next_byte = 0;
  for (std::uint64_t i = 0; i < objects; ++i) {
    ObjectImage o;
    const std::uint64_t step = u.varint();
    if (step == 0 && i > 0) u.fail("object ids do not ascend");
    if (step > UINT64_MAX - id) u.fail("an object id overflows");
    id += step;
    o.id = id;
    o.kind = u.byte();
    if (o.kind == static_cast<std::uint32_t>(ValueType::Closure)) o.fn = static_cast<std::uint32_t>(u.varint());
    const bool string = o.kind == static_cast<std::uint32_t>(ValueType::String);
    const std::uint64_t count = string ? u.varint() : u.count(2);
    if (count > UINT32_MAX) u.fail("an object is too large");
    o.count = static_cast<std::uint32_t>(count);
    if (string) {
      if (next_byte > UINT32_MAX) u.fail("the strings are too large");
      o.first = static_cast<std::uint32_t>(next_byte);
      next_byte += count;
    } else {
      const std::size_t first = image.slots.size();
      if (first > UINT32_MAX) u.fail("the slots are too many");
      o.first = static_cast<std::uint32_t>(first);
      if (count > slots - first) u.fail("the objects hold more slots than there are");
      image.slots.resize(first + count);
      for (std::size_t k = first; k < first + count; ++k) image.slots[k] = u.value(id);
    }
    image.objects.push_back(o);
  }
  if (image.slots.size() != slots) u.fail("the objects hold fewer slots than there are");
  // The strings' bytes are stored as they are, beside the packed arrays.
  if (next_byte != image.bytes.size()) u.fail("the strings' lengths do not add up to their bytes");
  if (!u.done()) u.fail("bytes are left over");
}

}  // namespace pw::trace
