// Helpers shared by the test suites: load and run assembly text, inspect what happened.
//
// Every VmConfig starts from VmConfig::from_environment(), so the whole suite also runs with
// PWVM_GC_STRESS=1; only tests that set cfg.gc themselves may depend on when collections happen.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <cstdio>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "test_paths.h"

#include "assembler.h"
#include "compiler.h"
#include "disassembler.h"
#include "errors.h"
#include "gc.h"
#include "heap.h"
#include "host.h"
#include "interpreter.h"
#include "object.h"
#include "opcodes.h"
#include "program.h"
#include "state_dump.h"
#include "value.h"
#include "verifier.h"
#include "vm.h"

namespace pw {
// Readable names in gtest failure messages.
inline void PrintTo(ErrorKind k, std::ostream* os) { *os << error_kind_name(k); }
inline void PrintTo(RunStatus s, std::ostream* os) {
  switch (s) {
    case RunStatus::Ready: *os << "Ready"; break;
    case RunStatus::Paused: *os << "Paused"; break;
    case RunStatus::Halted: *os << "Halted"; break;
    case RunStatus::Failed: *os << "Failed"; break;
  }
}
inline void PrintTo(ValueType t, std::ostream* os) { *os << type_name(t); }
}  // namespace pw

namespace pwtest {

inline constexpr const char* kFile = "t.pwa";

// True in a build with AddressSanitizer (g++ or clang): its shadow memory and quarantine
// count in a process's memory, and valgrind cannot run it.
inline bool under_address_sanitizer() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#endif
#endif
  return false;
}

// Every .pwa and .pwl file in examples/, sorted.
inline std::vector<std::filesystem::path> example_files() {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(EXAMPLES_DIR, ec))
    if (entry.is_regular_file() && (entry.path().extension() == ".pwa" || entry.path().extension() == ".pwl"))
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// An example program, assembled or compiled by its extension, and verified.
inline std::shared_ptr<const pw::Program> load_example(const std::filesystem::path& path) {
  return pw::lisp::load_any_program(path.string());
}

inline pw::VmConfig default_config() { return pw::VmConfig::from_environment(); }

inline pw::VmConfig all_capabilities() {
  pw::VmConfig c = default_config();
  c.capabilities = pw::kCapIo | pw::kCapClock | pw::kCapRandom;
  return c;
}

// Assembles and verifies [source] as file t.pwa.
inline std::shared_ptr<const pw::Program> load(std::string_view source) {
  return pw::load_program_text(source, kFile);
}

// "func main()\n  local L\n BODY\nend\n": most instruction tests only need a main.
inline std::string main_program(std::string_view body, std::string_view locals = "") {
  std::string s = "func main()\n";
  if (!locals.empty()) s += "  local " + std::string(locals) + "\n";
  s += std::string(body);
  s += "\nend\n";
  return s;
}

// 1-based number of the first line of [source] that contains [marker], 0 if none does.
inline std::uint32_t line_of(std::string_view source, std::string_view marker) {
  std::uint32_t line = 1;
  std::size_t start = 0;
  while (start <= source.size()) {
    std::size_t end = source.find('\n', start);
    if (end == std::string_view::npos) end = source.size();
    if (source.substr(start, end - start).find(marker) != std::string_view::npos) return line;
    ++line;
    start = end + 1;
  }
  return 0;
}

inline std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

inline std::string status_name(pw::RunStatus s) {
  std::ostringstream os;
  pw::PrintTo(s, &os);
  return os.str();
}

// Recursive fib(15) = 610: fib makes 2 fib(16) - 1 = 1973 calls.
inline constexpr const char* kRecursiveFib15 = R"PWA(func fib(n)
  get_local n
  lt_imm 2
  jump_if_false rec
  get_local n
  return
rec:
  get_local n
  sub_imm 1
  call_fn fib
  get_local n
  sub_imm 2
  call_fn fib
  add
  return
end
func main()
  push 15
  call_fn fib
  halt
end
)PWA";

// total = 1 + 2 + ... + 5, one pass of the loop per number: `total` is read at steps 2, 11,
// 20... and written at steps 5, 14, 23... (the position after the instruction is one more).
inline constexpr const char* kCountToFive = R"PWA(
global total = 0
func main()
  local i
  push 1
  set_local i
loop:
  get_global total
  get_local i
  add
  set_global total
  inc_local i, 1
  get_local i
  push 5
  le
  jump_if_true loop
  get_global total
  halt
end
)PWA";

