// The debugger tests' fixture: a subject program with recursion, tail calls, exceptions
// and globals, and a way to run one script in both back ends (a live run and its recording).
#pragma once
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli_util.h"
#include "trace_test_util.h"

namespace pwdebugtest {

using pwtest::CliResult;


// Recursion (fact), tail calls (sum_to), an exception thrown and caught (guarded/risky),
// and globals; it prints nothing, so both back ends' outputs compare line for line.
constexpr const char* kSubject = R"(; the debugger tests' subject
global total = 0
global calls = 0

func fact(n)
  get_global calls
  add_imm 1
  set_global calls
  get_local n
  lt_imm 2
  jump_if_false rec
  push 1
  return
rec:
  get_local n
  get_local n
  sub_imm 1
  call_fn fact
  mul
  return
end

func sum_to(i, n, acc)
  get_local i
  get_local n
  gt
  jump_if_true done
  get_local i
  add_imm 1
  get_local n
  get_local acc
  get_local i
  add
  tail_call_fn sum_to
done:
  get_local acc
  return
end

func risky(x)
  get_local x
  lt_imm 0
  jump_if_false ok
  push 'negative
  throw
ok:
  get_local x
  return
end

func guarded(x)
  try failed
  get_local x
  call_fn risky
  end_try
  return
failed:
  pop
  push -1
  return
end

func main()
  push 5
  call_fn fact
  set_global total
  push 1
  push 10
  push 0
  call_fn sum_to
  get_global total
  add
  set_global total
  push -3
  call_fn guarded
  get_global total
  add
  set_global total
  push 4
  call_fn guarded
  get_global total
  add
  set_global total
  get_global total
  halt
end
)";

// Lines that say which back end is speaking; everything else must be the same in both.
inline std::string without_back_end_lines(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  bool first = true;
  while (std::getline(in, line)) {
    const bool banner = first;  // "Live run of ..." / "Recorded run of ..."
    first = false;
    if (banner || line.rfind("Live run,", 0) == 0 || line.rfind("Recorded run,", 0) == 0 || line.rfind("Pause:", 0) == 0)
      continue;
    out += line + "\n";
  }
  return out;
}

// [text] holds [lines] in this order (each as a whole line).
inline void expect_lines_in_order(const std::string& text, const std::vector<std::string>& lines) {
  std::size_t from = 0;
  for (const std::string& want : lines) {
    const std::size_t at = text.find(want + "\n", from);
    if (at == std::string::npos || (at > 0 && text[at - 1] != '\n')) {
      ADD_FAILURE() << "missing, or out of order: \"" << want << "\"\nin:\n" << text;
      return;
    }
    from = at + want.size();
  }
}

class DebuggerCli : public ::testing::Test {
 protected:
  DebuggerCli() : dir_("debugcli") {
    subject_ = dir_.path("subject.pwa");
    pwtest::write_text_file(subject_, kSubject);
  }
  CliResult pwvm(const std::vector<std::string>& args, const std::string& input = "") {
    return pwtest::run_binary(PWVM_BINARY, args, input, dir_.dir(), false);
  }
  CliResult pwreplay(const std::vector<std::string>& args, const std::string& input = "") {
    return pwtest::run_binary(PWREPLAY_BINARY, args, input, dir_.dir(), false);
  }
  // Runs [script] in both back ends: live on [program], and on its recording (started at
  // [at]; the live session first runs [live_prelude] to get there). Snapshots every 50
  // steps, so backward moves cross several intervals.
  std::pair<CliResult, CliResult> both(const std::string& program, const std::string& script, const std::string& at = "0",
                                       const std::vector<std::string>& live_prelude = {}) {
    std::string live_script;
    for (const auto& c : live_prelude) live_script += c + "\n";
    pwtest::write_text_file(dir_.path("live.gdb"), live_script + script);
    pwtest::write_text_file(dir_.path("replay.gdb"), script);
    const std::string trace = dir_.path("both.pwtrace");
    const CliResult rec = pwvm({"run", program, "--record", trace, "--snapshot-interval", "50"});
    EXPECT_TRUE(rec.code == 0 || rec.code == 1) << rec.err;
    CliResult live = pwvm({"debug", program, "--snapshot-interval", "50", "--batch", "-x", dir_.path("live.gdb")});
    CliResult replay = pwreplay({"debug", trace, "--at", at, "--batch", "-x", dir_.path("replay.gdb")});
    return {live, replay};
  }
  // [text] with the scratch directory taken out of paths.
  std::string local(std::string text) const {
    const std::string dir = dir_.dir().string() + "/";
    for (std::size_t at; (at = text.find(dir)) != std::string::npos;) text.erase(at, dir.size());
    return text;
  }
  static std::string example(const std::string& name) { return std::string(EXAMPLES_DIR) + "/" + name + ".pwa"; }

  pwtest::ScratchDir dir_;
  std::string subject_;
};

}  // namespace pwdebugtest
