// The collector: unreachable cycles are freed, everything reachable survives, ids and
// collection points are reproducible, stress mode changes nothing a program can see, and the
// counters add up.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using pwtest::Machine;

pw::VmConfig normal_gc() {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.gc = pw::GcConfig{};
  cfg.gc.stress = false;
  return cfg;
}

pw::VmConfig stress_gc() {
  pw::VmConfig cfg = pwtest::default_config();
  cfg.gc = pw::GcConfig{};
  cfg.gc.stress = true;
  return cfg;
}

pw::VmConfig small_threshold_gc() {
  pw::VmConfig cfg = normal_gc();
  cfg.gc.min_threshold = 1024;
  return cfg;
}

std::vector<std::uint64_t> live_ids(const pw::VmState& vm) {
  std::vector<std::uint64_t> ids;
  for (const pw::Object* o : vm.heap.objects()) ids.push_back(o->id);
  return ids;
}

// ---- unreachable cycles -------------------------------------------------------------

TEST(GcCycles, SelfReferentialPairIsFreed) {
  Machine m(R"PWA(
func main()
  local p
  push 1
  nil
  cons
  set_local p
  get_local p
  get_local p
  set_cdr
  nil
  set_local p
  push 0
  halt
end
)PWA");
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  pw::collect_garbage(m.vm);
  EXPECT_TRUE(m.vm.heap.objects().empty());
  EXPECT_EQ(m.vm.heap.stats().live_objects, 0u);
  EXPECT_EQ(m.vm.heap.stats().live_bytes, 0u);
  EXPECT_EQ(m.vm.heap.stats().objects_freed, 1u);
  EXPECT_EQ(m.vm.heap.stats().bytes_freed, sizeof(pw::PairObj));
}

TEST(GcCycles, RingOfPairsIsFreedWhileAnotherObjectLives) {
  Machine m(R"PWA(
global keep
func main()
  local a, b, c
  push "kept"
  push 1
  array_new
  cons
  set_global keep
  push 1
  nil
  cons
  set_local a
  push 2
  get_local a
  cons
  set_local b
  push 3
  get_local b
  cons
  set_local c
  get_local a
  get_local c
  set_cdr
  nil
  set_local a
  nil
  set_local b
  nil
  set_local c
  push 0
  halt
end
)PWA",
            normal_gc());
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  const std::uint64_t before = m.vm.heap.stats().objects_freed;
  pw::collect_garbage(m.vm);
  EXPECT_EQ(m.vm.heap.stats().objects_freed - before, 3u);
  // Left: the "kept" constant, the array and the pair in the global.
  ASSERT_EQ(m.vm.heap.objects().size(), 3u);
  std::vector<pw::ValueType> kinds;
  for (const pw::Object* o : m.vm.heap.objects()) kinds.push_back(o->kind);
  std::sort(kinds.begin(), kinds.end());
  EXPECT_EQ(kinds, (std::vector<pw::ValueType>{pw::ValueType::String, pw::ValueType::Pair, pw::ValueType::Array}));
}

TEST(GcCycles, ClosureAndArrayReferringToEachOtherAreFreed) {
  Machine m(R"PWA(
func body() captures(arr)
  get_capture arr
  return
end
func main()
  local a, f
  push 2
  array_new
  set_local a
  get_local a
  make_closure body
  set_local f
  get_local a
  push 0
  get_local f
  array_set
  nil
  set_local a
  nil
  set_local f
  push 0
  halt
end
)PWA");
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  pw::collect_garbage(m.vm);
  EXPECT_TRUE(m.vm.heap.objects().empty());
  EXPECT_EQ(m.vm.heap.stats().live_bytes, 0u);
}