// A program, its scripted host and a VM over them, kept together so a test can run, pause and
// inspect. The host is declared before the VM: the VM holds a pointer to it.
class Machine {
 public:
  explicit Machine(std::string_view source, pw::VmConfig config = default_config())
      : Machine(load(source), config) {}
  Machine(std::shared_ptr<const pw::Program> program, pw::VmConfig config = default_config())
      : program(std::move(program)), vm(this->program, config, &host) {}
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  pw::RunStatus run(std::uint64_t steps = pw::kRunForever) { return pw::run(vm, steps); }
  std::string result() const { return pw::display(vm, vm.result); }
  std::string dump() const { return pw::dump_state(vm); }
  // What happened, in one string, for failure messages: "Halted 42" or "Failed TypeError: ...".
  std::string outcome() const {
    switch (vm.status) {
      case pw::RunStatus::Halted: return "Halted " + result();
      case pw::RunStatus::Failed: return "Failed " + (vm.error ? vm.error->headline() : std::string("?"));
      default: return status_name(vm.status);
    }
  }

  std::shared_ptr<const pw::Program> program;
  pw::ScriptedHost host;
  pw::VmState vm;
};

// Runs [source] to the end and returns the halt value as print shows it, or a string naming the
// failure ("<Failed TypeError: ...>") so that an equality check against the expected value fails
// with a useful message.
inline std::string eval(std::string_view source, pw::VmConfig config = default_config()) {
  Machine m(source, config);
  const pw::RunStatus st = m.run();
  if (st != pw::RunStatus::Halted) return std::string("<").append(m.outcome()).append(">");
  return m.result();
}

// eval of a main whose body leaves the result on the stack: `halt` is appended.
inline std::string eval_main(std::string_view body, std::string_view locals = "",
                             pw::VmConfig config = default_config()) {
  return eval(main_program(std::string(body) + "\n  halt", locals), config);
}

// Everything the program printed (through the host), checking it halted.
inline std::string output_of(std::string_view source, pw::VmConfig config = default_config()) {
  Machine m(source, config);
  const pw::RunStatus st = m.run();
  EXPECT_EQ(st, pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.host.output, m.vm.output);
  return m.host.output;
}

// Runs [source], which must fail, and returns its error. A run that does not fail is reported
// and yields an error of kind HostError with the message "did not fail: ...".
inline pw::VmError run_error(std::string_view source, pw::VmConfig config = default_config()) {
  Machine m(source, config);
  const pw::RunStatus st = m.run();
  if (st != pw::RunStatus::Failed || !m.vm.error) {
    ADD_FAILURE() << "expected a failure, got " << m.outcome();
    return pw::VmError{pw::ErrorKind::HostError, "did not fail: " + m.outcome(), {}};
  }
  return *m.vm.error;
}

inline std::optional<pw::ErrorKind> error_kind_of(std::string_view source, pw::VmConfig config = default_config()) {
  Machine m(source, config);
  if (m.run() != pw::RunStatus::Failed || !m.vm.error) return std::nullopt;
  return m.vm.error->kind;
}

// The AssemblyError [source] raises; a source that assembles is reported.
inline pw::AssemblyError assembly_error(std::string_view source) {
  try {
    pw::assemble(source, kFile);
  } catch (const pw::AssemblyError& e) {
    return e;
  }
  ADD_FAILURE() << "expected an assembly error for:\n" << source;
  return pw::AssemblyError(kFile, 0, 0, "no error");
}

