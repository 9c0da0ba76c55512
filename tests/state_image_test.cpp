// The plain-data state image: what snapshots hold. Restoring must rebuild the exact state.
#include <gtest/gtest.h>

#include "state_image.h"
#include "test_util.h"

namespace {

using pwtest::Machine;

pw::VmConfig example_config() {
  pw::VmConfig c = pwtest::default_config();
  c.capabilities = pw::kCapIo | pw::kCapRandom;  // no clock: its values differ run to run
  c.limits.max_steps = 50'000'000;  // every example ends on its own well before this
  return c;
}

// Dumps can be megabytes: report where they differ instead of letting gtest diff them.
::testing::AssertionResult same_dump(const std::string& a, const std::string& b) {
  if (a == b) return ::testing::AssertionSuccess();
  std::size_t at = 0;
  while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
  const std::size_t from = at > 200 ? at - 200 : 0;
  return ::testing::AssertionFailure() << "dumps differ at byte " << at << ":\n"
                                       << a.substr(from, 400) << "\n---- vs ----\n" << b.substr(from, 400);
}

void feed(Machine& m) {
  m.host.input_lines = {"3", "hello", "7"};
  m.host.program_args = {"5"};
}

// Runs [m] to [step], captures it, restores the image into a fresh VM of the same program,
// and checks the two dump identically and then run identically to the end.
void check_round_trip(const std::shared_ptr<const pw::Program>& program, std::uint64_t step) {
  SCOPED_TRACE("step " + std::to_string(step));
  Machine live(program, example_config());
  feed(live);
  live.run(step);
  const pw::StateImage image = pw::capture_state(live.vm);

  Machine restored(program, example_config());
  feed(restored);
  pw::restore_state(restored.vm, image);
  ASSERT_TRUE(same_dump(restored.dump(), live.dump()));
  EXPECT_EQ(pw::state_hash(restored.vm), pw::state_hash(live.vm));
  EXPECT_EQ(pw::image_hash(live.vm), pw::image_hash(image));  // hashed as it is, or as its image
  EXPECT_EQ(pw::capture_state(restored.vm), image);

  // Host inputs already consumed by the live run must not be offered again. A bounded
  // continuation keeps the test quick in GC stress mode.
  restored.host = live.host;
  live.run(50'000);
  restored.run(50'000);
  EXPECT_TRUE(same_dump(restored.dump(), live.dump()));
}

TEST(StateImage, EveryExampleRestoresExactlyAtManySteps) {
  const auto files = pwtest::example_files();
  ASSERT_FALSE(files.empty());
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    auto program = pwtest::load_example(path);
    Machine full(program, example_config());
    feed(full);
    // In GC stress mode every allocation collects: explore a prefix of the long examples
    // (a shorter one under the sanitizers too, as trace_test_util.h's step_cap).
    const bool stress = example_config().gc.stress;
    full.run(stress ? (pwtest::under_address_sanitizer() ? 100'000 : 300'000) : pw::kRunForever);
    const std::uint64_t last = full.vm.step;
    for (std::uint64_t step : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2}, last / 3, last / 2,
                               last - 1, last}) {
      check_round_trip(program, step);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(StateImage, HashChangesWithTheState) {
  auto program = pwtest::load(pwtest::main_program("  push 1\n  push 2\n  add\n  halt"));
  Machine m(program);
  std::uint64_t previous = pw::state_hash(m.vm);
  for (int i = 0; i < 4; ++i) {
    m.run(1);
    const std::uint64_t h = pw::state_hash(m.vm);
    EXPECT_NE(h, previous);
    previous = h;
  }
}

TEST(StateImage, ADamagedImageIsRefusedWithoutTouchingPointers) {
  auto program = pwtest::load(R"PWA(
func main()
  local p
  push 1
  push 2
  cons
  set_local p
  get_local p
  halt
end
)PWA");
  Machine m(program);
  m.run(4);
  const pw::StateImage good = pw::capture_state(m.vm);

  auto expect_refused = [&](pw::StateImage img, const char* what) {
    SCOPED_TRACE(what);
    Machine fresh(program);
    EXPECT_THROW(pw::restore_state(fresh.vm, img), pw::StateImageError);
  };
  pw::StateImage img = good;
  img.stack.back().payload = 999;  // a reference to an object that is not there
  expect_refused(img, "dangling reference");
  img = good;
  img.frames[0].fn = 7;
  expect_refused(img, "unknown function");
  img = good;
  img.frames[0].ip = 1000;
  expect_refused(img, "ip past the end");
  img = good;
  img.objects[0].count = 1'000'000;
  expect_refused(img, "slots out of range");
  img = good;
  img.frames.clear();
  expect_refused(img, "no frames");
}

// An image whose string constant differs is refused before anything is torn down: the VM
// (one that has run, as a replayer's is) can still restore a good image afterwards.
TEST(StateImage, AnImageWithoutItsStringConstantIsRefusedBeforeTheHeapIsReset) {
  auto program = pwtest::load(pwtest::main_program("  push \"kept\"\n  push \"also\"\n  str_concat\n  halt"));
  Machine m(program);
  m.run(2);
  const pw::StateImage good = pw::capture_state(m.vm);
  pw::StateImage bad = good;
  ASSERT_FALSE(bad.objects.empty());
  ASSERT_EQ(bad.objects[0].kind, static_cast<std::uint32_t>(pw::ValueType::String));
  bad.bytes[0] = 'K';  // the first constant's string
  Machine other(program);
  other.run();
  try {
    pw::restore_state(other.vm, bad);
    ADD_FAILURE() << "restored an image without its string constant";
  } catch (const pw::StateImageError& e) {
    EXPECT_NE(std::string(e.what()).find("string constant 0 is not object #1"), std::string::npos) << e.what();
  }
  pw::restore_state(other.vm, good);
  EXPECT_EQ(other.dump(), m.dump());
}

}  // namespace