TEST(GcCycles, CyclesBuiltInALoopDoNotAccumulate) {
  // 2000 self-cycles, each dropped at once: with a small heap limit this only finishes if the
  // collector frees them.
  const char* src = R"PWA(
func main()
  local i, limit, p
  push 1
  set_local i
  push 2000
  set_local limit
loop:
  get_local i
  nil
  cons
  set_local p
  get_local p
  get_local p
  set_cdr
  for_next i, loop
  get_local p
  car
  halt
end
)PWA";
  pw::VmConfig cfg = pwtest::default_config();
  cfg.limits.max_heap = 16 * 1024;
  Machine m(src, cfg);
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.result(), "2000");
  EXPECT_GT(m.vm.heap.stats().objects_freed, 1000u);
}

// ---- reachable data survives ----------------------------------------------------------

// Data reachable only through locals, globals, arrays, pairs, closure captures, a callee slot
// of a dynamic call, and finally only through a running frame's closure. Result: 138.
const char* kReachable = R"PWA(
global table

func make(n)
  get_local n
  push "s"
  get_local n
  to_string
  str_concat
  cons
  make_closure reader
  return
end

func reader(k) captures(cell)
  get_capture cell
  car
  get_local k
  add
  get_capture cell
  cdr
  push "!"
  str_concat
  str_len
  add
  return
end

func detach_and_call()
  local f
  get_global table
  push 1
  array_get
  set_local f
  get_global table
  push 1
  nil
  array_set
  get_local f
  nil
  set_local f
  push 100
  tail_call 1
end

func main()
  local i, limit, list, f
  push 3
  array_new
  set_global table
  push 1
  set_local i
  push 3
  set_local limit
loop:
  get_local i
  call_fn make
  set_local f
  get_global table
  get_local i
  sub_imm 1
  get_local f
  array_set
  get_local i
  get_local list
  cons
  set_local list
  nil
  set_local f
  for_next i, loop
  get_global table
  push 2
  array_get
  push 10
  call 1
  get_global table
  push 0
  array_get
  push 10
  call 1
  add
  get_local list
  car
  add
  call_fn detach_and_call
  add
  halt
end
)PWA";

TEST(GcRoots, ReachableDataSurvivesNormalAndStressCollection) {
  EXPECT_EQ(pwtest::eval(kReachable, normal_gc()), "138");
  EXPECT_EQ(pwtest::eval(kReachable, stress_gc()), "138");
}

TEST(GcRoots, ReachableDataSurvivesACollectionBeforeEveryInstruction) {
  Machine m(kReachable, normal_gc());
  pw::RunStatus st;
  std::uint64_t collections = 0;
  do {
    pw::collect_garbage(m.vm);
    ++collections;
    st = m.run(1);
  } while (st == pw::RunStatus::Paused);
  ASSERT_EQ(st, pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.result(), "138");
  EXPECT_GE(m.vm.heap.stats().collections, collections);
}

TEST(GcRoots, ARunningClosureIsKeptAliveByItsFrame) {
  // main tail-calls the closure, so nothing but the frame refers to it while it allocates.
  const char* src = R"PWA(
func make(v)
  get_local v
  make_closure body
  return
end
func body() captures(cell)
  local i, limit, junk
  push 1
  set_local i
  push 50
  set_local limit
loop:
  push 1
  push 2
  cons
  set_local junk
  for_next i, loop
  get_capture cell
  car
  return
end
func main()
  push 7
  push "tail"
  cons
  call_fn make
  tail_call 0
end
)PWA";
  EXPECT_EQ(pwtest::eval(src, stress_gc()), "7");
  Machine m(src, normal_gc());
  pw::RunStatus st;
  do {
    pw::collect_garbage(m.vm);
    st = m.run(1);
  } while (st == pw::RunStatus::Paused);
  EXPECT_EQ(st, pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.result(), "7");
}

