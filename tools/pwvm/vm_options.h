// The options that describe a VM (program, capabilities, limits, collector, seed,
// arguments), shared by `pwvm run` and `pwvm debug`.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "vm.h"

namespace pwvm {

struct VmOptions {
  std::string program;
  std::string allow;
  std::uint64_t max_steps = pw::Limits{}.max_steps;
  std::uint32_t max_stack = pw::Limits{}.max_stack;
  std::uint32_t max_depth = pw::Limits{}.max_depth;
  std::string max_heap = "1G";
  std::string max_output = "256M";
  std::string gc_threshold = "1M";
  bool gc_stress = false;
  bool no_gc = false;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> args;
};

// Registers the program argument and the VM's options on [cmd] (the program's own
// arguments, after --, last: register other positionals before calling this).
void add_vm_options(CLI::App* cmd, VmOptions& o);
// The VmConfig [o] asks for; nullopt when a value is bad, after one line on stderr (or
// with the line in [problem], when given).
std::optional<pw::VmConfig> vm_config(const VmOptions& o, std::string* problem = nullptr);
// CLI11's own range checks print the whole double range; say it plainly instead.
CLI::Validator positive_integer();

}  // namespace pwvm
