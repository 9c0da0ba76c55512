// A Debug Adapter Protocol server over the debugger: `pwreplay dap` and `pwvm dap` run it
// on stdin/stdout. It is a front end beside the text one: the same cursor, motions,
// breakpoints and session (the debug console runs the text debugger's commands), spoken as
// DAP requests, responses and events. docs/DAP.md lists what it answers.
//
// Requests are read on a thread of their own, so that `pause` and `cancel` reach a long
// move while it runs; everything else is carried out in order on the calling thread.
#pragma once
#include <cstdio>
#include <string>

#include "dap_target.h"

namespace pw::debugger {

struct DapOptions {
  int in_fd = 0;
  int out_fd = 1;
  std::FILE* log = nullptr;  // a copy of the protocol, or nullptr
  std::string tool;          // "pwreplay" or "pwvm", for messages
};

// Serves one debug session until the client disconnects or the input ends. Returns the
// exit status: 0, or 2 when the input broke the protocol.
int serve_dap(const DapOptions& options, const DapLauncher& launch);

// `TOOL dap`: serves on stdin/stdout, with a protocol log in [log_path] when not empty.
// The protocol keeps stdout to itself: anything else the process might print goes to
// stderr. Returns the exit status (2 when the log cannot be opened).
int serve_dap_on_stdio(const std::string& tool, const std::string& log_path, const DapLauncher& launch);

}  // namespace pw::debugger
