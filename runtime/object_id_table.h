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

  explicit ObjectIdTable(std::size_t count) {
    int bits = 4;
    while ((std::size_t{1} << bits) < count * 2) ++bits;
    slots_.assign(std::size_t{1} << bits, Slot{0, kMissing});
    mask_ = slots_.size() - 1;
    shift_ = 64 - bits;
  }
  // Ids are never 0 and never added twice (an image's ids ascend).
  void add(std::uint64_t id, std::uint32_t index) {
    std::size_t at = home(id);
    while (slots_[at].index != kMissing) at = (at + 1) & mask_;
    slots_[at] = {id, index};
  }
  // The index of [id], or kMissing.
  std::uint32_t find(std::uint64_t id) const {
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
  // Fibonacci hashing: the top bits of id times 2^64 / phi spread consecutive ids apart.
  std::size_t home(std::uint64_t id) const { return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> shift_); }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  int shift_ = 60;
};

// Checks [image] against [vm] as check_state_image does, and returns the index of its
// objects for the restore that follows.
class VmState;
struct StateImage;
ObjectIdTable checked_object_ids(const VmState& vm, const StateImage& image);

}  // namespace pw
