// Capturing, restoring and hashing the plain-data form of a VmState.
#include "state_image.h"

#include <cstring>

#include <fmt/format.h>
#include <xxhash.h>

#include "object.h"
#include "object_id_table.h"

namespace pw {

ValueImage image_of(const Value& v) {
  ValueImage out;
  out.type = static_cast<std::uint64_t>(v.type);
  if (v.is_ref()) out.payload = static_cast<std::int64_t>(v.obj->id);
  else if (v.type == ValueType::Float) std::memcpy(&out.payload, &v.f, sizeof(double));
  else if (v.type == ValueType::Bool) out.payload = v.b ? 1 : 0;
  else if (v.type == ValueType::Symbol) out.payload = v.sym;
  else if (v.type == ValueType::Function) out.payload = v.fn;
  else out.payload = v.type == ValueType::Int ? v.i : 0;
  return out;
}

namespace {

// An object's entry in an image, its contents starting at [slots] (pairs, arrays, closures)
// or [bytes] (strings): what capture_state stores and image_hash of a state hashes unstored.
ObjectImage object_image(const Object* o, std::uint64_t slots, std::uint64_t bytes) {
  ObjectImage oi;
  oi.id = o->id;
  oi.kind = static_cast<std::uint32_t>(o->kind);
  oi.count = o->length;
  switch (o->kind) {
    case ValueType::String: oi.first = static_cast<std::uint32_t>(bytes); break;
    case ValueType::Pair:
      oi.first = static_cast<std::uint32_t>(slots);
      oi.count = 2;
      break;
    case ValueType::Closure:
      oi.fn = static_cast<const ClosureObj*>(o)->fn;
      oi.first = static_cast<std::uint32_t>(slots);
      break;
    case ValueType::Array: oi.first = static_cast<std::uint32_t>(slots); break;
    default: break;
  }
  return oi;
}

}  // namespace

StateImage capture_state(const VmState& vm) {
  StateImage img;
  capture_state(vm, img);
  return img;
}

void capture_state_except_values(const VmState& vm, StateImage& img) {
  img.stack.clear();
  img.globals.clear();
  img.objects.clear();
  img.slots.clear();
  img.bytes.clear();
  img.frames.clear();
  img.handlers.clear();
  img.step = vm.step;
  img.status = static_cast<std::uint32_t>(vm.status);
  img.next_frame_id = vm.next_frame_id;
  for (std::uint32_t d = 0; d < vm.depth; ++d) {
    const Frame& f = vm.frames[d];
    img.frames.push_back({f.id, static_cast<std::uint64_t>(f.base - vm.stack),
                          static_cast<std::uint64_t>(f.result_slot - vm.stack), f.closure ? f.closure->id : 0, f.fn,
                          vm.ip_index(f)});
  }
  for (const Handler& h : vm.handlers) img.handlers.push_back({h.frame, h.target, h.stack_height});
  const GcStats& s = vm.heap.stats();
  img.gc = {s.collections, s.objects_allocated, s.bytes_allocated, s.objects_freed, s.bytes_freed,  s.live_objects,
            s.live_bytes,  s.peak_live_bytes,   vm.heap.next_id(),  vm.gc_threshold, vm.heap.bytes_since_collection()};
  img.output = vm.output;
  img.result = image_of(vm.result);
  img.error = vm.error;
}

void capture_state(const VmState& vm, StateImage& img) {
  capture_state_except_values(vm, img);
  img.stack.reserve(vm.stack_size());
  for (const Value* v = vm.stack; v < vm.sp; ++v) img.stack.push_back(image_of(*v));
  for (const Value& v : vm.globals) img.globals.push_back(image_of(v));
  // Reused images grow with the heap: reserving twice what is needed makes that a rare copy
  // into fresh pages (reserving touches none). Slots hold at most a value per 16 bytes of
  // live heap.
  const auto reserve = [](auto& v, std::size_t n) {
    if (v.capacity() < n) v.reserve(2 * n);
  };
  reserve(img.objects, vm.heap.objects().size());
  reserve(img.slots, vm.heap.stats().live_bytes / sizeof(Value));
  for (const Object* o : vm.heap.objects()) {
    img.objects.push_back(object_image(o, img.slots.size(), img.bytes.size()));
    if (o->kind == ValueType::String) img.bytes.append(static_cast<const StringObj*>(o)->view());
    each_slot(o, [&](const Value& v) { img.slots.push_back(image_of(v)); });
  }
}

void restore_state(VmState& vm, const StateImage& img, ImageTrust trust) {
  // Everything that becomes a pointer or an index is checked before the VM is touched.
  // The index and the objects made are kept from one restore to the next, as their pages.
  static thread_local ObjectIdTable ids;
  static thread_local std::vector<Object*> made;
  if (trust == ImageTrust::Checked) object_ids(img, ids);
  else checked_object_ids(vm, img, ids);
  std::vector<std::uint64_t> constant_ids(vm.constants.size(), 0);
  for (std::size_t i = 0; i < vm.constants.size(); ++i)
    if (vm.constants[i].is_ref()) constant_ids[i] = vm.constants[i].obj->id;

  // Rebuild the heap with the recorded ids; made[i] is the object of img.objects[i].
  vm.heap.reset();
  made.assign(img.objects.size(), nullptr);
  auto object = [&](std::uint64_t id) { return made[ids.find(id)]; };
  for (const ObjectImage& o : img.objects) {
    const auto kind = static_cast<ValueType>(o.kind);
    Object* obj =
        vm.heap.allocate_restored(kind, object_bytes(kind, o.count), kind == ValueType::Pair ? 0 : o.count, o.id);
    if (!obj) throw std::bad_alloc();
    if (kind == ValueType::String) std::memcpy(static_cast<StringObj*>(obj)->chars(), img.bytes.data() + o.first, o.count);
    if (kind == ValueType::Closure) static_cast<ClosureObj*>(obj)->fn = o.fn;
    made[static_cast<std::size_t>(&o - img.objects.data())] = obj;
  }
  auto value_of = [&](const ValueImage& v) {
    const auto t = static_cast<ValueType>(v.type);
    if (t >= ValueType::String) return Value::object(t, object(static_cast<std::uint64_t>(v.payload)));
    switch (t) {
      case ValueType::Bool: return Value::boolean(v.payload != 0);
      case ValueType::Int: return Value::integer(v.payload);
      case ValueType::Float: {
        double d;
        std::memcpy(&d, &v.payload, sizeof d);
        return Value::number(d);
      }
      case ValueType::Symbol: return Value::symbol(static_cast<std::uint32_t>(v.payload));
      case ValueType::Function: return Value::function(static_cast<std::uint32_t>(v.payload));
      default: return Value();
    }
  };
  for (const ObjectImage& o : img.objects) {
    Object* obj = made[static_cast<std::size_t>(&o - img.objects.data())];
    // Strings have no slots, and an empty object may have none to point at: slots.data() can
    // be null, and even a zero offset from null is undefined.
    if (o.kind == static_cast<std::uint32_t>(ValueType::String) || o.count == 0) continue;
    const ValueImage* s = img.slots.data() + o.first;
    switch (static_cast<ValueType>(o.kind)) {
      case ValueType::Pair:
        static_cast<PairObj*>(obj)->car = value_of(s[0]);
        static_cast<PairObj*>(obj)->cdr = value_of(s[1]);
        break;
      case ValueType::Array:
        for (std::uint32_t i = 0; i < o.count; ++i) static_cast<ArrayObj*>(obj)->items()[i] = value_of(s[i]);
        break;
      case ValueType::Closure:
        for (std::uint32_t i = 0; i < o.count; ++i) static_cast<ClosureObj*>(obj)->captures()[i] = value_of(s[i]);
        break;
      default: break;
    }
  }
  for (std::size_t i = 0; i < vm.constants.size(); ++i)
    if (constant_ids[i]) vm.constants[i] = Value::object(ValueType::String, object(constant_ids[i]));

  for (std::size_t i = 0; i < img.stack.size(); ++i) vm.stack[i] = value_of(img.stack[i]);
  vm.sp = vm.stack + img.stack.size();
  for (std::size_t d = 0; d < img.frames.size(); ++d) {
    const FrameImage& fi = img.frames[d];
    Frame& f = vm.frames[d];
    f.id = fi.id;
    f.fn = fi.fn;
    f.code = vm.fn_runtime[fi.fn].code;
    f.base = vm.stack + fi.base;
    f.result_slot = vm.stack + fi.result_slot;
    f.closure = fi.closure ? static_cast<ClosureObj*>(object(fi.closure)) : nullptr;
    f.ip = vm.fn_runtime[fi.fn].code + fi.ip;
  }
  vm.depth = static_cast<std::uint32_t>(img.frames.size());
  for (std::size_t g = 0; g < img.globals.size(); ++g) vm.globals[g] = value_of(img.globals[g]);
  vm.handlers.clear();
  for (const HandlerImage& h : img.handlers) vm.handlers.push_back({h.frame, h.target, h.stack_height});
  vm.next_frame_id = img.next_frame_id;
  vm.step = img.step;
  vm.status = static_cast<RunStatus>(img.status);
  vm.output = img.output;
  vm.result = value_of(img.result);
  vm.error = img.error;
  vm.temp_roots.clear();
  GcStats stats;
  stats.collections = img.gc.collections;
  stats.objects_allocated = img.gc.objects_allocated;
  stats.bytes_allocated = img.gc.bytes_allocated;
  stats.objects_freed = img.gc.objects_freed;
  stats.bytes_freed = img.gc.bytes_freed;
  stats.live_objects = img.gc.live_objects;
  stats.live_bytes = img.gc.live_bytes;
  stats.peak_live_bytes = img.gc.peak_live_bytes;
  vm.heap.restore_bookkeeping(img.gc.next_id, img.gc.bytes_since_collection, stats);
  vm.gc_threshold = img.gc.threshold;
}

std::uint64_t image_hash(const StateImage& img) {
  XXH3_state_t* st = XXH3_createState();
  XXH3_64bits_reset(st);
  auto put = [&](const void* p, std::size_t n) { XXH3_64bits_update(st, p, n); };
  auto put_u64 = [&](std::uint64_t v) { put(&v, sizeof v); };
  // Each part is prefixed by its length, so no two different images share a byte stream.
  auto put_vec = [&](const auto& v) {
    put_u64(v.size());
    if (!v.empty()) put(v.data(), v.size() * sizeof(v[0]));
  };
  put_u64(img.step);
  put_u64(img.status);
  put_u64(img.next_frame_id);
  put_vec(img.stack);
  put_vec(img.frames);
  put_vec(img.globals);
  put_vec(img.handlers);
  put_vec(img.objects);
  put_vec(img.slots);
  put_vec(img.bytes);
  put(&img.gc, sizeof img.gc);
  put_vec(img.output);
  put(&img.result, sizeof img.result);
  // A failed state's error, as the canonical dump shows it. Part of trace format 1.0: this
  // function must never change, or recorded snapshot hashes stop matching.
  if (img.error) {
    put_u64(static_cast<std::uint64_t>(img.error->kind));
    put_vec(img.error->message);
    put_vec(img.error->context.function);
    put_u64(img.error->context.ip);
    put_u64(img.error->context.line);
  }
  const std::uint64_t h = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  return h;
}

namespace {

// Feeds XXH3 through a buffer: the state comes in pieces of a few bytes each, and the hash
// of a byte stream does not depend on how it is cut.
class HashStream {
 public:
  HashStream() : state_(XXH3_createState()) { XXH3_64bits_reset(state_); }
  ~HashStream() { XXH3_freeState(state_); }
  HashStream(const HashStream&) = delete;
  HashStream& operator=(const HashStream&) = delete;

