// Reading a program's test header and finding its sibling files.
#include "test_headers.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "printable.h"

namespace pwvm {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBlanks = " \t\r";

std::string_view trim(std::string_view s) {
  const std::size_t first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kBlanks) - first + 1);
}

// Whether [line] belongs to the header: a comment or a blank line.
bool in_header(std::string_view line) {
  const std::string_view t = trim(line);
  return t.empty() || t.front() == ';';
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// "0".."255" -> the number; nullopt for anything else.
std::optional<int> parse_exit_status(std::string_view s) {
  if (s.empty() || s.size() > 3 || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  const int n = std::stoi(std::string(s));
  return n <= 255 ? std::optional<int>(n) : std::nullopt;
}

// NAME.pwa.SUFFIX beside [program], else NAME.SUFFIX (the first is for a .pwa and a .pwl of
// the same name); empty when neither is a file.
fs::path sibling_file(const fs::path& program, const std::string& suffix) {
  std::error_code ec;
  fs::path own = program;
  own += suffix;
  if (fs::is_regular_file(own, ec)) return own;
  fs::path shared = program;
  shared.replace_extension(suffix);
  if (fs::is_regular_file(shared, ec)) return shared;
  return {};
}

}  // namespace

std::string unescape_stdin(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'n' || s[i + 1] == 't' || s[i + 1] == '\\')) {
      out += s[i + 1] == 'n' ? '\n' : s[i + 1] == 't' ? '\t' : '\\';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

TestExpectations parse_test_header(std::string_view text) {
  TestExpectations e;
  bool exit_seen = false;
  std::vector<std::string> args;
  // The first bad line is the one reported: later ones are still read, to find the header's end.
  const auto bad = [&](const std::string& reason) {
    if (e.problem.empty()) e.problem = reason;
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!in_header(line)) break;
    std::string_view rest = trim(line);
    while (!rest.empty() && rest.front() == ';') rest.remove_prefix(1);
    rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
    const std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = rest.substr(0, colon);
    std::string_view value = rest.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    const std::string shown = pw::printable(trim(line));
    if (key == "exit") {
      const auto status = parse_exit_status(trim(value));
      if (exit_seen)
        bad(fmt::format("`{}`: `; exit:` is given twice", shown));
      else if (!status)
        bad(fmt::format("`{}`: not an exit status (0 to 255)", shown));
      else
        e.exit_code = *status;
      exit_seen = true;
    } else if (key == "stderr") {
      if (trim(value).empty())
        bad(fmt::format("`{}`: no text to look for", shown));
      else
        e.stderr_texts.emplace_back(value);
    } else if (key == "args") {
      for (std::string& w : split_words(value)) args.push_back(std::move(w));
    } else if (key == "stdin") {
      e.stdin_text = e.stdin_text.value_or("") + unescape_stdin(value);
    } else if (key == "expect") {
      if (e.result)
        bad(fmt::format("`{}`: `; expect:` is given twice", shown));
      else if (trim(value).empty())
        bad(fmt::format("`{}`: no value", shown));
      else
        e.result = std::string(trim(value));
    }
  }
  // Words after the first `--` are the program's; those before, pwvm run's.
  bool program_words = false;
  for (std::string& w : args) {
    if (!program_words && w == "--")
      program_words = true;
    else
      (program_words ? e.program_args : e.run_args).push_back(std::move(w));
  }
  return e;
}

TestExpectations read_test_expectations(const fs::path& program) {
  std::ifstream in(program, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}: {}", program.string(), std::strerror(errno)));
  // Only the header is read: a program may be large.
  std::string header;
  for (std::string line; std::getline(in, line) && in_header(line);) header.append(line).append("\n");
  if (in.bad()) throw std::runtime_error(fmt::format("cannot read {}: {}", program.string(), std::strerror(errno)));
  TestExpectations e = parse_test_header(header);
  e.stdout_file = sibling_file(program, ".expected");
  e.stdin_file = sibling_file(program, ".stdin");
  if (!e.stdin_file.empty() && e.stdin_text && e.problem.empty())
    e.problem = fmt::format("both {} and `; stdin:` give standard input", e.stdin_file.filename().string());
  return e;
}

}  // namespace pwvm
