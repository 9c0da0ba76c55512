// pwreplay's subcommands. Each registers itself on the app and leaves its exit code in
// [exit_code].
#pragma once
#include <CLI/CLI.hpp>

namespace pwreplay {

inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 2;  // unreadable, corrupt or foreign trace, bad flag
inline constexpr int kExitCannotWrite = 3;  // an output file or stdout could not be written

void add_info_command(CLI::App& app, int& exit_code);
void add_events_command(CLI::App& app, int& exit_code);
void add_state_command(CLI::App& app, int& exit_code);
void add_verify_command(CLI::App& app, int& exit_code);
void add_watch_command(CLI::App& app, int& exit_code);
void add_last_write_command(CLI::App& app, int& exit_code);
void add_calls_command(CLI::App& app, int& exit_code);
void add_debug_command(CLI::App& app, int& exit_code);
void add_dap_command(CLI::App& app, int& exit_code);
void add_perf_command(CLI::App& app, int& exit_code);
void add_origin_command(CLI::App& app, int& exit_code);
void add_diff_command(CLI::App& app, int& exit_code);

}  // namespace pwreplay
