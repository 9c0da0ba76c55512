// Shared by pwvm's subcommands: loading a program with one-line errors, sizes like 64M.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "program.h"

namespace pwvm {

// Loads and verifies [path]; on failure prints one line to stderr and returns nullptr.
std::shared_ptr<const pw::Program> load_or_report(const std::string& path);
// Loads and verifies [path]; throws std::runtime_error with the one-line reason.
std::shared_ptr<const pw::Program> load_or_throw(const std::string& path);
// "1048576", "64K", "512M", "2G" -> bytes; nullopt when malformed.
std::optional<std::uint64_t> parse_size(const std::string& text);
// Prints "pwvm: error: MESSAGE" on stderr.
void report(const std::string& message);

}  // namespace pwvm
