// A snapshot is checked structurally against its program before it is restored: each rule
// below is broken once in an image captured from a real run, and the image is refused with a
// message that names what is wrong, while the unbroken image restores.
#include <gtest/gtest.h>

#include "object.h"
#include "state_image.h"
#include "test_util.h"

namespace {

using pwtest::Machine;

// main keeps 10 under a call of add3(1, 2, 3), made with call_fn or with call on a function
// value; add3 leaves its sum on top of its operand stack.
constexpr const char* kCalls = R"PWA(func add3(a, b, c)
  get_local a
  get_local b
  add
  get_local c
  add
  return
end
func main()
  push 10
  push 1
  push 2
  push 3
  call_fn add3
  add
  push_func add3
  push 4
  push 5
  push 6
  call 3
  add
  halt
end
)PWA";

// main opens a try with 7 on its stack and pauses inside it; the handler returns the value.
constexpr const char* kTry = R"PWA(func main()
  local x
  push 7
  try handler
  push 1
  push 2
  add
  set_local x
  end_try
  halt
handler:
  set_local x
  pop
  get_local x
  halt
end
)PWA";

::testing::AssertionResult refused(const std::shared_ptr<const pw::Program>& program, const pw::StateImage& image,
                                   const std::string& expected) {
  Machine fresh(program);
  try {
    pw::restore_state(fresh.vm, image);
  } catch (const pw::StateImageError& e) {
    const std::string what = e.what();
    if (what.find(expected) == std::string::npos)
      return ::testing::AssertionFailure() << "refused, but with \"" << what << "\", not \"" << expected << "\"";
    if (what.find('\n') != std::string::npos) return ::testing::AssertionFailure() << "not one line: " << what;
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "restored an image that should be refused (" << expected << ")";
}

// The image of [program] after [steps] steps; it restores as it is.
pw::StateImage image_after(const std::shared_ptr<const pw::Program>& program, std::uint64_t steps) {
  Machine m(program);
  m.run(steps);
  pw::StateImage image = pw::capture_state(m.vm);
  Machine fresh(program);
  EXPECT_NO_THROW(pw::restore_state(fresh.vm, image));
  return image;
}

// Inserts a value into the operand stack of frame [d] (outermost first) and moves the frames
// above it up by one slot, so only that frame's depth is wrong.
void add_operand(pw::StateImage& img, std::size_t d) {
  const std::uint64_t at = d + 1 < img.frames.size() ? img.frames[d + 1].result_slot : img.stack.size();
  img.stack.insert(img.stack.begin() + static_cast<std::ptrdiff_t>(at), pw::ValueImage{});
  for (std::size_t k = d + 1; k < img.frames.size(); ++k) {
    ++img.frames[k].base;
    ++img.frames[k].result_slot;
  }
  for (auto& h : img.handlers)
    if (h.frame > d) ++h.stack_height;
}

TEST(SnapshotCheck, TopFrameMustHoldTheVerifiersOperandDepth) {
  const auto program = pwtest::load(kCalls);
  const pw::StateImage good = image_after(program, 7);  // in add3, before its first add
  ASSERT_EQ(good.frames.size(), 2u);
  pw::StateImage img = good;
  add_operand(img, 1);
  EXPECT_TRUE(refused(program, img, "frame 0 of add3 has 3 values, the verifier allows 2"));
  img = good;
  img.stack.pop_back();
  EXPECT_TRUE(refused(program, img, "frame 0 of add3 has 1 value, the verifier allows 2"));
}

TEST(SnapshotCheck, CallerFrameMustHoldTheVerifiersOperandDepth) {
  const auto program = pwtest::load(kCalls);
  pw::StateImage img = image_after(program, 7);
  add_operand(img, 0);
  // main waits with 10 on its stack and the result slot above it: 1 value of its own.
  EXPECT_TRUE(refused(program, img, "frame 1 of main has 2 values, the verifier allows 1"));
}

TEST(SnapshotCheck, CallerMustWaitRightAfterACall) {
  const auto program = pwtest::load(kCalls);
  pw::StateImage img = image_after(program, 7);
  img.frames[0].ip += 1;  // past the add that follows the call
  EXPECT_TRUE(refused(program, img, "which does not follow a call"));
}

TEST(SnapshotCheck, CalleeMustStartWhereItsCallPutIt) {
  const auto program = pwtest::load(kCalls);
  const pw::StateImage by_call_fn = image_after(program, 7);
  pw::StateImage img = by_call_fn;
  ++img.frames[1].base;  // as if called with call: one slot above its result slot
  ++img.frames[1].result_slot;
  img.stack.insert(img.stack.begin() + 1, pw::ValueImage{});
  EXPECT_TRUE(refused(program, img, "values, the verifier allows"));  // the caller's depth gives it away first
  img = by_call_fn;
  ++img.frames[1].base;  // arguments above the result slot, as call puts them, after a call_fn
  img.stack.insert(img.stack.begin() + 2, pw::ValueImage{});
  EXPECT_TRUE(refused(program, img, "does not start where its caller's call_fn put it"));

  const pw::StateImage by_call = image_after(program, 17);  // in add3 again, called with call
  ASSERT_EQ(by_call.frames.size(), 2u);
  ASSERT_EQ(by_call.frames[1].base, by_call.frames[1].result_slot + 1);
  img = by_call;
  --img.frames[1].base;
  img.stack.erase(img.stack.begin() + static_cast<std::ptrdiff_t>(img.frames[1].base));
  EXPECT_TRUE(refused(program, img, "does not start where its caller's call put it"));
}

TEST(SnapshotCheck, OutermostFrameStartsAtTheBottomOfTheStack) {
  const auto program = pwtest::load(kTry);
  pw::StateImage img = image_after(program, 1);
  img.frames[0].base = 1;
  img.frames[0].result_slot = 1;
  img.stack.insert(img.stack.begin(), pw::ValueImage{});
  EXPECT_TRUE(refused(program, img, "the outermost frame does not start at the bottom of the stack"));
}

TEST(SnapshotCheck, FramesMustRunReachableCodeOfTheirFunction) {
  const auto program = pwtest::load(kCalls);
  const pw::StateImage good = image_after(program, 7);
  pw::StateImage img = good;
  img.frames[1].fn = 9;
  EXPECT_TRUE(refused(program, img, "frame 0 runs function 9, the program has 2"));
  // Its caller is checked first, and a wrong start is told without the callee's name.
  ++img.frames[1].base;
  img.stack.insert(img.stack.begin() + 2, pw::ValueImage{});
  EXPECT_TRUE(refused(program, img, "frame 0 does not start where its caller's call_fn put it"));
  img = good;
  img.frames[1].ip = 100;
  EXPECT_TRUE(refused(program, img, "frame 0 of add3 resumes at instruction 100, past its end"));
  img = good;
  img.frames[1].id = img.frames[0].id;
  EXPECT_TRUE(refused(program, img, "out of order"));
  img = good;
  img.next_frame_id = img.frames[1].id;
  EXPECT_TRUE(refused(program, img, "out of order"));
}

TEST(SnapshotCheck, HandlerMustSaveTheHeightTheVerifierFoundAtItsTry) {
  const auto program = pwtest::load(kTry);
  const pw::StateImage good = image_after(program, 3);  // inside the try, after push 1
  ASSERT_EQ(good.handlers.size(), 1u);
  pw::StateImage img = good;
  img.handlers[0].stack_height -= 1;
  EXPECT_TRUE(refused(program, img, "handler 0 of frame 0 of main goes to instruction 8 with the stack at 1, "
                                    "the verifier expects instruction 8 at 2"));
  img = good;
  img.handlers[0].stack_height = 100;  // beyond its own frame
  EXPECT_TRUE(refused(program, img, "with the stack at 100"));
  img = good;
  img.handlers[0].target = 2;
  EXPECT_TRUE(refused(program, img, "goes to instruction 2"));
}

TEST(SnapshotCheck, HandlersMustBeTheTrysOpenInTheirFrame) {
  const auto program = pwtest::load(kTry);
  const pw::StateImage good = image_after(program, 3);
  pw::StateImage img = good;
  img.handlers.clear();
  EXPECT_TRUE(refused(program, img, "frame 0 of main has 0 exception handlers, the verifier allows 1"));
  img = good;
  img.handlers.push_back(img.handlers[0]);
  EXPECT_TRUE(refused(program, img, "has 2 exception handlers, the verifier allows 1"));
  img = good;
  img.handlers[0].frame = 3;  // a frame that does not exist
  EXPECT_TRUE(refused(program, img, "exception handlers"));
  // Before the try: no handler may be open.
  img = image_after(program, 1);
  img.handlers.push_back(good.handlers[0]);
  EXPECT_TRUE(refused(program, img, "has 1 exception handler, the verifier allows 0"));
}

TEST(SnapshotCheck, ReferencesMustNameObjectsOfTheirKind) {
  const auto program = pwtest::load(pwtest::main_program("  push 1\n  push 2\n  cons\n  push \"s\"\n  halt"));
  const pw::StateImage good = image_after(program, 4);
  ASSERT_EQ(good.stack.size(), 2u);
  pw::StateImage img = good;
  img.stack[0].payload = 999;
  EXPECT_TRUE(refused(program, img, "the stack refers to object #999, which is not in the heap"));
  img = good;
  img.stack[1].type = static_cast<std::uint64_t>(pw::ValueType::Array);  // the string, read as an array
  EXPECT_TRUE(refused(program, img, "as a array, but it is a string"));
  img = good;
  img.stack[0].type = 77;
  EXPECT_TRUE(refused(program, img, "unknown type 77"));
  img = good;
  img.slots[0] = {static_cast<std::uint64_t>(pw::ValueType::Symbol), 5};
  EXPECT_TRUE(refused(program, img, "a heap object holds symbol 5, the program has 0"));
  img = good;
  img.globals.push_back({});
  EXPECT_TRUE(refused(program, img, "it has 1 globals, the program 0"));
}

TEST(SnapshotCheck, ObjectIdsMustAscendBelowTheNextId) {
  const auto program = pwtest::load(pwtest::main_program("  push 1\n  push 2\n  cons\n  push 3\n  push 4\n  cons\n  halt"));
  const pw::StateImage good = image_after(program, 7);
  ASSERT_EQ(good.objects.size(), 2u);
  pw::StateImage img = good;
  std::swap(img.objects[0].id, img.objects[1].id);
  EXPECT_TRUE(refused(program, img, "objects must be in id order"));
  img = good;
  img.gc.next_id = img.objects[1].id;
  EXPECT_TRUE(refused(program, img, "is not below the next id"));
}

TEST(SnapshotCheck, HeapMustHoldExactlyWhatItsCountersSay) {
  const auto program = pwtest::load(pwtest::main_program("  push 1\n  push 2\n  cons\n  push \"abc\"\n  halt"));
  const pw::StateImage good = image_after(program, 4);
  pw::StateImage img = good;
  img.gc.live_objects += 1;
  EXPECT_TRUE(refused(program, img, "the heap counts 3 live objects, the image holds 2"));
  img = good;
  img.gc.live_bytes += 16;
  EXPECT_TRUE(refused(program, img, "live bytes, its objects take"));
  img = good;
  img.slots.push_back({});
  EXPECT_TRUE(refused(program, img, "the image holds 1 slot that no object owns"));
  img = good;
  img.bytes += "x";
  EXPECT_TRUE(refused(program, img, "the image holds 1 string byte that no object owns"));
  img = good;
  img.objects[1].count = 1'000'000;  // the pair's slots run past the image
  EXPECT_TRUE(refused(program, img, "pair #"));
  img = good;
  img.gc.objects_freed += 1;
  EXPECT_TRUE(refused(program, img, "the collector's counters do not add up"));
  img = good;
  img.objects[0].kind = static_cast<std::uint32_t>(pw::ValueType::Int);
  EXPECT_TRUE(refused(program, img, "which is not a heap object"));
}

TEST(SnapshotCheck, StringConstantsMustKeepTheirObjects) {
  const auto program = pwtest::load(pwtest::main_program("  push \"kept\"\n  halt"));
  pw::StateImage img = image_after(program, 1);
  img.bytes[0] = 'K';
  EXPECT_TRUE(refused(program, img, "string constant 0 is not object #1 of the heap"));
}

TEST(SnapshotCheck, StateMustBeWithinTheRunsLimits) {
  const auto program = pwtest::load(kCalls);
  pw::StateImage img = image_after(program, 7);
  pw::VmConfig tight = pwtest::default_config();
  tight.limits.max_depth = 1;
  Machine m(program, tight);
  EXPECT_THROW(pw::restore_state(m.vm, img), pw::StateImageError);
  try {
    pw::restore_state(m.vm, img);
  } catch (const pw::StateImageError& e) {
    EXPECT_NE(std::string(e.what()).find("it has 2 frames, more than the run's limit of 1"), std::string::npos)
        << e.what();
  }
}

TEST(SnapshotCheck, HaltedStateEndsAtAHaltWithTheResultPopped) {
  const auto program = pwtest::load(pwtest::main_program("  push 1\n  push 2\n  halt"));
  const pw::StateImage halted = image_after(program, pw::kRunForever);
  ASSERT_EQ(halted.status, static_cast<std::uint32_t>(pw::RunStatus::Halted));
  pw::StateImage img = halted;
  img.stack.push_back({static_cast<std::uint64_t>(pw::ValueType::Int), 2});
  EXPECT_TRUE(refused(program, img, "frame 0 of main has 2 values, the verifier allows 1"));
  img = halted;
  img.frames[0].ip = 1;
  EXPECT_TRUE(refused(program, img, "is not at a halt"));
}

}  // namespace
