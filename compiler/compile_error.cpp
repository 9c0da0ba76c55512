#include "compile_error.h"

#include <fmt/format.h>

#include "printable.h"

namespace pw::lisp {
namespace {

// The block shown: the located message, the source line, and a caret under the column
// (tabs kept, so the caret lines up however the terminal shows them).
std::string render(const std::string& file, SourcePos pos, const std::string& message, std::string_view line) {
  std::string out = fmt::format("{}:{}:{}: error: {}", file, pos.line, pos.column, printable(message));
  if (line.empty()) return out;
  std::string caret;
  for (std::size_t i = 0; i + 1 < pos.column && i < line.size(); ++i) caret += line[i] == '\t' ? '\t' : ' ';
  return out + fmt::format("\n    {}\n    {}^", printable(line), caret);
}

}  // namespace

std::string_view line_of(std::string_view source, std::uint32_t line) {
  std::size_t start = 0;
  for (std::uint32_t l = 1; l < line; ++l) {
    const std::size_t nl = source.find('\n', start);
    if (nl == std::string_view::npos) return {};
    start = nl + 1;
  }
  std::size_t end = source.find('\n', start);
  if (end == std::string_view::npos) end = source.size();
  if (end > start && source[end - 1] == '\r') --end;
  return source.substr(start, end - start);
}

CompileError::CompileError(std::string file_, std::string_view source, SourcePos pos_, std::string message_)
    : std::runtime_error(render(file_, pos_, message_, line_of(source, pos_.line))),
      file(std::move(file_)),
      pos(pos_),
      message(std::move(message_)),
      source_line(line_of(source, pos_.line)) {}

}  // namespace pw::lisp
