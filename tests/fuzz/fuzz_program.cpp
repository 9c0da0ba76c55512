// Fuzzes the way in for a program: the assembler, the verifier, the disassembler and the
// interpreter. The input is .pwa text. A program that verifies runs twice under small limits
// with a deterministic host (the two runs must end in the same state: the VM is
// deterministic) and its disassembly must assemble back to the same code; one that does not
// verify runs under run_unverified, whose checks must stop it before it misbehaves.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "assembler.h"
#include "disassembler.h"
#include "fuzz_support.h"
#include "interpreter.h"
#include "state_dump.h"
#include "verifier.h"

namespace {

// Enough to run loops, calls, collections and exceptions; little enough for thousands of
// inputs a second.
constexpr std::uint64_t kSteps = 20'000;

struct Ran {
  pw::RunStatus status;
  std::uint64_t hash;
};

Ran run_once(const std::shared_ptr<const pw::Program>& program, bool verified) {
  pw::ScriptedHost host;
  pwfuzz::feed(host);
  pw::VmState vm(program, pwfuzz::small_config(), &host);
  const pw::RunStatus status = verified ? pw::run(vm, kSteps) : pw::run_unverified(vm, kSteps);
  if (status == pw::RunStatus::Failed && !vm.error) {
    std::fprintf(stderr, "a failed run without its error\n");
    std::abort();
  }
  return {status, pw::state_hash(vm)};
}

void check_round_trip(const pw::Program& program) {
  const std::string text = pw::disassemble(program);
  pw::Program again;
  try {
    again = pw::assemble(text, "disassembly.pwa");
  } catch (const pw::AssemblyError& e) {
    std::fprintf(stderr, "the disassembly does not assemble: %s\n%s", e.what(), text.c_str());
    std::abort();
  }
  if (!pw::same_code(program, again)) {
    std::fprintf(stderr, "the disassembly assembles to other code:\n%s", text.c_str());
    std::abort();
  }
}

// Bad input is told in one printable line.
void check_one_line(const char* what, std::string_view message) {
  for (const char c : message)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      std::fprintf(stderr, "%s error with a control byte 0x%02x: %.*s\n", what, static_cast<unsigned char>(c),
                   static_cast<int>(message.size()), message.data());
      std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  pw::Program assembled;
  try {
    assembled = pw::assemble(source, "fuzz.pwa");
  } catch (const pw::AssemblyError& e) {
    check_one_line("an assembly", e.what());
    return 0;
  }
  if (assembled.functions.empty() || assembled.entry >= assembled.functions.size()) return 0;
  bool verified = true;
  try {
    pw::verify(assembled);
  } catch (const pw::VerifyError& e) {
    check_one_line("a verifier", e.what());
    verified = false;
  }
  if (verified) check_round_trip(assembled);
  const auto program = std::make_shared<const pw::Program>(std::move(assembled));
  const Ran first = run_once(program, verified);
  if (!verified) return 0;
  const Ran second = run_once(program, verified);
  if (first.status != second.status || first.hash != second.hash) {
    std::fprintf(stderr, "two runs of one program ended in different states\n");
    std::abort();
  }
  return 0;
}
