// How the programs of two recorded runs relate, for the tools that compare two runs
// (`pwreplay diff`, `pwreplay perf --baseline`): the same program, two versions of one
// (functions matched by name, source lines through a line diff of the two texts), or two
// programs that have nothing to do with each other, which those tools refuse.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "program.h"

namespace pw::replay {

struct ProgramMatch {
  enum class Relation { Same, Versions, Unrelated };
  Relation relation = Relation::Unrelated;
  // Per function of a, its match in b by name (the label tools show, else the assembly
  // name); -1 when b has none. And the other way round.
  std::vector<int> function_in_b;
  std::vector<int> function_in_a;
  std::size_t functions_matched = 0;
  // Per source line of a (index = line, 1-based; [0] unused): the line of b it became,
  // 0 when it was removed or b has no text. Lines in a changed block map to the block's
  // lines in order, so an edited line maps to its new text.
  std::vector<std::uint32_t> line_in_b;
  std::size_t lines_kept = 0;  // lines of a found unchanged in b
  // For Unrelated: why, as a sentence fragment ("they have no function in common").
  std::string why;

  bool related() const { return relation != Relation::Unrelated; }
  // The line of b for line [line] of a (0: none).
  std::uint32_t map_line(std::uint32_t line) const { return line < line_in_b.size() ? line_in_b[line] : 0; }
};

// Matches [a] against [b]. Same when they have the same code (same_code); Versions when at
// least half the functions of the smaller one have a namesake in the other, counting the
// entry function only when it is all either program has, or at least half the lines of
// the shorter source text are unchanged in the other; Unrelated otherwise.
ProgramMatch match_programs(const Program& a, const Program& b);

// The lines of [text] (without their line breaks).
std::vector<std::string> split_lines(const std::string& text);

// A line alignment of [a] against [b] (patience diff): per line of a (0-based), the index
// of the line of b it matches, or -1. Equal lines are matched along a longest common
// subsequence anchored on lines unique to both; within a changed block of the same length
// on both sides the lines are paired in order.
std::vector<long> align_lines(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace pw::replay