  void put(const void* p, std::size_t n) {
    if (used_ + n > sizeof buffer_) flush();
    if (n > sizeof buffer_) {
      XXH3_64bits_update(state_, p, n);
      return;
    }
    std::memcpy(buffer_ + used_, p, n);
    used_ += n;
  }
  void put_u64(std::uint64_t v) { put(&v, sizeof v); }
  template <class T>
  void put_plain(const T& v) {
    put(&v, sizeof v);
  }
  std::uint64_t digest() {
    flush();
    return XXH3_64bits_digest(state_);
  }

 private:
  void flush() {
    XXH3_64bits_update(state_, buffer_, used_);
    used_ = 0;
  }
  XXH3_state_t* state_;
  std::size_t used_ = 0;
  char buffer_[1 << 14];
};

}  // namespace

// The same bytes in the same order as image_hash(capture_state(vm)): each part of the image
// with its length first, the objects' slots and string bytes after all the objects.
std::uint64_t image_hash(const VmState& vm) {
  HashStream h;
  h.put_u64(vm.step);
  h.put_u64(static_cast<std::uint32_t>(vm.status));
  h.put_u64(vm.next_frame_id);
  h.put_u64(static_cast<std::uint64_t>(vm.sp - vm.stack));
  for (const Value* v = vm.stack; v < vm.sp; ++v) h.put_plain(image_of(*v));
  h.put_u64(vm.depth);
  for (std::uint32_t d = 0; d < vm.depth; ++d) {
    const Frame& f = vm.frames[d];
    h.put_plain(FrameImage{f.id, static_cast<std::uint64_t>(f.base - vm.stack),
                           static_cast<std::uint64_t>(f.result_slot - vm.stack), f.closure ? f.closure->id : 0, f.fn,
                           vm.ip_index(f)});
  }
  h.put_u64(vm.globals.size());
  for (const Value& v : vm.globals) h.put_plain(image_of(v));
  h.put_u64(vm.handlers.size());
  for (const Handler& x : vm.handlers) h.put_plain(HandlerImage{x.frame, x.target, x.stack_height});
  const auto& objects = vm.heap.objects();
  h.put_u64(objects.size());
  std::uint64_t slots = 0, bytes = 0;
  for (const Object* o : objects) {
    const ObjectImage oi = object_image(o, slots, bytes);
    h.put_plain(oi);
    if (o->kind == ValueType::String) bytes += oi.count;
    else if (o->kind == ValueType::Pair || o->kind == ValueType::Array || o->kind == ValueType::Closure) slots += oi.count;
  }
  h.put_u64(slots);
  for (const Object* o : objects) each_slot(o, [&](const Value& v) { h.put_plain(image_of(v)); });
  h.put_u64(bytes);
  for (const Object* o : objects) {
    if (o->kind != ValueType::String) continue;
    const std::string_view text = static_cast<const StringObj*>(o)->view();
    h.put(text.data(), text.size());
  }
  const GcStats& s = vm.heap.stats();
  h.put_plain(GcCountersImage{s.collections, s.objects_allocated, s.bytes_allocated, s.objects_freed, s.bytes_freed,
                              s.live_objects, s.live_bytes, s.peak_live_bytes, vm.heap.next_id(), vm.gc_threshold,
                              vm.heap.bytes_since_collection()});
  h.put_u64(vm.output.size());
  h.put(vm.output.data(), vm.output.size());
  h.put_plain(image_of(vm.result));
  if (vm.error) {
    h.put_u64(static_cast<std::uint64_t>(vm.error->kind));
    h.put_u64(vm.error->message.size());
    h.put(vm.error->message.data(), vm.error->message.size());
    h.put_u64(vm.error->context.function.size());
    h.put(vm.error->context.function.data(), vm.error->context.function.size());
    h.put_u64(vm.error->context.ip);
    h.put_u64(vm.error->context.line);
  }
  return h.digest();
}

}  // namespace pw
