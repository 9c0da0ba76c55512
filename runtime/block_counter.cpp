// Expanding block entries into per-instruction counts.
#include "block_counter.h"

#include "opcodes.h"

namespace pw {

std::vector<std::uint32_t> BlockCounter::straight_run_ends(const VmState& vm) {
  // A straight-line run ends at the first instruction that may not fall through to the
  // next: a jump, a branch, a call (what follows it runs only if the callee returns), or
  // a function exit. The verifier guarantees every function ends with one of those.
  const std::vector<Instr>& code = vm.code;
  std::vector<std::uint32_t> end(code.size(), 0);
  for (std::size_t i = code.size(); i-- > 0;) {
    const Op op = code[i].op;
    const bool stops = op_info(op).flow != Flow::Next || op == Op::CALL || op == Op::CALL_FN ||
                       i + 1 == code.size();
    end[i] = stops ? static_cast<std::uint32_t>(i) : end[i + 1];
  }
  return end;
}

void BlockCounter::stopped_inside_block(const VmState& vm, bool started) {
  const std::size_t at = static_cast<std::size_t>(vm.top().ip - code_);
  if (at >= run_end_.size()) return;
  for (std::size_t i = at + (started ? 1 : 0); i <= run_end_[at]; ++i) --corrections_[i];
}

std::vector<std::pair<std::uint32_t, std::uint64_t>> BlockCounter::take_profile() {
  // Each entry at instruction L counts once for every instruction from L to the end of its
  // run: a difference array turns the ranges into per-instruction totals in one pass.
  std::vector<std::int64_t> delta(counts_.size() + 1, 0);
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (!counts_[i]) continue;
    delta[i] += static_cast<std::int64_t>(counts_[i]);
    delta[run_end_[i] + 1] -= static_cast<std::int64_t>(counts_[i]);
    counts_[i] = 0;
  }
  std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
  std::int64_t running = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    running += delta[i];
    const std::int64_t n = running + corrections_[i];
    corrections_[i] = 0;
    if (n > 0) out.emplace_back(static_cast<std::uint32_t>(i), static_cast<std::uint64_t>(n));
  }
  return out;
}

}  // namespace pw