TEST(GcRoots, ValuesHeldDuringAllocationSurvive) {
  // str_concat, to_string, cons, array_new and args allocate while holding their operands.
  const char* src = R"PWA(
func main()
  local i, limit, s, arr
  push ""
  set_local s
  push 1
  set_local i
  push 30
  set_local limit
loop:
  get_local s
  get_local i
  to_string
  str_concat
  set_local s
  for_next i, loop
  get_local s
  str_len
  host args
  array_len
  push 2
  array_new
  array_len
  add
  add
  get_local s
  push 5
  str_index
  cons
  halt
end
)PWA";
  pw::VmConfig cfg = stress_gc();
  cfg.capabilities = pw::kCapIo;
  Machine m(src, cfg);
  m.host.program_args = {"one", "two", "three"};
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  // "123456789101112...30" has 9 + 21 * 2 = 51 bytes; byte 5 is '6'.
  EXPECT_EQ(m.result(), "(56 . 54)");
}

TEST(GcRoots, ArgsArrayAndItsStringsSurvive) {
  pw::VmConfig cfg = stress_gc();
  cfg.capabilities = pw::kCapIo;
  Machine m(pwtest::main_program("  host args\n  push 1\n  push 2\n  cons\n  pop\n  halt"), cfg);
  m.host.program_args = {"alpha", "beta"};
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.result(), "[\"alpha\", \"beta\"]");
}

TEST(GcRoots, TheHaltValueSurvivesALaterCollection) {
  // After halt the result lives only in vm.result; tools still display and dump it.
  Machine m(pwtest::main_program("  push 1\n  push \"two\"\n  cons\n  halt"), normal_gc());
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  ASSERT_EQ(m.vm.result.type, pw::ValueType::Pair);
  const std::uint64_t id = m.vm.result.obj->id;
  pw::collect_garbage(m.vm);
  const auto ids = live_ids(m.vm);
  EXPECT_TRUE(std::find(ids.begin(), ids.end(), id) != ids.end()) << "the halt value (id " << id << ") was freed";
  EXPECT_EQ(m.result(), "(1 . \"two\")");
}

TEST(GcRoots, TheReturnValueOfTheEntryFunctionSurvivesALaterCollection) {
  Machine m(pwtest::main_program("  push 3\n  array_new\n  return"), normal_gc());
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  ASSERT_EQ(m.vm.result.type, pw::ValueType::Array);
  const std::uint64_t id = m.vm.result.obj->id;
  pw::collect_garbage(m.vm);
  const auto ids = live_ids(m.vm);
  EXPECT_TRUE(std::find(ids.begin(), ids.end(), id) != ids.end()) << "the result (id " << id << ") was freed";
}

// ---- identity and determinism -------------------------------------------------------

TEST(GcIds, StringConstantsGetTheFirstIds) {
  Machine m(pwtest::main_program("  push \"a\"\n  push \"b\"\n  cons\n  halt"));
  ASSERT_EQ(live_ids(m.vm), (std::vector<std::uint64_t>{1, 2}));
  for (const pw::Object* o : m.vm.heap.objects()) EXPECT_EQ(o->kind, pw::ValueType::String);
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  ASSERT_EQ(m.vm.result.type, pw::ValueType::Pair);
  EXPECT_EQ(m.vm.result.obj->id, 3u);
}

TEST(GcIds, IdsCountAllocationsAndAreNeverReused) {
  Machine m(pwtest::kAllInstructions, pwtest::all_capabilities());
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  pw::collect_garbage(m.vm);
  const auto ids = live_ids(m.vm);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_TRUE(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  EXPECT_EQ(m.vm.heap.next_id(), m.vm.heap.stats().objects_allocated + 1);
  // A fresh allocation after frees gets the next id, not a freed one.
  const std::uint64_t next = m.vm.heap.next_id();
  pw::ErrorKind why{};
  pw::Object* o = pw::allocate_object(m.vm, pw::ValueType::Pair, sizeof(pw::PairObj), 0, &why);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->id, next);
}

