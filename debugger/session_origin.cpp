// The origin command: where the value in a place came from, as a chain of instructions
// (replay/origin.h), without moving.
#include "command_args.h"
#include "origin.h"
#include "origin_text.h"
#include "session.h"

namespace pw::debugger {

void Session::cmd_origin(std::string_view args) {
  replay::OriginOptions options;
  std::string_view remaining = trim(args);
  if (auto [word, rest] = split_word(remaining); word == "--depth" || word == "-d") {
    auto [n, after] = split_word(rest);
    const auto depth = parse_number(n);
    if (!depth || *depth < 1 || *depth > 1000)
      throw CommandError(fmt::format("--depth takes a number from 1 to 1000, not \"{}\"", n));
    options.depth = static_cast<std::uint32_t>(*depth);
    remaining = after;
  }
  // A step first, when more follows it ("origin 698 #40.cdr", as a bounded chain says to go on).
  std::uint64_t at = cursor_.position();
  std::string_view place = remaining;
  if (auto [word, rest] = split_word(remaining); !rest.empty()) {
    if (const auto step = parse_number(word)) {
      at = *step;
      place = rest;
    }
  }
  if (place.empty())
    throw CommandError("\"origin\" needs a place: a global, FUNCTION::LOCAL, an array item, a pair's car or cdr");
  if (at < cursor_.start()) throw CommandError(replay::before_window_message(at, cursor_.start()));
  if (at > cursor_.end())
    throw CommandError(
        fmt::format("step {} is past the {} step {}", at, cursor_.finished() ? "last" : "newest", cursor_.end()));
  const replay::Expression e = replay::Expression::compile(place, cursor_.program());
  // Names read the selected frame, as print does, when the chain is asked about here.
  if (at == cursor_.position()) options.frames = selected_depth();
  replay::interrupt_flag().store(false);
  const replay::Origin o = replay::origin(cursor_, e, at, options);
  if (o.interrupted) {
    say("Interrupted\n");
    return;
  }
  say_lines(replay::origin_text(cursor_.program(), o, false));
}

}  // namespace pw::debugger
