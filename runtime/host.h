// Host calls: the VM's only way out of its sandbox, each gated by a capability.
//
// Their results are the only nondeterminism in a run. The VM asks a Host for them, so a
// recorder can log what the host said and a replayer can answer with the logged values.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pw {

enum class HostFn : std::uint8_t {
  Print,     // print(a): write a as text and a newline; no capability needed
  Write,     // write(a): write a as text; no capability needed
  ReadLine,  // read_line(): the next line of stdin without its newline, nil at end (io)
  Args,      // args(): the program's arguments as an array of strings (io)
  Clock,     // clock(): monotonic nanoseconds as an int (clock)
  Random,    // random(n): a uniform int in [0, n) (random)
};
inline constexpr int kHostFnCount = 6;

// Capabilities are bits so a set of them is one integer.
enum Capability : std::uint32_t {
  kCapNone = 0,
  kCapIo = 1u << 0,
  kCapClock = 1u << 1,
  kCapRandom = 1u << 2,
};

struct HostFnInfo {
  std::string_view name;
  int arity;
  std::uint32_t capability;  // kCapNone when no grant is needed
};

const HostFnInfo& host_fn_info(HostFn fn);
std::optional<HostFn> host_fn_from_name(std::string_view name);
std::string_view capability_name(std::uint32_t cap);
// Parses "io,clock,random" (or "all", or ""). Returns nullopt and names the bad word in
// [bad] when a word is not a capability.
std::optional<std::uint32_t> parse_capabilities(std::string_view text, std::string* bad = nullptr);
std::string capabilities_to_string(std::uint32_t caps);

// A uniform int in [0, n) from a splitmix64 stream; n > 0.
std::int64_t random_uniform(std::uint64_t& state, std::int64_t n);

// Thrown by a host call that a signal interrupted before it took effect (a read waiting
// for input): the run pauses before the host instruction, which runs again if the run goes on.
class HostInterrupted : public std::runtime_error {
 public:
  HostInterrupted() : std::runtime_error("interrupted by a signal") {}
};

class Host {
 public:
  virtual ~Host() = default;
  virtual void write_output(std::string_view text) = 0;
  virtual std::optional<std::string> read_line() = 0;
  virtual std::vector<std::string> args() = 0;
  virtual std::int64_t clock_ns() = 0;
  virtual std::int64_t random_below(std::int64_t n) = 0;  // n > 0
};

// The real world: stdout, stdin, the monotonic clock and a PRNG (seeded from the OS unless
// a seed is given, so a run can be repeated with --seed).
class SystemHost final : public Host {
 public:
  SystemHost(std::vector<std::string> args, std::optional<std::uint64_t> seed, std::FILE* out = stdout,
             std::FILE* in = stdin);
  void write_output(std::string_view text) override;
  std::optional<std::string> read_line() override;
  std::vector<std::string> args() override { return args_; }
  std::int64_t clock_ns() override;
  std::int64_t random_below(std::int64_t n) override;
  // Makes reads interruptible for a caller that stops the run on a signal: read_line()
  // throws HostInterrupted when a caught signal interrupts its wait, or when [*stop] is
  // non-zero (set by the handler) before it waits. What it read of a line is kept for the
  // next call.
  void interrupt_reads_on(const std::atomic<int>* stop) { stop_ = stop; }
  // A line longer than [max_bytes] (at most what a heap string can hold) fails the read
  // instead of growing without bound: stdin may be /dev/zero.
  void limit_lines_to(std::size_t max_bytes) { max_line_bytes_ = std::min(max_bytes, max_line_bytes_); }

 private:
  std::vector<std::string> args_;
  std::uint64_t rng_state_;
  std::FILE* out_;
  std::FILE* in_;
  const std::atomic<int>* stop_ = nullptr;
  std::string pending_;  // the start of a line whose read was interrupted
  std::size_t max_line_bytes_ = UINT32_MAX;
};

// A host that keeps output in memory and answers from fixed inputs: for tests and for
// running programs without touching the terminal.
class ScriptedHost final : public Host {
 public:
  std::string output;
  std::vector<std::string> input_lines;
  std::vector<std::string> program_args;
  std::int64_t clock = 0;  // advances by 1000 ns per call
  std::uint64_t seed = 1;

  void write_output(std::string_view text) override { output.append(text); }
  std::optional<std::string> read_line() override;
  std::vector<std::string> args() override { return program_args; }
  std::int64_t clock_ns() override { return clock += 1000; }
  std::int64_t random_below(std::int64_t n) override;

 private:
  std::size_t next_line_ = 0;
};

}  // namespace pw
