// The packed form of a snapshot's arrays (format 1.5): every state packs and unpacks to
// itself, an image laid out otherwise keeps the plain arrays, and damaged packed bytes are
// an error, never a crash or a wrong state.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "snapshot_packing.h"
#include "state_image.h"
#include "test_util.h"
#include "trace_codec.h"

namespace {

using pwtest::Machine;

pw::StateImage unpacked(const std::string& packed, const pw::StateImage& like) {
  pw::StateImage back;
  back.bytes = like.bytes;  // stored beside the packed arrays
  pw::trace::unpack_image(packed, back);
  return back;
}

// The arrays packing covers are the image's, exactly.
void expect_same_arrays(const pw::StateImage& a, const pw::StateImage& b) {
  EXPECT_EQ(a.stack, b.stack);
  EXPECT_EQ(a.globals, b.globals);
  EXPECT_EQ(a.objects, b.objects);
  EXPECT_EQ(a.slots, b.slots);
}

TEST(SnapshotPacking, EveryExamplePacksToItselfThroughItsRun) {
  pw::VmConfig config = pwtest::default_config();
  config.capabilities = pw::kCapIo | pw::kCapRandom;
  config.limits.max_steps = 50'000'000;
  for (const auto& path : pwtest::example_files()) {
    SCOPED_TRACE(path.filename().string());
    Machine m(pwtest::load_example(path), config);
    m.host.input_lines = {"3", "hello", "7"};
    m.host.program_args = {"5"};
    std::size_t packed_bytes = 0, image_bytes = 0;
    for (int k = 0; k < 12 && (m.vm.status == pw::RunStatus::Ready || m.vm.status == pw::RunStatus::Paused); ++k) {
      const pw::StateImage image = pw::capture_state(m.vm);
      std::string packed = "prefix";
      ASSERT_TRUE(pw::trace::pack_image(image, packed)) << "at step " << m.vm.step;
      ASSERT_EQ(packed.substr(0, 6), "prefix") << "appends";
      expect_same_arrays(unpacked(packed.substr(6), image), image);
      // Packing the state itself, as a recorder does, gives the same bytes and strings,
      // and the rest of the image as capture_state takes it.
      pw::StateImage rest;
      pw::trace::PackedBytes direct;
      pw::capture_state_except_values(m.vm, rest);
      pw::trace::pack_state(m.vm, rest, direct);
      ASSERT_EQ(std::string(direct.data.get(), direct.size), packed.substr(6)) << "at step " << m.vm.step;
      EXPECT_EQ(std::string(direct.data.get() + direct.size, 8), std::string(8, '\0'));
      EXPECT_EQ(rest.bytes, image.bytes);
      pw::StateImage whole = rest;
      pw::trace::unpack_image(packed.substr(6), whole);
      ASSERT_EQ(whole, image) << "at step " << m.vm.step;
      packed_bytes += packed.size() - 6;
      image_bytes += (image.stack.size() + image.globals.size() + image.slots.size()) * sizeof(pw::ValueImage) +
                     image.objects.size() * sizeof(pw::ObjectImage);
      m.run(pw::VmConfig::from_environment().gc.stress ? 5'000 : 200'000);
    }
    EXPECT_LT(packed_bytes, image_bytes) << "packing made it larger";
  }
}

TEST(SnapshotPacking, EveryKindOfValueKeepsItsBits) {
  pw::StateImage image;
  const auto value = [](pw::ValueType t, std::int64_t p) { return pw::ValueImage{static_cast<std::uint64_t>(t), p}; };
  double d = -0.0;
  std::int64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  image.stack = {value(pw::ValueType::Nil, 0),          value(pw::ValueType::Bool, 1),
                 value(pw::ValueType::Int, INT64_MIN),  value(pw::ValueType::Int, INT64_MAX),
                 value(pw::ValueType::Int, -1),         value(pw::ValueType::Float, bits),
                 value(pw::ValueType::Symbol, 12),      value(pw::ValueType::Function, 3),
                 value(pw::ValueType::Pair, 9)};
  image.globals = {value(pw::ValueType::String, 5)};
  image.bytes = "hey";
  // A string, a pair pointing back at it and forward at a closure, and the closure.
  image.objects = {{5, static_cast<std::uint32_t>(pw::ValueType::String), 0, 0, 3},
                   {9, static_cast<std::uint32_t>(pw::ValueType::Pair), 0, 0, 2},
                   {1u << 20, static_cast<std::uint32_t>(pw::ValueType::Closure), 7, 2, 1}};
  image.slots = {value(pw::ValueType::String, 5), value(pw::ValueType::Closure, 1 << 20),
                 value(pw::ValueType::Float, 0x7ff8000000000001)};
  std::string packed;
  ASSERT_TRUE(pw::trace::pack_image(image, packed));
  expect_same_arrays(unpacked(packed, image), image);
}

TEST(SnapshotPacking, AnImageLaidOutOtherwiseKeepsThePlainArrays) {
  pw::StateImage image;
  image.objects = {{2, static_cast<std::uint32_t>(pw::ValueType::Pair), 0, 0, 2},
                   {1, static_cast<std::uint32_t>(pw::ValueType::Pair), 0, 2, 2}};  // ids descend
  image.slots.resize(4);
  std::string packed = "x";
  EXPECT_FALSE(pw::trace::pack_image(image, packed));
  EXPECT_EQ(packed, "x") << "a refused image leaves the buffer as it was";
  image.objects[1].id = 3;
  image.objects[1].first = 3;  // a gap in the slots
  EXPECT_FALSE(pw::trace::pack_image(image, packed));
  image.objects[1].first = 2;
  EXPECT_TRUE(pw::trace::pack_image(image, packed));
}

TEST(SnapshotPacking, DamagedPackedBytesAreAnErrorNotACrash) {
  Machine m(pwtest::load(pwtest::main_program(
      "  push 0\n  set_local i\nloop:\n  inc_local i 1\n  get_local i\n  get_local l\n  cons\n  set_local l\n"
      "  get_local i\n  push 200\n  lt\n  jump_if_true loop\n  get_local l\n  halt",
      "i, l")));
  m.run(1000);
  const pw::StateImage image = pw::capture_state(m.vm);
  std::string packed;
  ASSERT_TRUE(pw::trace::pack_image(image, packed));
  // Every cut is refused.
  for (std::size_t n = 0; n < packed.size(); ++n)
    EXPECT_THROW(unpacked(packed.substr(0, n), image), pw::trace::TraceFormatError) << "cut at " << n;
  EXPECT_THROW(unpacked(packed + "z", image), pw::trace::TraceFormatError) << "a byte left over";
  // Changed bytes give an error or some image, which state_image_check then judges.
  std::mt19937_64 rng(5);
  for (int round = 0; round < 2000; ++round) {
    std::string bad = packed;
    for (int k = 0; k < 3; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    try {
      (void)unpacked(bad, image);
    } catch (const pw::trace::TraceFormatError&) {
    }
  }
}

}  // namespace
