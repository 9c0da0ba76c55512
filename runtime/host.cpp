// The host function table, capability parsing, and the real and scripted hosts.
#include "host.h"

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <random>

namespace pw {
namespace {

constexpr std::array<HostFnInfo, kHostFnCount> kHostFns = {{
    {"print", 1, kCapNone},
    {"write", 1, kCapNone},
    {"read_line", 0, kCapIo},
    {"args", 0, kCapIo},
    {"clock", 0, kCapClock},
    {"random", 1, kCapRandom},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

// splitmix64 reduced without bias: tiny, and the same on every platform (std's
// distributions are not), so a --seed gives the same numbers everywhere.
std::int64_t random_uniform(std::uint64_t& state, std::int64_t n) {
  const std::uint64_t bound = static_cast<std::uint64_t>(n);
  const std::uint64_t reject_from = UINT64_MAX - UINT64_MAX % bound;
  for (;;) {
    state += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    if (z < reject_from) return static_cast<std::int64_t>(z % bound);
  }
}

// Total, because host function bytes also come from trace files.
const HostFnInfo& host_fn_info(HostFn fn) {
  static const HostFnInfo kUnknown{"unknown host function", 0, kCapNone};
  const auto i = static_cast<std::size_t>(fn);
  return i < kHostFns.size() ? kHostFns[i] : kUnknown;
}

std::optional<HostFn> host_fn_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kHostFns.size(); ++i)
    if (kHostFns[i].name == name) return static_cast<HostFn>(i);
  return std::nullopt;
}

std::string_view capability_name(std::uint32_t cap) {
  switch (cap) {
    case kCapIo: return "io";
    case kCapClock: return "clock";
    case kCapRandom: return "random";
    default: return "none";
  }
}

std::optional<std::uint32_t> parse_capabilities(std::string_view text, std::string* bad) {
  std::uint32_t caps = 0;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view word = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (word.empty()) continue;
    if (word == "io") caps |= kCapIo;
    else if (word == "clock") caps |= kCapClock;
    else if (word == "random") caps |= kCapRandom;
    else if (word == "all") caps |= kCapIo | kCapClock | kCapRandom;
    else {
      if (bad) *bad = std::string(word);
      return std::nullopt;
    }
  }
  return caps;
}

std::string capabilities_to_string(std::uint32_t caps) {
  std::string out;
  for (std::uint32_t cap : {kCapIo, kCapClock, kCapRandom}) {
    if (!(caps & cap)) continue;
    if (!out.empty()) out += ',';
    out += capability_name(cap);
  }
  return out;
}

SystemHost::SystemHost(std::vector<std::string> args, std::optional<std::uint64_t> seed, std::FILE* out,
                       std::FILE* in)
    : args_(std::move(args)), out_(out), in_(in) {
  rng_state_ = seed ? *seed : (std::uint64_t{std::random_device{}()} << 32 | std::random_device{}());
}

void SystemHost::write_output(std::string_view text) {
  std::size_t done = 0;
  while (done < text.size()) {
    done += std::fwrite(text.data() + done, 1, text.size() - done, out_);
    if (done == text.size()) break;
    // A caught signal may interrupt a write to a full pipe: the text is written on.
    if (!std::ferror(out_) || errno != EINTR)
      throw std::runtime_error(std::string("cannot write output: ") + std::strerror(errno));
    std::clearerr(out_);
  }
}

std::optional<std::string> SystemHost::read_line() {
  std::fflush(out_);  // a prompt written before the read must be visible
  std::string line = std::move(pending_);
  pending_.clear();
  bool any = !line.empty();
  int c;
  for (;;) {
    if (stop_ && stop_->load(std::memory_order_relaxed)) {
      pending_ = std::move(line);
      throw HostInterrupted();
    }
    c = std::fgetc(in_);
    if (c == EOF) break;
    any = true;
    if (c == '\n') break;
    if (line.size() == max_line_bytes_)
      throw std::length_error("a line of input is longer than " + std::to_string(max_line_bytes_) + " bytes");
    line.push_back(static_cast<char>(c));
  }
  if (c == EOF && std::ferror(in_)) {
    if (errno == EINTR) {
      std::clearerr(in_);
      pending_ = std::move(line);
      throw HostInterrupted();
    }
    throw std::runtime_error(std::string("cannot read stdin: ") + std::strerror(errno));
  }
  if (!any) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::int64_t SystemHost::clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t SystemHost::random_below(std::int64_t n) { return random_uniform(rng_state_, n); }

std::optional<std::string> ScriptedHost::read_line() {
  if (next_line_ >= input_lines.size()) return std::nullopt;
  return input_lines[next_line_++];
}

std::int64_t ScriptedHost::random_below(std::int64_t n) { return random_uniform(seed, n); }

}  // namespace pw