// Allocates 2000 pairs, keeping every hundredth: about 20 collections with a 1 KiB threshold.
const char* kChurn = R"PWA(
global keep
func main()
  local i, limit, list
  push 1
  set_local i
  push 2000
  set_local limit
loop:
  get_local i
  get_local list
  cons
  set_local list
  get_local i
  mod_imm 100
  eq_imm 0
  jump_if_false next
  get_local list
  car
  get_global keep
  cons
  set_global keep
  nil
  set_local list
next:
  for_next i, loop
  get_global keep
  car
  halt
end
)PWA";

TEST(GcDeterminism, TwoRunsCollectAtTheSameStepsWithTheSameIds) {
  Machine a(kChurn, small_threshold_gc());
  Machine b(kChurn, small_threshold_gc());
  // Pause both at the same points on the way and compare.
  for (int i = 0; i < 30; ++i) {
    a.run(500);
    b.run(500);
    ASSERT_EQ(a.vm.step, b.vm.step);
    ASSERT_EQ(a.vm.heap.stats().collections, b.vm.heap.stats().collections) << "step " << a.vm.step;
    ASSERT_EQ(live_ids(a.vm), live_ids(b.vm)) << "step " << a.vm.step;
  }
  ASSERT_EQ(a.run(), pw::RunStatus::Halted) << a.outcome();
  ASSERT_EQ(b.run(), pw::RunStatus::Halted) << b.outcome();
  EXPECT_EQ(a.result(), "2000");
  EXPECT_GE(a.vm.heap.stats().collections, 5u);
  const pw::GcStats& sa = a.vm.heap.stats();
  const pw::GcStats& sb = b.vm.heap.stats();
  EXPECT_EQ(sa.collections, sb.collections);
  EXPECT_EQ(sa.objects_allocated, sb.objects_allocated);
  EXPECT_EQ(sa.bytes_allocated, sb.bytes_allocated);
  EXPECT_EQ(sa.objects_freed, sb.objects_freed);
  EXPECT_EQ(sa.bytes_freed, sb.bytes_freed);
  EXPECT_EQ(sa.live_objects, sb.live_objects);
  EXPECT_EQ(sa.peak_live_bytes, sb.peak_live_bytes);
  EXPECT_EQ(live_ids(a.vm), live_ids(b.vm));
  EXPECT_EQ(a.dump(), b.dump());
}

TEST(GcDeterminism, NoCollectionBelowTheThreshold) {
  Machine m(pwtest::main_program("  push 1\n  push 2\n  cons\n  push 3\n  cons\n  halt"), normal_gc());
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.vm.heap.stats().collections, 0u);
  EXPECT_EQ(m.vm.heap.stats().objects_allocated, 2u);
}

// ---- stress mode ----------------------------------------------------------------------

TEST(GcStress, CollectsBeforeEveryAllocation) {
  Machine m(pwtest::main_program("  push 1\n  nil\n  cons\n  push 2\n  swap\n  cons\n  push 3\n  swap\n  cons\n"
                                 "  push 2\n  array_new\n  pop\n  push 1\n  push 2\n  cons\n  pop\n  halt"),
            stress_gc());
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  EXPECT_EQ(m.result(), "(3 2 1)");
  EXPECT_EQ(m.vm.heap.stats().objects_allocated, 5u);
  EXPECT_EQ(m.vm.heap.stats().collections, 5u);
  // The array dropped before the last allocation was freed by its collection.
  EXPECT_EQ(m.vm.heap.stats().objects_freed, 1u);
}

TEST(GcStress, StressModeGivesTheSameResultsAsNormalMode) {
  const std::string programs[] = {kReachable, kChurn, pwtest::kAllInstructions};
  for (const std::string& src : programs) {
    pw::VmConfig n = normal_gc();
    pw::VmConfig s = stress_gc();
    n.capabilities = s.capabilities = pw::kCapIo | pw::kCapClock | pw::kCapRandom;
    Machine a(src, n);
    Machine b(src, s);
    a.run();
    b.run();
    EXPECT_EQ(a.outcome(), b.outcome());
    EXPECT_EQ(a.host.output, b.host.output);
    EXPECT_EQ(a.vm.step, b.vm.step);
    EXPECT_EQ(a.vm.heap.stats().objects_allocated, b.vm.heap.stats().objects_allocated);
    EXPECT_GE(b.vm.heap.stats().collections, a.vm.heap.stats().collections);
  }
}

