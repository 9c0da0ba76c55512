#include "program_match.h"

#include <algorithm>
#include <unordered_map>

namespace pw::replay {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::size_t stop = end;
    if (stop > pos && text[stop - 1] == '\r') --stop;
    lines.emplace_back(text, pos, stop - pos);
    pos = end + 1;
  }
  return lines;
}

namespace {

// Patience diff of a[a0, a1) against b[b0, b1), writing matches into [out]: common ends
// first, then the lines unique to both sides as anchors along their longest increasing
// run, then the same inside each gap between anchors. A gap with no anchor of the same
// length on both sides is a block of edited lines, paired in order.
void align(const std::vector<std::string>& a, const std::vector<std::string>& b, std::size_t a0, std::size_t a1,
           std::size_t b0, std::size_t b1, std::vector<long>& out) {
  while (a0 < a1 && b0 < b1 && a[a0] == b[b0]) out[a0++] = static_cast<long>(b0++);
  while (a0 < a1 && b0 < b1 && a[a1 - 1] == b[b1 - 1]) out[--a1] = static_cast<long>(--b1);
  if (a0 == a1 || b0 == b1) return;

  struct Count {
    int in_a = 0, in_b = 0;
    std::size_t at_a = 0, at_b = 0;
  };
  std::unordered_map<std::string_view, Count> counts;
  for (std::size_t i = a0; i < a1; ++i) {
    Count& c = counts[a[i]];
    ++c.in_a;
    c.at_a = i;
  }
  for (std::size_t j = b0; j < b1; ++j) {
    auto it = counts.find(b[j]);
    if (it == counts.end()) continue;
    ++it->second.in_b;
    it->second.at_b = j;
  }
  std::vector<std::pair<std::size_t, std::size_t>> unique;  // (line of a, line of b), by a
  for (std::size_t i = a0; i < a1; ++i) {
    const Count& c = counts[a[i]];
    if (c.in_a == 1 && c.in_b == 1 && !a[i].empty()) unique.emplace_back(i, c.at_b);
  }
  if (unique.empty()) {
    if (a1 - a0 == b1 - b0)
      for (std::size_t k = 0; a0 + k < a1; ++k) out[a0 + k] = static_cast<long>(b0 + k);
    return;
  }
  // The longest run of anchors increasing in b (patience sorting).
  std::vector<std::size_t> tails, prev(unique.size(), SIZE_MAX);
  for (std::size_t k = 0; k < unique.size(); ++k) {
    auto it = std::lower_bound(tails.begin(), tails.end(), unique[k].second,
                               [&](std::size_t t, std::size_t v) { return unique[t].second < v; });
    if (it != tails.begin()) prev[k] = *(it - 1);
    if (it == tails.end())
      tails.push_back(k);
    else
      *it = k;
  }
  std::vector<std::size_t> chain;
  for (std::size_t k = tails.back(); k != SIZE_MAX; k = prev[k]) chain.push_back(k);
  std::reverse(chain.begin(), chain.end());
  std::size_t pa = a0, pb = b0;
  for (std::size_t k : chain) {
    const auto [i, j] = unique[k];
    align(a, b, pa, i, pb, j, out);
    out[i] = static_cast<long>(j);
    pa = i + 1;
    pb = j + 1;
  }
  align(a, b, pa, a1, pb, b1, out);
}

}  // namespace

std::vector<long> align_lines(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<long> out(a.size(), -1);
  align(a, b, 0, a.size(), 0, b.size(), out);
  return out;
}

ProgramMatch match_programs(const Program& a, const Program& b) {
  ProgramMatch m;
  m.function_in_b.assign(a.functions.size(), -1);
  m.function_in_a.assign(b.functions.size(), -1);
  std::unordered_map<std::string, std::uint32_t> by_label;
  for (std::uint32_t f = 0; f < b.functions.size(); ++f) by_label.emplace(b.function_label(f), f);
  // Functions that tell programs apart: not the entry function (nearly every program has a
  // `main`), nor a compiled program's library procedures (code without source positions).
  const auto telling = [](const Program& p, std::uint32_t f) {
    return f != p.entry && !(p.compiled && p.functions[f].line == 0);
  };
  std::size_t telling_matches = 0;
  for (std::uint32_t f = 0; f < a.functions.size(); ++f) {
    auto it = by_label.find(a.function_label(f));
    if (it == by_label.end()) continue;
    m.function_in_b[f] = static_cast<int>(it->second);
    m.function_in_a[it->second] = static_cast<int>(f);
    ++m.functions_matched;
    if (telling(a, f) && telling(b, it->second)) ++telling_matches;
  }
  std::size_t telling_a = 0, telling_b = 0;
  for (std::uint32_t f = 0; f < a.functions.size(); ++f) telling_a += telling(a, f);
  for (std::uint32_t f = 0; f < b.functions.size(); ++f) telling_b += telling(b, f);

  const std::vector<std::string> la = split_lines(a.source), lb = split_lines(b.source);
  const std::vector<long> aligned = align_lines(la, lb);
  m.line_in_b.assign(la.size() + 1, 0);
  for (std::size_t i = 0; i < la.size(); ++i) {
    if (aligned[i] < 0) continue;
    m.line_in_b[i + 1] = static_cast<std::uint32_t>(aligned[i] + 1);
    if (la[i] == lb[static_cast<std::size_t>(aligned[i])]) ++m.lines_kept;
  }

  if (same_code(a, b)) {
    m.relation = ProgramMatch::Relation::Same;
    return m;
  }
  // Related by functions: half the smaller program's telling functions have namesakes.
  const std::size_t smaller = std::min(telling_a, telling_b);
  const bool by_functions = telling_matches > 0 && telling_matches * 2 >= smaller;
  const std::size_t shorter = std::min(la.size(), lb.size());
  const bool by_lines = shorter > 0 && m.lines_kept * 2 >= shorter;
  if (by_functions || by_lines) {
    m.relation = ProgramMatch::Relation::Versions;
    return m;
  }
  m.why = telling_matches == 0 ? "they have no function in common (beyond the entry function and the library)"
                               : "too few of their functions and source lines match";
  return m;
}

}  // namespace pw::replay
