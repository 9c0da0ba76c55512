// What every tool's main() does the same way: parse with CLI11, answer --help and
// --version, and turn any other parse error into one line on stderr and exit code 2. No
// exception leaves a tool: one that escapes a command (memory exhausted by a hostile input,
// say) is one line and exit 2 as well, and output that cannot be written is exit 3.
#pragma once
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <new>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "printable.h"

namespace pwtools {

// Parses [argv] into [app], whose subcommand callbacks leave their result in [exit_code].
inline int run_cli(CLI::App& app, const std::string& tool, int argc, char** argv, const int& exit_code) {
  // gdb's -ex and -batch, which CLI11 would read as -e x and -b atch; not after "--",
  // where the program's own arguments start.
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::string& a : args) {
    if (a == "--") break;
    if (a == "-ex" || a == "-batch") a.insert(0, "-");
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, not a usage dump: scripts and CI logs read the first line.
    std::fprintf(stderr, "%s: error: %s (see %s --help)\n", tool.c_str(), pw::printable(e.what()).c_str(),
                 tool.c_str());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: error: out of memory\n", tool.c_str());
    return 2;
  } catch (const std::exception& e) {
    // A command's callback runs inside parse(): whatever it did not handle still ends as
    // one line (printable() escapes newlines too), never as an escaped exception.
    std::fflush(stdout);
    std::fprintf(stderr, "%s: error: %s\n", tool.c_str(), pw::printable(e.what()).c_str());
    return 2;
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "%s: error: cannot write the output: %s\n", tool.c_str(), std::strerror(errno ? errno : EIO));
    return 3;
  }
  return exit_code;
}

}  // namespace pwtools
