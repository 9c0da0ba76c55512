// Shell completion scripts and man pages, written from a tool's CLI11 definition: the
// commands, options and descriptions that --help prints are the only copy. The build runs
// each tool with the hidden `--generate-completion bash|zsh` and `--generate-man` options
// (handled by run_cli in cli_main.h) and installs what they print.
#pragma once
#include <string>

#include <CLI/CLI.hpp>

namespace pwtools {

// A bash completion script for [tool]: its commands, each command's options, and file
// names for option values that are files and for positional arguments.
std::string bash_completion(const CLI::App& app, const std::string& tool);
// The same as a zsh completion function (_TOOL, for a directory on $fpath).
std::string zsh_completion(const CLI::App& app, const std::string& tool);
// The manual page TOOL(1) in roff (man's -man macros): name, synopsis, every command with
// its options, exit status when the tool gives it (the app's footer), and [see_also].
std::string man_page(const CLI::App& app, const std::string& tool, const std::string& version,
                     const std::string& see_also);

}  // namespace pwtools
