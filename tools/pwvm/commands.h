// pwvm's subcommands. Each registers its options on the app and returns the exit code
// its callback leaves in [exit_code].
#pragma once
#include <CLI/CLI.hpp>

namespace pwvm {

// Exit codes: the contract scripts and CI rely on.
inline constexpr int kExitOk = 0;
inline constexpr int kExitVmError = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitTraceError = 3;  // the trace could not be written

void add_run_command(CLI::App& app, int& exit_code);
void add_check_command(CLI::App& app, int& exit_code);
void add_compile_command(CLI::App& app, int& exit_code);
void add_disasm_command(CLI::App& app, int& exit_code);
void add_debug_command(CLI::App& app, int& exit_code);
void add_dap_command(CLI::App& app, int& exit_code);
void add_test_command(CLI::App& app, int& exit_code);

}  // namespace pwvm
