// The first difference between two state images, in words.
#include "image_diff.h"

#include <fmt/format.h>

namespace pw::replay {
namespace {

std::string value_words(const ValueImage& v) {
  const auto t = static_cast<ValueType>(v.type);
  if (t >= ValueType::String) return fmt::format("{} #{}", type_name(t), v.payload);
  if (t == ValueType::Nil) return "nil";
  return fmt::format("{} {}", type_name(t), v.payload);
}

template <class T, class Name, class Words>
std::string first_difference(const std::vector<T>& a, const std::vector<T>& b, const char* what, Name name,
                             Words words) {
  if (a.size() != b.size())
    return fmt::format("the replay has {} {} but the recording {}", a.size(), what, b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i]))
      return fmt::format("{} is {} in the replay but {} in the recording", name(i), words(a[i]), words(b[i]));
  return "";
}

}  // namespace

std::string describe_difference(const Program& program, const StateImage& a, const StateImage& b) {
  if (a.step != b.step) return fmt::format("the replay is at step {} but the recording at {}", a.step, b.step);
  if (a.status != b.status) return "the run's status differs";
  std::string d = first_difference(
      a.globals, b.globals, "globals",
      [&](std::size_t i) {
        return fmt::format("global '{}'", i < program.globals.size() ? program.globals[i] : std::to_string(i));
      },
      value_words);
  if (!d.empty()) return d;
  d = first_difference(
      a.frames, b.frames, "frames", [](std::size_t i) { return fmt::format("frame {}", i); },
      [&](const FrameImage& f) {
        return fmt::format("{}+{}", f.fn < program.functions.size() ? program.functions[f.fn].name : "?", f.ip);
      });
  if (!d.empty()) return d;
  d = first_difference(
      a.stack, b.stack, "stack values", [](std::size_t i) { return fmt::format("stack slot {}", i); }, value_words);
  if (!d.empty()) return d;
  d = first_difference(
      a.objects, b.objects, "live objects", [](std::size_t i) { return fmt::format("live object {}", i); },
      [](const ObjectImage& o) { return fmt::format("{} #{}", type_name(static_cast<ValueType>(o.kind)), o.id); });
  if (!d.empty()) return d;
  d = first_difference(
      a.slots, b.slots, "object slots", [](std::size_t i) { return fmt::format("object slot {}", i); }, value_words);
  if (!d.empty()) return d;
  if (a.bytes != b.bytes) return "string contents differ";
  if (a.handlers != b.handlers) return "exception handlers differ";
  if (a.gc != b.gc) return "garbage-collector counters differ";
  if (a.output != b.output)
    return fmt::format("the output differs ({} bytes in the replay, {} in the recording)", a.output.size(), b.output.size());
  if (a.result != b.result) return "the result differs";
  if (a.error != b.error) return "the error differs";
  if (a.next_frame_id != b.next_frame_id) return "frame ids differ";
  return "";
}

}  // namespace pw::replay
