// The canonical state: dumps are deterministic, pausing (and dumping) never changes what a run
// does, and the hash tells states apart exactly when the dumps do.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using pwtest::Machine;

// A program with a bit of everything in its state: globals, closures, lists, arrays, strings,
// output, handlers and nested frames.
const char* kBusy = R"PWA(
global log
global count = 0

func make_counter(start)
  get_local start
  make_closure step
  return
end

func step() captures(n)
  get_capture n
  add_imm 1
  dup
  set_capture n
  return
end

func risky(x)
  get_local x
  gt_imm 3
  jump_if_false ok
  get_local x
  throw
ok:
  get_local x
  return
end

func main()
  local i, limit, c, arr
  push 0
  call_fn make_counter
  set_local c
  push 4
  array_new
  set_local arr
  push 1
  set_local i
  push 6
  set_local limit
loop:
  try caught
  get_local i
  call_fn risky
  end_try
  jump store
caught:
  neg
store:
  get_local c
  call 0
  get_global log
  cons
  cons
  set_global log
  get_local arr
  get_local i
  mod_imm 4
  get_local i
  to_string
  array_set
  get_global count
  add_imm 1
  set_global count
  get_local i
  host print
  pop
  for_next i, loop
  get_global log
  halt
end
)PWA";

std::uint64_t total_steps(const char* src, pw::VmConfig cfg) {
  Machine m(src, cfg);
  EXPECT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  return m.vm.step;
}

nlohmann::json parse(const std::string& text) { return nlohmann::json::parse(text); }

TEST(StateDump, IsJsonWithTheDocumentedKeys) {
  Machine m(kBusy);
  const std::string text = m.dump();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const nlohmann::json ready = parse(text);
  for (const char* key : {"step", "status", "function", "ip", "stack", "frames", "globals", "heap", "handlers", "gc",
                          "output"})
    EXPECT_TRUE(ready.contains(key)) << key;
  EXPECT_EQ(ready["status"], "ready");
  EXPECT_EQ(ready["step"], 0);
  EXPECT_EQ(ready["function"], "main");
  EXPECT_EQ(ready["ip"], 0);
  EXPECT_FALSE(ready.contains("result"));
  EXPECT_FALSE(ready.contains("error"));

  ASSERT_EQ(m.run(20), pw::RunStatus::Paused);
  const nlohmann::json paused = parse(m.dump());
  EXPECT_EQ(paused["status"], "paused");
  EXPECT_EQ(paused["step"], 20);

  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  const nlohmann::json halted = parse(m.dump());
  EXPECT_EQ(halted["status"], "halted");
  EXPECT_EQ(halted["step"], m.vm.step);
  EXPECT_TRUE(halted.contains("result"));
  EXPECT_FALSE(halted.contains("error"));
  EXPECT_EQ(halted["output"], m.vm.output);
}

TEST(StateDump, FailedStateCarriesTheError) {
  Machine m(pwtest::main_program("  push 1\n  car\n  halt"));
  ASSERT_EQ(m.run(), pw::RunStatus::Failed);
  const nlohmann::json j = parse(m.dump());
  EXPECT_EQ(j["status"], "failed");
  ASSERT_TRUE(j.contains("error"));
  EXPECT_NE(j["error"].dump().find("TypeError"), std::string::npos) << j["error"].dump();
  EXPECT_FALSE(j.contains("result"));
}

TEST(StateDump, NamesThatAreNotUtf8StillDump) {
  // The assembler takes only ASCII names, but a trace's program may hold any bytes.
  pw::Program p = pwtest::mutable_program(pwtest::main_program("  push 1\n  halt", "x"));
  p.functions[0].name = "ma\xfein";
  p.functions[0].locals[0] = "\xff";
  Machine m(std::make_shared<const pw::Program>(std::move(p)));
  ASSERT_EQ(m.run(1), pw::RunStatus::Paused);
  const nlohmann::json j = parse(m.dump());
  EXPECT_EQ(j["frames"][0]["function"], "ma\xef\xbf\xbdin");  // U+FFFD
  EXPECT_TRUE(j["frames"][0]["locals"].contains("\xef\xbf\xbd"));
}

TEST(StateDump, TwoVmsAtTheSameStepDumpIdentically) {
  const std::uint64_t total = total_steps(kBusy, pwtest::default_config());
  for (std::uint64_t k : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{7}, total / 2, total - 1, total}) {
    Machine a(kBusy);
    Machine b(kBusy);
    a.run(k);
    // b gets there in two pieces.
    b.run(k / 3);
    b.run(k - k / 3);
    ASSERT_EQ(a.vm.step, k);
    ASSERT_EQ(b.vm.step, k);
    EXPECT_EQ(a.dump(), b.dump()) << "at step " << k;
    EXPECT_EQ(pw::state_hash(a.vm), pw::state_hash(b.vm)) << "at step " << k;
  }
}

