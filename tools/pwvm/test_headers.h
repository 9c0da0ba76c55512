// What a program run by `pwvm test` expects: the `; KEY: VALUE` lines of its header and the
// NAME.expected and NAME.stdin files beside it (NAME.pwl.expected first, where a .pwa and a
// .pwl share a name). The conventions are tests/lisp/README.md's,
// plus `; expect:`; docs/CI.md lists them.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pwvm {

struct TestExpectations {
  int exit_code = 0;                      // `; exit: N`: 0 halts, 1 a runtime error, 2 a load error
  std::vector<std::string> stderr_texts;  // `; stderr: TEXT`: each is somewhere in pwvm's stderr
  std::vector<std::string> run_args;      // `; args:` before `--`: options of `pwvm run`
  std::vector<std::string> program_args;  // `; args:` after `--`: the program's own arguments
  std::optional<std::string> stdin_text;  // `; stdin: TEXT`, unescaped, the lines joined
  std::optional<std::string> result;      // `; expect: VALUE`: the `result:` line of `pwvm run --stats`
  std::filesystem::path stdin_file;       // NAME.pwa.stdin or NAME.stdin, when there is one
  std::filesystem::path stdout_file;      // NAME.pwa.expected or NAME.expected, when there is one
  std::string problem;                    // a malformed header line: the test fails with this, unrun
};

// The expectations in the header of [text]: the comment lines (`;` or `;;`) and blank lines
// it starts with. Lines of the form `; KEY: VALUE` with a known KEY count; other comments are
// prose. A bad value for a known key leaves its reason in `problem`.
TestExpectations parse_test_header(std::string_view text);

// The expectations of the program at [program]: its header and its sibling files. Throws
// std::runtime_error with a one-line reason when the program cannot be read.
TestExpectations read_test_expectations(const std::filesystem::path& program);

// `; stdin:` text: `\n` is a line break, `\t` a tab, `\\` a backslash; any other byte stays.
std::string unescape_stdin(std::string_view text);

}  // namespace pwvm
