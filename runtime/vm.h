// VmState: everything a running program is, in one place, so it can be dumped, hashed,
// snapshotted and rebuilt. The interpreter (interpreter.h) moves it forward.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "errors.h"
#include "heap.h"
#include "host.h"
#include "program.h"

namespace pw {

struct Limits {
  std::uint64_t max_steps = 10'000'000'000ull;   // instructions per run
  std::uint32_t max_stack = 1'000'000;           // value stack slots (locals + operands)
  std::uint32_t max_depth = 100'000;             // nested calls
  std::uint64_t max_heap = 1ull << 30;           // live heap bytes
  std::uint64_t max_output = 256ull << 20;       // bytes printed (the state keeps them all)
};

// The largest limits a VM accepts. The stack and the frames are allocated up front, so a
// limit typed on a command line or read from a trace is checked against these first.
inline constexpr std::uint32_t kMaxStackCeiling = 1u << 28;    // slots: 4 GiB of values
inline constexpr std::uint32_t kMaxDepthCeiling = 1u << 24;    // frames: 768 MiB of them
inline constexpr std::uint64_t kMaxHeapCeiling = 1ull << 40;   // bytes
inline constexpr std::uint64_t kMaxOutputCeiling = 1ull << 32; // bytes, all kept in memory
// Empty when every limit is within its ceiling (and at least 1, but output may be 0), else one sentence on the
// first that is not, named by its command-line flag.
std::string limits_problem(const Limits& limits);

struct GcConfig {
  bool enabled = true;
  bool stress = false;  // collect before every allocation
  // Collect when the bytes allocated since the last collection exceed
  // max(min_threshold, live bytes after it): the heap may double, never more.
  std::uint64_t min_threshold = 1ull << 20;
};

struct VmConfig {
  Limits limits;
  GcConfig gc;
  std::uint32_t capabilities = kCapNone;
  // Defaults for tests and tools: PWVM_GC_STRESS=1 in the environment turns stress on.
  static VmConfig from_environment();
};

struct Frame {
  const Instr* ip;       // where this frame resumes (the top frame's is saved on demand)
  Value* base;           // its first local
  Value* result_slot;    // where its result goes when it returns
  ClosureObj* closure;   // the running closure, or nullptr for a plain function
  const Instr* code;     // the function's first instruction: jump targets are relative to it
  std::uint32_t fn;      // function index
  std::uint32_t unused;
  std::uint64_t id;      // 1, 2, 3... per call, reproducible
};

struct Handler {
  std::uint32_t frame;         // index of the frame that installed it
  std::uint32_t target;        // instruction index of the handler code
  std::uint32_t stack_height;  // value stack height to restore before pushing the exception
};

// What the dispatch loop needs of a function, flattened so a call reads one cache line.
struct FnRuntime {
  const Instr* code;
  std::uint32_t arity;
  // What a dynamic call's argument count must equal to go straight in: the arity, or never
  // for a function with a rest parameter (its calls take the slow path, which packs the list).
  std::uint32_t call_arity;
  std::uint32_t frame_size;  // locals + deepest operand stack
  // At most 65535 each (the assembler's and the trace reader's limits): 16 bits keep the
  // entry at 24 bytes.
  std::uint16_t local_count;
  std::uint16_t capture_count;
};

enum class RunStatus : std::uint8_t { Ready, Paused, Halted, Failed };

class VmState {
 public:
  VmState(std::shared_ptr<const Program> program, VmConfig config, Host* host);
  VmState(const VmState&) = delete;
  VmState& operator=(const VmState&) = delete;

  const Program& program() const { return *program_; }
  std::shared_ptr<const Program> program_ptr() const { return program_; }
  const VmConfig& config() const { return config_; }
  Host& host() { return *host_; }

  // Position
  std::uint64_t step = 0;           // instructions executed so far
  RunStatus status = RunStatus::Ready;
  Value result;                     // the halt value, once Halted
  std::optional<VmError> error;     // the failure, once Failed

  // Value stack: [stack, sp). Fixed capacity (limits.max_stack + headroom), never moves,
  // so frames may point into it.
  Value* stack = nullptr;
  Value* sp = nullptr;
  Value* stack_limit = nullptr;     // sp must never pass this

  // Call frames [frames, frames + depth). Fixed capacity limits.max_depth.
  Frame* frames = nullptr;
  std::uint32_t depth = 0;
  std::uint64_t next_frame_id = 1;

  std::vector<FnRuntime> fn_runtime;  // per function, parallel to program().functions
  // Every function's code in one array (FnRuntime::code points into it), so an instruction
  // has one flat index: ip - code.data(). Profiles count by that index.
  std::vector<Instr> code;
  std::vector<Value> globals;
  std::vector<Handler> handlers;
  std::vector<Value> constants;     // the program's constants, strings as heap objects
  std::vector<Value> temp_roots;    // values the runtime holds while it allocates
  Heap heap;
  std::uint64_t gc_threshold = 0;   // collect when the bytes allocated since the last one pass this
  // When set, every collection appends its figures here (a recorder drains it).
  std::vector<GcCycle>* gc_log = nullptr;
  std::string output;               // everything the program printed

  ~VmState();

  Frame& top() { return frames[depth - 1]; }
  const Frame& top() const { return frames[depth - 1]; }
  const Function& function_of(const Frame& f) const { return program_->functions[f.fn]; }
  // Instruction index of frame [f]'s saved ip within its function.
  std::uint32_t ip_index(const Frame& f) const { return static_cast<std::uint32_t>(f.ip - f.code); }
  std::size_t stack_size() const { return static_cast<std::size_t>(sp - stack); }

  // Build the context for an error raised at the top frame's saved ip.
  ErrorContext make_context() const;
  VmError make_error(ErrorKind kind, std::string message) const;

 private:
  std::shared_ptr<const Program> program_;
  VmConfig config_;
  Host* host_;
};

// Canonical text of a value as print shows it: 42, 1.5, "hi" prints hi, (1 . 2), [1, 2].
std::string display(const VmState& vm, const Value& v);
// The length of display(vm, v), found without building the text.
std::size_t display_length(const VmState& vm, const Value& v);
// Writes display(vm, v) to [out], which has room for display_length(vm, v) bytes: print and
// to_string put the text straight where it goes, with no copy the heap does not count.
void display_to(const VmState& vm, const Value& v, char* out);
// display(vm, v) for an error message: its first [max_bytes] bytes, then "... (N bytes in
// all)" when it is longer. A message is copied into reports and traces: it stays small
// whatever the value holds.
inline constexpr std::size_t kMaxMessageValueBytes = 4096;
std::string display_brief(const VmState& vm, const Value& v, std::size_t max_bytes = kMaxMessageValueBytes);

// Whether the run ended inside an instruction that failed: that instruction began, so it
// counts as executed (a stop at the step limit comes before one, and does not).
inline bool failed_in_instruction(const VmState& vm) {
  return vm.status == RunStatus::Failed && vm.error && fails_inside_instruction(vm.error->kind);
}
// The instructions executed, a failed one included: the position the run is at, as traces,
// the timeline and the debugger number positions.
inline std::uint64_t executed_steps(const VmState& vm) { return vm.step + (failed_in_instruction(vm) ? 1 : 0); }

}  // namespace pw