// The VerifyError [source] raises (it must assemble); a source that verifies is reported.
inline pw::VerifyError verify_error(std::string_view source) {
  pw::Program p;
  try {
    p = pw::assemble(source, kFile);
  } catch (const pw::AssemblyError& e) {
    ADD_FAILURE() << "expected a verify error, got an assembly error: " << e.what() << "\n" << source;
    return pw::VerifyError(kFile, 0, "", 0, "assembly error");
  }
  try {
    pw::verify(p);
  } catch (const pw::VerifyError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a verify error for:\n" << source;
  return pw::VerifyError(kFile, 0, "", 0, "no error");
}

// Assembles and verifies [source] into a Program that a test may still edit.
inline pw::Program mutable_program(std::string_view source) {
  pw::Program p = pw::assemble(source, kFile);
  pw::verify(p);
  return p;
}

inline std::string read_text_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return {};
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

inline void write_text_file(const std::string& path, std::string_view text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

}  // namespace pwtest

namespace pwtest {

// A generated program full of names, for the assembler's scale tests: [functions] functions,
// each with two locals, a label, a call of another function, a read of one of [globals]
// globals, and three constants of its own (a string, a float and an int too wide for an
// immediate) plus one string they all share; main calls the first. It verifies, and holds
// 3 * [functions] + 1 constants.
inline std::string program_with_names(std::size_t functions, std::size_t globals) {
  std::string s;
  s.reserve(functions * 260 + globals * 16);
  for (std::size_t g = 0; g < globals; ++g) s += "global g" + std::to_string(g) + "\n";
  for (std::size_t i = 0; i < functions; ++i) {
    const std::string n = std::to_string(i);
    s += "func f" + n + "(x)\n  local y, z\n";
    s += "  push \"k" + n + "\"\n  set_local y\n";
    s += "  push " + n + ".5\n  set_local z\n";
    s += "  push " + std::to_string(4294967296ull + i) + "\n  pop\n";
    s += "  push \"shared\"\n  pop\n";
    if (globals) s += "  get_global g" + std::to_string(i * 7919 % globals) + "\n  pop\n";
    s += "  get_local x\n  jump_if_false done\n";
    s += "  push 0\n  call_fn f" + std::to_string((i * 31 + 1) % functions) + "\n  pop\n";
    s += "done:\n  get_local y\n  return\nend\n";
  }
  s += "func main()\n  push 1\n  call_fn f0\n  halt\nend\n";
  return s;
}

// Loops for ever: each round calls a function that spins 2000 steps and allocates a pair, so
// there are calls, returns, allocations and collections without millions of events. For
// tests that stop a run from outside.
inline constexpr const char* kForever = R"PWA(
func work(n)
  local i, limit
  push 1
  set_local i
  push 2000
  set_local limit
spin:
  for_next i, spin
  get_local n
  nil
  cons
  return
end

func main()
  local k
  push 0
  set_local k
loop:
  get_local k
  call_fn work
  pop
  inc_local k, 1
  jump loop
end
)PWA";

// A program that uses every instruction (disassembler_test checks that it does). It verifies,
// and with all capabilities it halts with 4999999998 after printing "hi\nx".
inline constexpr const char* kAllInstructions = R"PWA(
entry main
global counter = 0
global name = "pw\t\"vm\"\n"
global ratio = 0.1
global big = 5000000000
global tag = 'tag
global flag = true
global none

func add2(a, b)
  get_local a
  get_local b
  add
  return
end

func step() captures(count)
  get_capture count
  add_imm 1
  dup
  set_capture count
  return
end

func loop(n, acc)
  get_local n
  eq_imm 0
  jump_if_false more
  get_local acc
  return
more:
  get_local n
  sub_imm 1
  get_local acc
  get_local n
  add
  tail_call_fn loop
end

func apply(f, x)
  get_local f
  get_local x
  tail_call 1
end

func inc(x)
  get_local x
  add_imm 1
  return
end

func thrower(x)
  get_local x
  throw
end

func main()
  local i, limit, acc, arr, p, c
  nil
  pop
  true
  pop
  false
  pop
  push_int -5
  push_const 5000000000
  add
  push_const 3.25
  pop
  push 'sym
  pop
  push "str"
  pop
  set_local acc
  push 1
  push 2
  swap
  dup
  pop
  sub
  pop
  get_global counter
  add_imm 1
  set_global counter
  push 1
  push 2
  cons
  set_local p
  get_local p
  push 10
  set_car
  get_local p
  push 20
  set_cdr
  get_local p
  car
  get_local p
  cdr
  add
  pop
  get_local p
  is pair
  pop
  push 3
  array_new
  set_local arr
  get_local arr
  push 0
  push 7
  array_set
  get_local arr
  push 0
  array_get
  pop
  get_local arr
  array_len
  pop
  push "ab"
  push "cd"
  str_concat
  dup
  str_len
  pop
  push 1
  str_index
  pop
  push 12
  to_string
  pop
  push 7
  push 2
  mul
  push 3
  div
  push 5
  mod
  neg
  sub_imm 1
  mul_imm 3
  div_imm 2
  mod_imm 7
  pop
  push 1
  push 2
  eq
  pop
  push 1
  push 2
  ne
  pop
  push 1
  push 2
  lt
  pop
  push 1
  push 2
  le
  pop
  push 1
  push 2
  gt
  pop
  push 1
  push 2
  ge
  pop
  push 1
  eq_imm 1
  pop
  push 1
  ne_imm 1
  pop
  push 1
  lt_imm 1
  pop
  push 1
  le_imm 1
  pop
  push 1
  gt_imm 1
  pop
  push 1
  ge_imm 1
  not
  pop
  push 1
  set_local i
  push 3
  set_local limit
l1:
  inc_local acc, 1
  for_next i, l1
  get_local acc
  jump_if_true t1
  jump t1
t1:
  get_local acc
  jump_if_false t2
t2:
  push 1
  push 2
  call_fn add2
  pop
  push_func inc
  push 1
  call 1
  pop
  push 10
  push 0
  call_fn loop
  pop
  push 0
  make_closure step
  set_local c
  push_func inc
  push 41
  call_fn apply
  pop
  get_local c
  call 0
  pop
  try h1
  push 'boom
  call_fn thrower
  pop
  end_try
  jump after
h1:
  pop
after:
  try h2
  end_try
  jump after2
h2:
  pop
after2:
  push "hi"
  host print
  pop
  push "x"
  host write
  pop
  host read_line
  pop
  host args
  pop
  host clock
  pop
  push 6
  host random
  pop
  get_local acc
  halt
end
)PWA";

}  // namespace pwtest