TEST(StateDump, TwoSeparatelyLoadedProgramsDumpIdentically) {
  Machine a(pwtest::load(kBusy));
  Machine b(pwtest::load(kBusy));
  a.run();
  b.run();
  EXPECT_EQ(a.dump(), b.dump());
}

TEST(StateDump, PausingNeverChangesTheOutcome) {
  for (const char* src : {kBusy, pwtest::kAllInstructions}) {
    pw::VmConfig cfg = pwtest::all_capabilities();
    Machine reference(src, cfg);
    ASSERT_EQ(reference.run(), pw::RunStatus::Halted) << reference.outcome();
    const std::string final_dump = reference.dump();
    const std::uint64_t total = reference.vm.step;
    for (std::uint64_t k = 1; k < total; k += 5) {
      Machine m(src, cfg);
      ASSERT_EQ(m.run(k), pw::RunStatus::Paused);
      (void)m.dump();
      ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
      ASSERT_EQ(m.dump(), final_dump) << "paused at step " << k;
      EXPECT_EQ(m.host.output, reference.host.output);
    }
  }
}

TEST(StateDump, SingleSteppingGivesTheSameFinalState) {
  Machine reference(kBusy);
  ASSERT_EQ(reference.run(), pw::RunStatus::Halted) << reference.outcome();
  Machine m(kBusy);
  pw::RunStatus st;
  std::uint64_t pauses = 0;
  while ((st = m.run(1)) == pw::RunStatus::Paused) ++pauses;
  ASSERT_EQ(st, pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(pauses + 1, reference.vm.step);
  EXPECT_EQ(m.dump(), reference.dump());
  EXPECT_EQ(m.result(), reference.result());
}

TEST(StateDump, FailedRunsAreAlsoReproducible) {
  const std::string src = R"PWA(
func main()
  local list
grow:
  push "x"
  get_local list
  cons
  set_local list
  jump grow
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_heap = 8 * 1024;
  Machine a(src, cfg);
  Machine b(src, cfg);
  a.run();
  b.run(37);
  b.run();
  ASSERT_EQ(a.vm.status, pw::RunStatus::Failed);
  EXPECT_EQ(a.dump(), b.dump());
}

TEST(StateDump, DumpingDoesNotChangeTheState) {
  Machine m(kBusy);
  m.run(50);
  const std::string first = m.dump();
  const std::uint64_t h = pw::state_hash(m.vm);
  EXPECT_EQ(m.dump(), first);
  EXPECT_EQ(pw::state_hash(m.vm), h);
  EXPECT_EQ(m.vm.step, 50u);
}

TEST(StateDump, CyclicAndLongStructuresDump) {
  const char* src = R"PWA(
func main()
  local i, limit, list, p
  push 1
  set_local i
  push 5000
  set_local limit
loop:
  get_local i
  get_local list
  cons
  set_local list
  for_next i, loop
  push 0
  nil
  cons
  set_local p
  get_local p
  get_local p
  set_car
  get_local p
  get_local p
  set_cdr
  get_local list
  get_local p
  cons
  halt
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.gc = pw::GcConfig{};  // 5000 live pairs: stress mode would make this quadratic
  Machine m(src, cfg);
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  const nlohmann::json j = parse(m.dump());
  EXPECT_EQ(j["heap"].size(), 5002u);  // the list, the cyclic pair, and the result pair
  EXPECT_EQ(j["result"], (nlohmann::json{{"ref", m.vm.result.obj->id}}));
}

TEST(StateHash, EqualStatesHashEqualAndEveryStepDiffers) {
  Machine a(kBusy);
  Machine b(kBusy);
  std::vector<std::uint64_t> seen;
  for (int i = 0; i < 60; ++i) {
    ASSERT_EQ(pw::state_hash(a.vm), pw::state_hash(b.vm)) << "step " << a.vm.step;
    seen.push_back(pw::state_hash(a.vm));
    a.run(1);
    b.run(1);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_TRUE(std::adjacent_find(seen.begin(), seen.end()) == seen.end()) << "two different steps hashed equal";
}

TEST(StateHash, DifferentInputsGiveDifferentStates) {
  const std::string src = pwtest::main_program("  host read_line\n  halt");
  pw::VmConfig cfg = pwtest::default_config();
  cfg.capabilities = pw::kCapIo;
  Machine a(src, cfg);
  Machine b(src, cfg);
  a.host.input_lines = {"left"};
  b.host.input_lines = {"right"};
  a.run();
  b.run();
  EXPECT_NE(a.dump(), b.dump());
  EXPECT_NE(pw::state_hash(a.vm), pw::state_hash(b.vm));
}

TEST(StateHash, HashIsAFunctionOfTheDump) {
  // Two states with the same dump hash the same, whatever VM object they live in.
  Machine a(kBusy);
  a.run(40);
  Machine b(kBusy);
  b.run(40);
  ASSERT_EQ(a.dump(), b.dump());
  EXPECT_EQ(pw::state_hash(a.vm), pw::state_hash(b.vm));
  EXPECT_NE(pw::state_hash(a.vm), 0u);
}

}  // namespace
