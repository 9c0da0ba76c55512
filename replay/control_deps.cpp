// Control dependence from post-dominators: the immediate post-dominators by Cooper, Harvey
// and Kennedy's iterative algorithm over the reversed flow graph, then, for every edge out of
// a branch, the post-dominator tree walked from the edge's target up to the branch's own
// immediate post-dominator: everything on that walk runs only when the branch goes that way.
#include "control_deps.h"

#include <algorithm>

namespace pw::replay {

bool is_conditional_branch(Op op) { return op == Op::JUMP_IF_TRUE || op == Op::JUMP_IF_FALSE || op == Op::FOR_NEXT; }

namespace {

constexpr std::uint32_t kNone = UINT32_MAX;

// Where control goes after instruction [i] of [code]; [exit] stands for leaving the function.
// A try's handler counts as a way on from the try: a throw anywhere in its block goes there.
std::vector<std::uint32_t> successors(const std::vector<Instr>& code, std::uint32_t i, std::uint32_t exit) {
  const Instr& in = code[i];
  const auto at = [&](std::int64_t target) {
    return target >= 0 && target < static_cast<std::int64_t>(code.size()) ? static_cast<std::uint32_t>(target) : exit;
  };
  switch (op_info(in.op).flow) {
    case Flow::Next:
      if (in.op == Op::TRY) return {at(i + 1), at(in.b)};
      return {at(i + 1)};
    case Flow::Jump:
      return {at(in.b)};
    case Flow::Branch:
      return {at(i + 1), at(in.b)};
    case Flow::End:
      return {exit};
  }
  return {exit};
}

}  // namespace

const std::vector<std::uint32_t>& ControlDeps::of(std::uint32_t fn, std::uint32_t ip) {
  static const std::vector<std::uint32_t> kEmpty;
  if (fn >= by_fn_.size()) return kEmpty;
  PerFunction& f = by_fn_[fn];
  if (!f.done) {
    f.done = true;
    const std::vector<Instr>& code = program_.functions[fn].code;
    const auto n = static_cast<std::uint32_t>(code.size());
    const std::uint32_t exit = n;
    std::vector<std::vector<std::uint32_t>> succ(n + 1), pred(n + 1);
    for (std::uint32_t i = 0; i < n; ++i) {
      succ[i] = successors(code, i, exit);
      for (std::uint32_t s : succ[i]) pred[s].push_back(i);
    }
    // Postorder of the reversed graph from the exit (iterative: functions may be long).
    std::vector<std::uint32_t> order(n + 1, kNone), postorder;
    std::vector<std::pair<std::uint32_t, std::size_t>> stack = {{exit, 0}};
    std::vector<bool> seen(n + 1, false);
    seen[exit] = true;
    while (!stack.empty()) {
      auto& [v, next] = stack.back();
      if (next < pred[v].size()) {
        const std::uint32_t p = pred[v][next++];
        if (!seen[p]) {
          seen[p] = true;
          stack.emplace_back(p, 0);
        }
        continue;
      }
      order[v] = static_cast<std::uint32_t>(postorder.size());
      postorder.push_back(v);
      stack.pop_back();
    }
    std::vector<std::uint32_t> ipdom(n + 1, kNone);
    ipdom[exit] = exit;
    const auto intersect = [&](std::uint32_t a, std::uint32_t b) {
      while (a != b) {
        while (order[a] < order[b]) a = ipdom[a];
        while (order[b] < order[a]) b = ipdom[b];
      }
      return a;
    };
    for (bool changed = true; changed;) {
      changed = false;
      for (auto it = postorder.rbegin(); it != postorder.rend(); ++it) {
        const std::uint32_t v = *it;
        if (v == exit) continue;
        std::uint32_t idom = kNone;
        for (std::uint32_t s : succ[v])
          if (ipdom[s] != kNone) idom = idom == kNone ? s : intersect(s, idom);
        if (idom != kNone && ipdom[v] != idom) {
          ipdom[v] = idom;
          changed = true;
        }
      }
    }
    f.branches.assign(n, {});
    for (std::uint32_t b = 0; b < n; ++b) {
      if (!is_conditional_branch(code[b].op) || ipdom[b] == kNone) continue;
      for (std::uint32_t s : succ[b]) {
        for (std::uint32_t runner = s; runner != exit && runner != ipdom[b] && ipdom[runner] != kNone;
             runner = ipdom[runner]) {
          auto& list = f.branches[runner];
          if (std::find(list.begin(), list.end(), b) == list.end()) list.push_back(b);
        }
      }
    }
  }
  return ip < f.branches.size() ? f.branches[ip] : kEmpty;
}

}  // namespace pw::replay