TEST(GcStress, EveryExampleBehavesTheSameUnderStress) {
  const auto files = pwtest::example_files();
  if (files.empty()) GTEST_SKIP() << "no examples in " << EXAMPLES_DIR;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    std::shared_ptr<const pw::Program> p;
    try {
      p = pwtest::load_example(path);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "does not load: " << e.what();
      continue;
    }
    pw::VmConfig n = normal_gc();
    pw::VmConfig s = stress_gc();
    for (pw::VmConfig* c : {&n, &s}) {
      c->capabilities = pw::kCapIo | pw::kCapRandom;  // no clock: its values differ run to run
      c->limits.max_steps = 100'000;
    }
    Machine a(p, n);
    Machine b(p, s);
    a.host.input_lines = b.host.input_lines = {"3", "hello", "7"};
    a.host.program_args = b.host.program_args = {"5"};
    a.run();
    b.run();
    EXPECT_EQ(a.outcome(), b.outcome());
    EXPECT_EQ(a.host.output, b.host.output);
    EXPECT_EQ(a.vm.step, b.vm.step);
  }
}

// ---- counters -------------------------------------------------------------------------

void expect_stats_add_up(const pw::VmState& vm) {
  const pw::GcStats& s = vm.heap.stats();
  EXPECT_EQ(s.objects_allocated, s.objects_freed + s.live_objects);
  EXPECT_EQ(s.bytes_allocated, s.bytes_freed + s.live_bytes);
  EXPECT_EQ(s.live_objects, vm.heap.objects().size());
  std::uint64_t bytes = 0;
  for (const pw::Object* o : vm.heap.objects()) bytes += pw::Heap::object_bytes(o);
  EXPECT_EQ(bytes, s.live_bytes);
  EXPECT_GE(s.peak_live_bytes, s.live_bytes);
  EXPECT_GE(s.total_pause_ns, s.max_pause_ns);
}

TEST(GcStats, AllocatedEqualsFreedPlusLive) {
  Machine m(kChurn, small_threshold_gc());
  expect_stats_add_up(m.vm);
  ASSERT_EQ(m.run(3000), pw::RunStatus::Paused);
  expect_stats_add_up(m.vm);
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  EXPECT_GT(m.vm.heap.stats().collections, 0u);
  EXPECT_GT(m.vm.heap.stats().objects_freed, 0u);
  expect_stats_add_up(m.vm);
  const std::uint64_t collections = m.vm.heap.stats().collections;
  pw::collect_garbage(m.vm);
  EXPECT_EQ(m.vm.heap.stats().collections, collections + 1);
  expect_stats_add_up(m.vm);
  // 20 kept pairs, reachable from the global; the locals still hold the last list (nil).
  EXPECT_EQ(m.vm.heap.stats().live_objects, 20u);
}

TEST(GcStats, StressCountersAddUpToo) {
  Machine m(kReachable, stress_gc());
  ASSERT_EQ(m.run(), pw::RunStatus::Halted) << m.outcome();
  expect_stats_add_up(m.vm);
  // One collection per allocation the program made; string constants were allocated before it ran.
  const auto string_constants = static_cast<std::uint64_t>(
      std::count_if(m.program->constants.begin(), m.program->constants.end(),
                    [](const pw::Constant& c) { return c.type == pw::ValueType::String; }));
  EXPECT_EQ(m.vm.heap.stats().collections, m.vm.heap.stats().objects_allocated - string_constants);
}

}  // namespace
