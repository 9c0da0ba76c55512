// ActiveFrames: which frames of each function are active, followed position after position
// of one run, so that finding the innermost frame of a function (what `fib::n` reads) costs
// the frames entered and left since the last look, not a scan of the whole call stack. A
// watch of `main::total` during a recursion 100,000 deep would otherwise scan 100,000 frames
// at every call and every return.
#pragma once
#include <cstdint>
#include <vector>

#include "vm.h"

namespace pw::replay {

class ActiveFrames {
 public:
  // Brings the index up to [vm]'s frames. A frame id names one activation of one run, and
  // its callers stay put while it lives: where the ids still agree with the last look,
  // everything below agrees too, so only the frames above are looked at. A different VM
  // starts the index afresh.
  void follow(const VmState& vm);
  // The innermost frame of function [fn] among the outermost [depth] frames of the VM
  // last followed, or nullptr.
  const Frame* innermost(std::uint32_t fn, std::uint32_t depth) const;
  // Frames looked at by follow() so far: about one per call of it plus two per frame
  // entered (tests hold the index to that).
  std::uint64_t frames_looked_at() const { return looked_at_; }

 private:
  const VmState* vm_ = nullptr;
  // By frame index, as of the last look: its id, its function, and the index of the next
  // frame of the same function below it (-1: none).
  std::vector<std::uint64_t> ids_;
  std::vector<std::uint32_t> fns_;
  std::vector<std::int64_t> below_;
  std::vector<std::int64_t> innermost_;  // by function: the index of its innermost frame (-1: none)
  std::uint64_t looked_at_ = 0;
};

}  // namespace pw::replay
