// What a DAP launch request opens: the run a debug adapter session works on. `pwreplay dap`
// opens a recorded trace, `pwvm dap` starts a live run; the adapter sees only this.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cursor.h"

namespace pw::debugger {

// A launch that cannot be carried out: its message is the one the client shows.
class LaunchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DapTarget {
 public:
  virtual ~DapTarget() = default;
  virtual replay::Cursor& cursor() = 0;
  // A live run (pwvm dap) rather than a recording (pwreplay dap).
  virtual bool live() const = 0;
  // Where the session starts (launch's `at`).
  virtual std::uint64_t start_position() const { return 0; }
  // One line for the debug console when the session starts: what is being debugged.
  virtual std::string banner() const = 0;
  // Changes the state where a live run is, at its newest step (setVariable); throws
  // std::logic_error elsewhere and for a recording.
  virtual void change_state(const std::function<void(VmState&)>& change) {
    (void)change;
    throw std::logic_error("this is a recorded run: its values cannot be changed");
  }
  // Ends the run: a live one's recording is finished (and kept when asked for). Returns
  // a line for the console, or an empty string.
  virtual std::string finish() { return {}; }
};

// Opens the target a launch request's arguments describe; throws LaunchError. The
// program's output goes to [program_output] as it is written (a live run).
using DapLauncher = std::function<std::unique_ptr<DapTarget>(const nlohmann::json& arguments,
                                                             std::function<void(std::string_view)> program_output)>;

}  // namespace pw::debugger
