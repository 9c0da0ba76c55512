// The adapter's entry point.
#include "dap_adapter.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dap_session.h"
#include "printable.h"

namespace pw::debugger {

int serve_dap(const DapOptions& options, const DapLauncher& launch) {
  DapSession session(options, launch);
  return session.run();
}

int serve_dap_on_stdio(const std::string& tool, const std::string& log_path, const DapLauncher& launch) {
  DapOptions o;
  o.tool = tool;
  if (!log_path.empty()) {
    o.log = std::fopen(log_path.c_str(), "w");
    if (!o.log) {
      std::fprintf(stderr, "%s: error: cannot write the log %s: %s\n", tool.c_str(), printable(log_path).c_str(),
                   std::strerror(errno));
      return 2;
    }
  }
  // The protocol gets its own descriptor; fd 1 becomes stderr, so that no stray print can
  // break the framing.
  std::fflush(stdout);
  o.out_fd = ::dup(STDOUT_FILENO);
  o.in_fd = STDIN_FILENO;
  if (o.out_fd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    std::fprintf(stderr, "%s: error: cannot set up the protocol's output: %s\n", tool.c_str(), std::strerror(errno));
    return 2;
  }
  // A client that goes away is an end of input, not a signal that kills.
  ::signal(SIGPIPE, SIG_IGN);
  const int status = serve_dap(o, launch);
  if (o.log) std::fclose(o.log);
  ::close(o.out_fd);
  return status;
}

}  // namespace pw::debugger
