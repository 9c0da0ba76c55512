// The disassembler: its text assembles back to the same program, for every example and for
// programs that use every instruction and every kind of constant.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> example_files() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(EXAMPLES_DIR, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".pwa") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Disassembles [original], assembles the text, and checks it is the same program.
void expect_round_trip(const pw::Program& original, const std::string& what) {
  SCOPED_TRACE(what);
  const std::string text = pw::disassemble(original);
  ASSERT_FALSE(text.empty());
  pw::Program again;
  try {
    again = pw::assemble(text, "disassembled.pwa");
  } catch (const pw::AssemblyError& e) {
    FAIL() << "disassembly does not assemble: " << e.what() << "\n" << text;
  }
  EXPECT_TRUE(pw::same_code(original, again)) << "disassembly:\n" << text;
  try {
    pw::verify(again);
  } catch (const pw::VerifyError& e) {
    FAIL() << "disassembly does not verify: " << e.what() << "\n" << text;
  }
}

TEST(Disassembler, EveryExampleRoundTrips) {
  const auto files = example_files();
  if (files.empty()) GTEST_SKIP() << "no examples in " << EXAMPLES_DIR;
  for (const fs::path& path : files) {
    std::shared_ptr<const pw::Program> p;
    try {
      p = pw::load_program(path.string());
    } catch (const std::exception& e) {
      ADD_FAILURE() << path << " does not load: " << e.what();
      continue;
    }
    expect_round_trip(*p, path.filename().string());
  }
}

TEST(Disassembler, AllInstructionsProgramUsesEveryOpcode) {
  const auto p = pwtest::load(pwtest::kAllInstructions);
  std::set<pw::Op> used;
  for (const pw::Function& f : p->functions)
    for (const pw::Instr& i : f.code) used.insert(i.op);
  for (int op = 0; op < pw::kOpCount; ++op)
    EXPECT_TRUE(used.count(static_cast<pw::Op>(op))) << pw::op_info(static_cast<pw::Op>(op)).mnemonic << " unused";
}

TEST(Disassembler, AllInstructionsProgramRoundTrips) {
  expect_round_trip(*pwtest::load(pwtest::kAllInstructions), "all instructions");
}

TEST(Disassembler, DisassembledProgramRunsTheSame) {
  const auto original = pwtest::load(pwtest::kAllInstructions);
  const auto again = pwtest::load(pw::disassemble(*original));
  pwtest::Machine a(original, pwtest::all_capabilities());
  pwtest::Machine b(again, pwtest::all_capabilities());
  ASSERT_EQ(a.run(), pw::RunStatus::Halted) << a.outcome();
  ASSERT_EQ(b.run(), pw::RunStatus::Halted) << b.outcome();
  EXPECT_EQ(a.result(), "4999999998");
  EXPECT_EQ(b.result(), a.result());
  EXPECT_EQ(b.host.output, a.host.output);
  EXPECT_EQ(a.host.output, "hi\nx");
  EXPECT_EQ(b.vm.step, a.vm.step);
}

TEST(Disassembler, ConstantsRoundTripExactly) {
  const auto p = pwtest::load(R"PWA(
global f1 = 0.1
global f2 = 1e300
global f3 = 5e-324
global f4 = 3.141592653589793
global f5 = -2.5e-8
global f6 = 123456789.125
global f7 = 1e21
global f8 = 2.0
global i1 = 9223372036854775807
global i2 = -9223372036854775808
global i3 = 0
global s1 = ""
global s2 = "tab\there \"quoted\" back\\slash\nnew\rline"
global s3 = "\x00\x01\x7f\xff\x80 bytes"
global y1 = 'sym
global y2 = 'a.b?c!-d_e
global t = true
global u = false
global n = nil
global m
func main()
  push 0.30000000000000004
  push -0.0
  push 4294967296
  push -2147483649
  push "\0"
  push 'sym
  push 'other
  push -2147483648
  push 2147483647
  pop
  pop
  pop
  pop
  pop
  pop
  pop
  pop
  halt
end
)PWA");
  expect_round_trip(*p, "constants");
  const auto again = pw::assemble(pw::disassemble(*p), "again.pwa");
  // -0.0 == 0.0, so check the sign of every float constant by its bits.
  ASSERT_EQ(again.constants.size(), p->constants.size());
  for (std::size_t i = 0; i < p->constants.size(); ++i) {
    if (p->constants[i].type == pw::ValueType::Float) {
      EXPECT_EQ(std::signbit(p->constants[i].f), std::signbit(again.constants[i].f)) << "constant " << i;
    }
  }
}

TEST(Disassembler, EntryCapturesAndLabelsRoundTrip) {
  const auto p = pwtest::load(R"PWA(
entry start
func body(x) captures(a, b)
  get_local x
  get_capture a
  get_capture b
  sub
  add
  return
end
func start()
  local i, limit
  push 1
  set_local i
  push 2
  set_local limit
top: inc_local i, 0
  for_next i, top
  push 10
  push 3
  make_closure body
  push 1
  call 1
  halt
end
func main()
  push 0
  halt
end
)PWA");
  expect_round_trip(*p, "entry, captures, labels");
  EXPECT_EQ(pwtest::eval(pw::disassemble(*p)), "8");
}

TEST(Disassembler, InstructionTextUsesNames) {
  const auto p = pwtest::load(R"PWA(
global total
func main()
  local n
  get_local n
  set_global total
  push 'q
  host print
  is int
  jump_if_false done
done:
  push 0
  halt
end
)PWA");
  const pw::Function& m = p->functions[static_cast<std::size_t>(p->find_function("main"))];
  EXPECT_EQ(pw::disassemble_instruction(*p, m, 0), "get_local n");
  EXPECT_EQ(pw::disassemble_instruction(*p, m, 1), "set_global total");
  EXPECT_NE(pw::disassemble_instruction(*p, m, 2).find("'q"), std::string::npos);
  EXPECT_EQ(pw::disassemble_instruction(*p, m, 3), "host print");
  EXPECT_EQ(pw::disassemble_instruction(*p, m, 4), "is int");
  EXPECT_EQ(pw::disassemble_instruction(*p, m, 5).rfind("jump_if_false ", 0), 0u);
}

TEST(Disassembler, EveryInstructionStartsWithItsMnemonic) {
  const auto p = pwtest::load(pwtest::kAllInstructions);
  for (const pw::Function& f : p->functions) {
    for (std::uint32_t ip = 0; ip < f.code.size(); ++ip) {
      const std::string text = pw::disassemble_instruction(*p, f, ip);
      const std::string word = text.substr(0, text.find(' '));
      const std::string_view mnemonic = pw::op_info(f.code[ip].op).mnemonic;
      const bool push_form = word == "push" && (f.code[ip].op == pw::Op::NIL || f.code[ip].op == pw::Op::TRUE ||
                                                f.code[ip].op == pw::Op::FALSE || f.code[ip].op == pw::Op::PUSH_INT ||
                                                f.code[ip].op == pw::Op::PUSH_CONST);
      EXPECT_TRUE(word == mnemonic || push_form) << f.name << " ip " << ip << ": " << text;
    }
  }
}

}  // namespace
