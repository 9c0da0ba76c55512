// Fuzzes the .pwl front end (compiler/): the input is a program's text. The reader takes it
// or refuses it with a CompileError; a refusal is one located, printable line, then at most
// the source line and a caret. What it takes shows as text that reads back to the same data.
// The compiler then takes it or refuses it the same way; what it takes must assemble and
// verify (a std::logic_error is a compiler bug).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "compiler.h"
#include "reader.h"

namespace {

void fail(const char* what, std::string_view text) {
  std::fprintf(stderr, "%s: %.*s\n", what, static_cast<int>(text.size()), text.data());
  std::abort();
}

std::string shown(const std::vector<pw::lisp::Datum>& data) {
  std::string out;
  for (const pw::lisp::Datum& d : data) out += d.show() + "\n";
  return out;
}

// A refusal must be one located line, or that line with the source line and a caret.
void check_refusal(const pw::lisp::CompileError& e, std::string_view text) {
  const std::string_view message = e.what();
  const std::size_t first = message.find('\n');
  const std::string_view head = message.substr(0, first);
  if (head.rfind("f.pwl:", 0) != 0 || head.find(": error: ") == std::string_view::npos)
    fail("an error without its place", text);
  if (e.message.empty()) fail("an error without a message", text);
  for (const char c : head)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') fail("an error's first line is not printable", text);
  std::size_t lines = 1;
  for (const char c : message) lines += c == '\n';
  if (lines != 1 && lines != 3) fail("an error is not its line, or its line with the source and a caret", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(bytes), size);
  std::vector<pw::lisp::Datum> data;
  try {
    data = pw::lisp::read_all(text, "f.pwl");
  } catch (const pw::lisp::CompileError& e) {
    check_refusal(e, text);
    return 0;
  }
  try {
    pw::lisp::compile_program(text, "f.pwl");
  } catch (const pw::lisp::CompileError& e) {
    check_refusal(e, text);
  } catch (const std::logic_error& e) {
    fail(e.what(), text);
  }
  // Shown and read again, the data shows the same: show() writes what the reader reads.
  const std::string once = shown(data);
  std::string twice;
  try {
    twice = shown(pw::lisp::read_all(once, "shown.pwl"));
  } catch (const pw::lisp::CompileError& e) {
    fail("shown data does not read back", once);
  }
  if (once != twice) fail("shown data reads back as other data", once);
  return 0;
}
