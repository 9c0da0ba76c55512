// Program loading and size parsing for pwvm.
#include "cli_support.h"

#include <cstdio>
#include <stdexcept>

#include "assembler.h"
#include "colour.h"
#include "compiler.h"
#include "printable.h"
#include "verifier.h"

namespace pwvm {

void report(const std::string& message) {
  const std::string line = "pwvm: " + pw::term::paint(stderr, pw::term::Style::Error, "error:") + " " +
                           pw::printable(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::shared_ptr<const pw::Program> load_or_report(const std::string& path) {
  try {
    return pw::lisp::load_any_program(path);
  } catch (const pw::lisp::CompileError& e) {
    std::fprintf(stderr, "%s\n", pw::printable_lines(e.what()).c_str());
  } catch (const pw::AssemblyError& e) {
    std::fprintf(stderr, "%s\n", pw::printable(e.what()).c_str());
  } catch (const pw::VerifyError& e) {
    std::fprintf(stderr, "%s\n", pw::printable(e.what()).c_str());
  } catch (const std::exception& e) {
    report(e.what());
  }
  return nullptr;
}

std::shared_ptr<const pw::Program> load_or_throw(const std::string& path) {
  try {
    return pw::lisp::load_any_program(path);
  } catch (const pw::lisp::CompileError& e) {
    throw std::runtime_error(e.what());
  } catch (const pw::AssemblyError& e) {
    throw std::runtime_error(e.what());
  } catch (const pw::VerifyError& e) {
    throw std::runtime_error(e.what());
  }
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t used = 0;
  std::uint64_t n;
  try {
    n = std::stoull(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (text[0] == '-') return std::nullopt;
  std::string suffix = text.substr(used);
  std::uint64_t scale = 1;
  if (suffix == "" || suffix == "B") scale = 1;
  else if (suffix == "K" || suffix == "KiB" || suffix == "k") scale = 1ull << 10;
  else if (suffix == "M" || suffix == "MiB") scale = 1ull << 20;
  else if (suffix == "G" || suffix == "GiB") scale = 1ull << 30;
  else return std::nullopt;
  if (n > UINT64_MAX / scale) return std::nullopt;
  return n * scale;
}

}  // namespace pwvm
