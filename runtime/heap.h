// The heap: where objects live, how their memory is pooled, and the collector's counters.
//
// Objects come from size-class pools (16-byte steps up to kMaxPooled bytes) or, above that,
// from malloc. `objects_` lists every live object in allocation order, which is id order:
// the sweep keeps that order, so dumps and ids never depend on addresses.
// Collection policy (when, and what the roots are) lives in gc.cpp; this file only keeps
// memory and marks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "object.h"

namespace pw {

// Why a collection ran.
enum class GcTrigger : std::uint8_t {
  Threshold,  // the bytes allocated since the last collection passed the threshold
  Stress,     // stress mode: before every allocation
  HeapLimit,  // the next allocation would pass --max-heap
  Explicit,   // someone called collect_garbage (tests, tools)
};

// The figures of one collection.
struct GcCycle {
  GcTrigger trigger = GcTrigger::Explicit;
  std::uint64_t live_objects_before = 0;
  std::uint64_t live_bytes_before = 0;
  std::uint64_t live_objects_after = 0;
  std::uint64_t live_bytes_after = 0;
  std::uint64_t pause_ns = 0;  // wall time: informational
  std::uint64_t next_id = 0;   // id the next allocation gets: places the cycle among them
};

struct GcStats {
  std::uint64_t collections = 0;
  std::uint64_t objects_allocated = 0;
  std::uint64_t bytes_allocated = 0;
  std::uint64_t objects_freed = 0;
  std::uint64_t bytes_freed = 0;
  std::uint64_t live_objects = 0;
  std::uint64_t live_bytes = 0;
  std::uint64_t peak_live_bytes = 0;
  // Wall time: informational only, never part of the canonical state.
  std::uint64_t total_pause_ns = 0;
  std::uint64_t max_pause_ns = 0;
};

class Heap {
 public:
  static constexpr std::size_t kMaxPooled = 512;

  Heap() = default;
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;
  ~Heap();

  // Raw memory for an object of [bytes] bytes, header filled in and payload zeroed (so
  // every Value slot starts as nil). nullptr when the system has no memory left.
  Object* allocate(ValueType kind, std::size_t bytes, std::uint32_t length);

  // Mark phase: grey [v]'s object if it is white; propagate() blackens the grey ones.
  void mark(const Value& v) {
    if (v.is_ref() && !v.obj->marked) {
      v.obj->marked = 1;
      grey_.push_back(v.obj);
    }
  }
  void mark(Object* o) {
    if (o && !o->marked) {
      o->marked = 1;
      grey_.push_back(o);
    }
  }
  void propagate();
  // Sweep phase: free every unmarked object, clear the marks of the rest.
  void sweep();

  const std::vector<Object*>& objects() const { return objects_; }
  const GcStats& stats() const { return stats_; }
  GcStats& stats() { return stats_; }
  std::uint64_t next_id() const { return next_id_; }
  std::uint64_t bytes_since_collection() const { return bytes_since_collection_; }
  void reset_since_collection() { bytes_since_collection_ = 0; }

  static std::size_t object_bytes(const Object* o) {
    switch (o->kind) {
      case ValueType::String: return string_bytes(o->length);
      case ValueType::Pair: return sizeof(PairObj);
      case ValueType::Array: return array_bytes(o->length);
      case ValueType::Closure: return closure_bytes(o->length);
      default: return sizeof(Object);
    }
  }

  // Restoring a snapshot: free every object, re-create them with their recorded ids, then
  // set the counters to the recorded ones.
  void reset();
  Object* allocate_restored(ValueType kind, std::size_t bytes, std::uint32_t length, std::uint64_t id);
  void restore_bookkeeping(std::uint64_t next_id, std::uint64_t bytes_since_collection, const GcStats& stats);

 private:
  struct FreeSlot {
    FreeSlot* next;
  };
  static constexpr std::size_t kClassCount = kMaxPooled / 16 + 1;
  static constexpr std::size_t kBlockBytes = 64 * 1024;

  void* pool_take(std::size_t size_class);
  void pool_give(std::size_t size_class, void* p);
  void release(Object* o);

  std::vector<Object*> objects_;
  std::vector<Object*> grey_;
  FreeSlot* free_[kClassCount] = {};
  std::vector<void*> blocks_;
  std::uint64_t next_id_ = 1;
  std::uint64_t bytes_since_collection_ = 0;
  GcStats stats_;
};

}  // namespace pw
