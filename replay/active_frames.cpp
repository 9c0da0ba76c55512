// Following a run's call stack by frame ids.
#include "active_frames.h"

#include <algorithm>

namespace pw::replay {

void ActiveFrames::follow(const VmState& vm) {
  if (vm_ != &vm) {
    vm_ = &vm;
    ids_.clear();
    fns_.clear();
    below_.clear();
    innermost_.assign(vm.program().functions.size(), -1);
  }
  std::size_t same = std::min<std::size_t>(ids_.size(), vm.depth);
  for (; same > 0; --same) {
    ++looked_at_;
    if (ids_[same - 1] == vm.frames[same - 1].id) break;
  }
  looked_at_ += vm.depth - same;  // the frames entered since
  while (ids_.size() > same) {
    innermost_[fns_.back()] = below_.back();
    ids_.pop_back();
    fns_.pop_back();
    below_.pop_back();
  }
  for (std::size_t i = same; i < vm.depth; ++i) {
    const Frame& f = vm.frames[i];
    below_.push_back(innermost_[f.fn]);
    innermost_[f.fn] = static_cast<std::int64_t>(i);
    ids_.push_back(f.id);
    fns_.push_back(f.fn);
  }
}

const Frame* ActiveFrames::innermost(std::uint32_t fn, std::uint32_t depth) const {
  if (!vm_ || fn >= innermost_.size()) return nullptr;
  std::int64_t i = innermost_[fn];
  while (i >= static_cast<std::int64_t>(depth)) i = below_[static_cast<std::size_t>(i)];
  return i < 0 ? nullptr : &vm_->frames[i];
}

}  // namespace pw::replay
