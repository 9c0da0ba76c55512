// Pooled object memory, the mark worklist and the sweep.
#include "heap.h"

#include <cstdlib>
#include <cstring>

namespace pw {

Heap::~Heap() {
  for (Object* o : objects_)
    if (o->size_class == 0) std::free(o);
  for (void* b : blocks_) std::free(b);
}

void* Heap::pool_take(std::size_t size_class) {
  if (!free_[size_class]) {
    const std::size_t slot = size_class * 16;
    char* block = static_cast<char*>(std::malloc(kBlockBytes));
    if (!block) return nullptr;
    blocks_.push_back(block);
    // Thread the block's slots onto the free list in address order.
    const std::size_t n = kBlockBytes / slot;
    for (std::size_t i = n; i-- > 0;) pool_give(size_class, block + i * slot);
  }
  FreeSlot* s = free_[size_class];
  free_[size_class] = s->next;
  return s;
}

void Heap::pool_give(std::size_t size_class, void* p) {
  FreeSlot* s = static_cast<FreeSlot*>(p);
  s->next = free_[size_class];
  free_[size_class] = s;
}

Object* Heap::allocate(ValueType kind, std::size_t bytes, std::uint32_t length) {
  const std::size_t size_class = bytes <= kMaxPooled ? (bytes + 15) / 16 : 0;
  void* mem = size_class ? pool_take(size_class) : std::malloc(bytes);
  if (!mem) return nullptr;
  std::memset(mem, 0, size_class ? size_class * 16 : bytes);
  Object* o = static_cast<Object*>(mem);
  o->kind = kind;
  o->size_class = static_cast<std::uint16_t>(size_class);
  o->length = length;
  o->id = next_id_++;
  objects_.push_back(o);
  stats_.objects_allocated++;
  stats_.bytes_allocated += bytes;
  stats_.live_objects++;
  stats_.live_bytes += bytes;
  if (stats_.live_bytes > stats_.peak_live_bytes) stats_.peak_live_bytes = stats_.live_bytes;
  bytes_since_collection_ += bytes;
  return o;
}

void Heap::propagate() {
  while (!grey_.empty()) {
    Object* o = grey_.back();
    grey_.pop_back();
    switch (o->kind) {
      case ValueType::Pair: {
        auto* p = static_cast<PairObj*>(o);
        mark(p->car);
        mark(p->cdr);
        break;
      }
      case ValueType::Array: {
        auto* a = static_cast<ArrayObj*>(o);
        for (std::uint32_t i = 0; i < a->length; ++i) mark(a->items()[i]);
        break;
      }
      case ValueType::Closure: {
        auto* c = static_cast<ClosureObj*>(o);
        for (std::uint32_t i = 0; i < c->length; ++i) mark(c->captures()[i]);
        break;
      }
      default: break;  // strings hold no references
    }
  }
}

void Heap::release(Object* o) {
  const std::size_t bytes = object_bytes(o);
  stats_.objects_freed++;
  stats_.bytes_freed += bytes;
  stats_.live_objects--;
  stats_.live_bytes -= bytes;
  if (o->size_class) pool_give(o->size_class, o);
  else std::free(o);
}

void Heap::sweep() {
  std::size_t kept = 0;
  for (Object* o : objects_) {
    if (o->marked) {
      o->marked = 0;
      objects_[kept++] = o;
    } else {
      release(o);
    }
  }
  objects_.resize(kept);
}

}  // namespace pw

namespace pw {

void Heap::reset() {
  for (Object* o : objects_) {
    if (o->size_class) pool_give(o->size_class, o);
    else std::free(o);
  }
  objects_.clear();
  grey_.clear();
  stats_ = GcStats{};
}

Object* Heap::allocate_restored(ValueType kind, std::size_t bytes, std::uint32_t length, std::uint64_t id) {
  Object* o = allocate(kind, bytes, length);
  if (o) o->id = id;
  return o;
}

void Heap::restore_bookkeeping(std::uint64_t next_id, std::uint64_t bytes_since_collection, const GcStats& stats) {
  next_id_ = next_id;
  bytes_since_collection_ = bytes_since_collection;
  stats_ = stats;
}

}  // namespace pw
