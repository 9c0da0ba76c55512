// The VM's command-line options and their checks.
#include "vm_options.h"

#include <fmt/format.h>

#include "cli_support.h"
#include "host.h"

namespace pwvm {

CLI::Validator positive_integer() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text == "0" ||
            text.find_first_not_of('0') == std::string::npos)
          return "'" + text + "' is not a positive integer";
        return {};
      },
      "POSITIVE");
}

void add_vm_options(CLI::App* cmd, VmOptions& o) {
  cmd->add_option("program", o.program, "Program (.pwa text, at most 64 MiB; - reads it from standard input)")->required();
  cmd->add_option("--allow", o.allow, "Capabilities to grant: io, clock, random (comma-separated) or all");
  cmd->add_option("--max-steps", o.max_steps, "Stop with StepLimitExceeded after this many instructions")
      ->capture_default_str()->check(positive_integer());
  cmd->add_option("--max-stack", o.max_stack, "Value stack size in slots")
      ->capture_default_str()->check(positive_integer());
  cmd->add_option("--max-depth", o.max_depth, "Maximum call depth")
      ->capture_default_str()->check(positive_integer());
  cmd->add_option("--max-heap", o.max_heap, "Maximum live heap, in bytes (suffixes K, M, G)")->capture_default_str();
  cmd->add_option("--max-output", o.max_output, "Maximum bytes the program may print (K, M, G)")
      ->capture_default_str();
  cmd->add_option("--gc-threshold", o.gc_threshold, "Bytes allocated before the first collection (K, M, G)")
      ->capture_default_str();
  cmd->add_flag("--gc-stress", o.gc_stress, "Collect before every allocation");
  auto* no_gc = cmd->add_flag("--no-gc", o.no_gc, "Never collect (the heap limit then ends the run)");
  no_gc->excludes(cmd->get_option("--gc-stress"));
  cmd->add_option("--seed", o.seed, "Seed for the random host function (default: from the OS)");
}

std::optional<pw::VmConfig> vm_config(const VmOptions& o, std::string* problem) {
  const auto complain = [&](const std::string& message) {
    if (problem) *problem = message;
    else report(message);
  };
  pw::VmConfig config = pw::VmConfig::from_environment();
  std::string bad;
  const auto caps = pw::parse_capabilities(o.allow, &bad);
  if (!caps) {
    complain(fmt::format("--allow: unknown capability '{}' (expected io, clock, random or all)", bad));
    return std::nullopt;
  }
  config.capabilities = *caps;
  const auto max_output = parse_size(o.max_output);
  if (!max_output) {
    complain(fmt::format("--max-output: '{}' is not a size (e.g. 64K, 256M)", o.max_output));
    return std::nullopt;
  }
  config.limits.max_output = *max_output;
  const auto max_heap = parse_size(o.max_heap);
  const auto threshold = parse_size(o.gc_threshold);
  if (!max_heap || *max_heap == 0) {
    complain(fmt::format("--max-heap: '{}' is not a size (e.g. 1048576, 64M, 1G)", o.max_heap));
    return std::nullopt;
  }
  if (!threshold) {
    complain(fmt::format("--gc-threshold: '{}' is not a size (e.g. 1M)", o.gc_threshold));
    return std::nullopt;
  }
  config.limits.max_steps = o.max_steps;
  config.limits.max_stack = o.max_stack;
  config.limits.max_depth = o.max_depth;
  config.limits.max_heap = *max_heap;
  config.gc.min_threshold = *threshold;
  if (const std::string limits = pw::limits_problem(config.limits); !limits.empty()) {
    complain(limits);
    return std::nullopt;
  }
  if (o.gc_stress) config.gc.stress = true;
  if (o.no_gc) config.gc.enabled = false;
  return config;
}

}  // namespace pwvm
