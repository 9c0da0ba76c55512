// Where a value came from (Pernosco's dataflow, in the terminal): from the instruction that
// stored it into a place, back through the instructions that computed it and their operands,
// locals, arguments, return values, globals and heap slots, to constants and inputs. A
// constant is explained too: the branch whose direction brought the run to it, and that
// branch's condition. Renderings for people and programs: origin_text.h.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cursor.h"
#include "expression.h"

namespace pw::replay {

// The place asked about is none at that step: "reorder_qty[99] has no value at step 10850:
// index 99 is out of range for an array of 7".
class OriginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OriginOptions {
  // Links on any path from the first (which counts as one). 16 follows both inventory
  // examples to the end of their supplier sheet: the .pwl's lookup goes through the
  // prelude's assq and an `if`, 13 links.
  std::uint32_t depth = 16;
  // Links in all: computations with many operands branch out, and the tree stays readable.
  std::uint32_t max_links = 200;
  // Read the place's bare names in the outermost [frames] frames (the debugger's selected
  // frame, as Expression::evaluate_in); 0: in the top frame.
  std::uint32_t frames = 0;
};

// One instruction the value went through (or, without a site, where the trail ends).
struct OriginLink {
  enum class Kind : std::uint8_t {
    Stored,        // stored the value into the place asked about (the first link)
    Made,          // allocated the object whose slot is the place asked about (the first link)
    Argument,      // a call passed it as argument [index] (the first link, for a local)
    Computed,      // computed it from its operands (the links under it)
    Loaded,        // get_local: loaded it from a local
    Read,          // get_global, get_capture, car, cdr, array_get: read it from a global or heap slot
    Returned,      // return: a function returned it
    Thrown,        // throw: thrown, and caught where it was used
    Branch,        // a conditional branch whose direction led to a constant; its condition under it
    Constant,      // pushed a value written in the program
    Host,          // a host call's result, recorded in the trace: an input
    Initial,       // a value no instruction computed: a global's initial value, a new array's nil, a local's nil
    Debugger,      // set from outside the program, by the debugger of a live session
    BeforeWindow,  // made before the recorded window (a trace that keeps the end of a run)
  };
  Kind kind = Kind::Constant;
  // The instruction, when there is one.
  bool has_site = false;
  std::uint64_t step = 0;  // its position: the state before it ran
  std::uint32_t fn = 0;
  std::uint32_t ip = 0;
  std::uint32_t line = 0;
  std::uint32_t column = 0;  // 0: unknown (hand-written assembly)
  std::string instruction;
  // The value it stored, pushed, returned or tested (as the program's language writes it).
  bool has_value = false;
  std::string value_text;
  nlohmann::json value_json;
  std::string note;   // what the link is, for people: "loaded from local alist, written at step 698 by set_local alist"
  std::string place;  // the place the value was loaded, read or stored from or into, when one
  std::optional<std::uint64_t> written_at;  // Loaded, Read: the step of the write followed from there
  std::uint32_t index = 0;                  // Argument: which argument; Made: which slot of the object
  std::vector<OriginLink> from;             // where the value came from: its operands, or the branch that chose it
  // A bound (depth or links) stopped the walk here: the places to go on from, each at a step.
  struct GoOn {
    std::uint64_t step = 0;
    std::string place;  // an expression (EXPRESSIONS.md): "lookup::alist", "#40.cdr", "$stack[12]"
  };
  std::vector<GoOn> go_on;
};

std::string_view origin_kind_name(OriginLink::Kind kind);  // "stored", "computed", "before-window"...

struct Origin {
  std::string place;  // as asked
  std::uint64_t at = 0;
  std::string value_text;  // the place's value at [at]
  nlohmann::json value_json;
  OriginLink chain;
  OriginOptions options;
  std::uint64_t window_start = 0;  // the cursor's start: 0 unless the trace keeps a window of the run
  std::uint32_t links = 0;
  bool bounded = false;      // a bound stopped some path (its link has go_on)
  bool interrupted = false;  // Ctrl-C: the chain is what was found until then
};

// Where the value in the place [place] names at position [at] came from. Throws OriginError
// when [place] names no slot there (a computed value, an index out of range, no active
// frame of a function). The cursor is back where it was afterwards.
Origin origin(Cursor& cursor, const Expression& place, std::uint64_t at, const OriginOptions& options = {});

}  // namespace pw::replay
