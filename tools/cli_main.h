// What every tool's main() does the same way: parse with CLI11, answer --help and
// --version, and turn any other parse error into one line on stderr and exit code 2. No
// exception leaves a tool: one that escapes a command (memory exhausted by a hostile input,
// say) is one line and exit 2 as well, and output that cannot be written is exit 3.
#pragma once
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <optional>
#include <new>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_docs.h"
#include "colour.h"
#include "printable.h"

namespace pwtools {

// "pwvm: error:" before a message on stderr, the "error:" in colour on a terminal.
inline std::string error_prefix(const std::string& tool) {
  return tool + ": " + pw::term::paint(stderr, pw::term::Style::Error, "error:");
}

// Edits (insert, delete, replace a character) between [a] and [b].
inline std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The subcommand names of [app], and the one nearest to [word] (empty when none is near:
// at most two edits, or a prefix).
inline std::string nearest_command(const CLI::App& app, const std::string& word) {
  std::string best;
  std::size_t best_distance = 3;
  for (const CLI::App* sub : app.get_subcommands({})) {
    const std::string& name = sub->get_name();
    const std::size_t d = name.rfind(word, 0) == 0 ? 1 : edit_distance(word, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best;
}

// `TOOL help [COMMAND]`, and a first word that names no command (with the nearest one
// suggested): handled before CLI11 sees them. Returns the exit status when handled.
inline std::optional<int> help_or_unknown_command(CLI::App& app, const std::string& tool,
                                                  const std::vector<std::string>& args) {
  if (args.empty() || args[0].empty() || args[0][0] == '-') return std::nullopt;
  const auto find = [&](const std::string& name) -> CLI::App* {
    for (CLI::App* sub : app.get_subcommands({}))
      if (sub->get_name() == name) return sub;
    return nullptr;
  };
  const auto unknown = [&](const std::string& word) {
    const std::string near = nearest_command(app, word);
    std::fprintf(stderr, "%s unknown command '%s'%s (see %s --help)\n", error_prefix(tool).c_str(), pw::printable(word).c_str(),
                 near.empty() ? "" : ("; did you mean '" + near + "'?").c_str(), tool.c_str());
    return 2;
  };
  if (args[0] == "help") {
    if (args.size() == 1) {
      std::fputs(app.help().c_str(), stdout);
      return 0;
    }
    CLI::App* sub = find(args[1]);
    if (!sub) return unknown(args[1]);
    std::fputs(sub->help(tool).c_str(), stdout);  // "Usage: pwvm run ...", as --help says it
    return 0;
  }
  if (!find(args[0])) return unknown(args[0]);
  return std::nullopt;
}

// What a tool's manual page says beyond its command line.
struct ManInfo {
  std::string version;   // "pwvm 0.1.0"
  std::string see_also;  // roff: "\\fBpwreplay\\fR(1)"
};

// The build's hidden `--generate-completion bash|zsh` and `--generate-man` (cli_docs.h),
// answered before CLI11 parses (they need no command). Returns the exit status when handled.
inline std::optional<int> generate_docs(const CLI::App& app, const std::string& tool, const ManInfo& man,
                                        const std::vector<std::string>& args) {
  if (args.size() == 1 && args[0] == "--generate-man") {
    std::fputs(man_page(app, tool, man.version, man.see_also).c_str(), stdout);
    return 0;
  }
  if (args.empty() || args[0] != "--generate-completion") return std::nullopt;
  if (args.size() == 2 && args[1] == "bash") std::fputs(bash_completion(app, tool).c_str(), stdout);
  else if (args.size() == 2 && args[1] == "zsh") std::fputs(zsh_completion(app, tool).c_str(), stdout);
  else {
    std::fprintf(stderr, "%s --generate-completion takes one shell: bash or zsh\n", error_prefix(tool).c_str());
    return 2;
  }
  return 0;
}

// Parses [argv] into [app], whose subcommand callbacks leave their result in [exit_code].
inline int run_cli(CLI::App& app, const std::string& tool, const ManInfo& man, int argc, char** argv,
                   const int& exit_code) {
  // gdb's -ex and -batch, which CLI11 would read as -e x and -b atch; not after "--",
  // where the program's own arguments start.
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::string& a : args) {
    if (a == "--") break;
    if (a == "-ex" || a == "-batch") a.insert(0, "-");
  }
  if (const auto handled = generate_docs(app, tool, man, args)) return *handled;
  if (const auto handled = help_or_unknown_command(app, tool, args)) return *handled;
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
    std::fprintf(stderr, "%s %s (see %s --help)\n", error_prefix(tool).c_str(), pw::printable(e.what()).c_str(),
                 tool.c_str());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s out of memory\n", error_prefix(tool).c_str());
    return 2;
  } catch (const std::exception& e) {
    // A command's callback runs inside parse(): whatever it did not handle still ends as
    // one line (printable() escapes newlines too), never as an escaped exception.
    std::fflush(stdout);
    std::fprintf(stderr, "%s %s\n", error_prefix(tool).c_str(), pw::printable(e.what()).c_str());
    return 2;
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    const int error = errno ? errno : EIO;  // before isatty (in error_prefix) can change it
    std::fprintf(stderr, "%s cannot write the output: %s\n", error_prefix(tool).c_str(), std::strerror(error));
    return 3;
  }
  return exit_code;
}

}  // namespace pwtools
