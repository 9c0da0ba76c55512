// An object id -> index map for the objects of a StateImage, built once per restore and
// read for every reference in it: open addressing over a power-of-two table, so a lookup is
// a multiply and a probe or two, where a tree or a node-based map cost a good part of a
// restore of a big heap.
#pragma once
#include <cstdint>
#include <vector>

namespace pw {

class ObjectIdTable {
 public:
  static constexpr std::uint32_t kMissing = UINT32_MAX;

  // For [count] ids that ascend from [first] to [last]. When they are dense enough (a heap
  // after a few collections mostly is), an array indexed by id - first: a reference to a
  // neighbour then reads a neighbouring entry, where hashing would miss the cache on each.
  ObjectIdTable() = default;
  ObjectIdTable(std::size_t count, std::uint64_t first, std::uint64_t last) { reset(count, first, last); }
  // Empties the table for new ids, keeping its memory: a timeline restores states again and
  // again, and fresh pages cost more than filling them.
  void reset(std::size_t count, std::uint64_t first, std::uint64_t last) {
    if (count > 0 && first <= last && last - first < 4 * static_cast<std::uint64_t>(count) + 64) {
      base_ = first;
      direct_.assign(static_cast<std::size_t>(last - first + 1), kMissing);
      near_.clear();
      slots_.clear();
      return;
    }
    direct_.clear();
    // At most two thirds full: a probe or two per lookup, and a table a third the size of
    // one twice the count (its pages, fresh, cost more than its probes).
    int bits = 4;
    while ((std::size_t{1} << bits) < count + count / 2) ++bits;
    mask_ = (std::size_t{1} << bits) - 1;
    shift_ = 64 - bits;
    base_ = first;
    // Ids within 2^32 of the first are kept as their offset from it: half the bytes.
    if (count > 0 && first <= last && last - first < kMissing) {
      near_.assign(mask_ + 1, NearSlot{0, kMissing});
      slots_.clear();
    } else {
      slots_.assign(mask_ + 1, Slot{0, kMissing});
      near_.clear();
    }
  }
  // Ids are never 0 and never added twice (an image's ids ascend). An id outside the range
  // given (an image whose ids do not ascend, which its check refuses) is not found later.
  void add(std::uint64_t id, std::uint32_t index) {
    if (!direct_.empty()) {
      if (id >= base_ && id - base_ < direct_.size()) direct_[static_cast<std::size_t>(id - base_)] = index;
      return;
    }
    std::size_t at = home(id);
    if (!near_.empty()) {
      if (id < base_ || id - base_ >= kMissing) return;
      while (near_[at].index != kMissing) at = (at + 1) & mask_;
      near_[at] = {static_cast<std::uint32_t>(id - base_), index};
      return;
    }
    while (slots_[at].index != kMissing) at = (at + 1) & mask_;
    slots_[at] = {id, index};
  }
  // The index of [id], or kMissing.
  std::uint32_t find(std::uint64_t id) const {
    if (!direct_.empty()) return id >= base_ && id - base_ < direct_.size() ? direct_[static_cast<std::size_t>(id - base_)] : kMissing;
    if (!near_.empty()) {
      if (id < base_ || id - base_ >= kMissing) return kMissing;
      const auto offset = static_cast<std::uint32_t>(id - base_);
      for (std::size_t at = home(id);; at = (at + 1) & mask_) {
        const NearSlot& s = near_[at];
        if (s.index == kMissing || s.offset == offset) return s.index;
      }
    }
    if (slots_.empty()) return kMissing;
    for (std::size_t at = home(id);; at = (at + 1) & mask_) {
      const Slot& s = slots_[at];
      if (s.index == kMissing || s.id == id) return s.index;
    }
  }

 private:
  struct Slot {
    std::uint64_t id;
    std::uint32_t index;
  };
  struct NearSlot {
    std::uint32_t offset;  // id - base_
    std::uint32_t index;
  };
  // Fibonacci hashing: the top bits of id times 2^64 / phi spread consecutive ids apart.
  std::size_t home(std::uint64_t id) const { return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> shift_); }
  std::vector<std::uint32_t> direct_;  // dense ids: index by id - base_
  std::uint64_t base_ = 0;  // the first id
  std::vector<NearSlot> near_;  // sparse ids near base_
  std::vector<Slot> slots_;     // sparse ids farther apart
  std::size_t mask_ = 0;
  int shift_ = 60;
};

// Checks [image] against [vm] as check_state_image does, and fills [ids] with the index of
// its objects for the restore that follows.
class VmState;
struct StateImage;
void checked_object_ids(const VmState& vm, const StateImage& image, ObjectIdTable& ids);
// Only the index, for an image known to fit (ImageTrust::Checked).
void object_ids(const StateImage& image, ObjectIdTable& ids);

}  // namespace pw
