// Command sources for the debugger: files, -ex, libedit at a terminal, or plain stdin.
#include "front.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include <editline/readline.h>

#include "command_args.h"

namespace pw::debugger {
namespace {

constexpr const char* kPrompt = "(pwdb) ";

extern "C" void on_interrupt(int) { replay::interrupt_flag().store(true, std::memory_order_relaxed); }

// Ctrl-C stops the move under way, not the session, while the session is installed.
class InterruptHandler {
 public:
  InterruptHandler() {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a read at the prompt returns, and the prompt comes back
    sigaction(SIGINT, &sa, &previous_);
  }
  ~InterruptHandler() { sigaction(SIGINT, &previous_, nullptr); }

 private:
  struct sigaction previous_;
};

// Tab completion of command names at the start of a line, from the session's own table.
char* command_name_generator(const char* text, int state) {
  static std::size_t next;
  if (state == 0) next = 0;
  const std::string_view prefix(text);
  const auto& names = Session::command_names();
  while (next < names.size()) {
    const std::string_view name = names[next++];
    if (name.substr(0, prefix.size()) == prefix) return strndup(name.data(), name.size());
  }
  return nullptr;
}

char** complete(const char* text, int start, int /*end*/) {
  if (start != 0) return nullptr;
  return rl_completion_matches(text, command_name_generator);
}

std::string history_path() {
  const char* home = std::getenv("HOME");
  return home && *home ? std::string(home) + "/.pwdb_history" : std::string();
}

// Runs one scripted command, echoed like a prompt line. False when it asks to quit.
bool run_scripted(Session& s, const std::string& line, bool& failed) {
  std::printf("%s%s\n", kPrompt, line.c_str());
  std::fflush(stdout);
  const Session::Result r = s.execute(line);
  if (r == Session::Result::Error) failed = true;
  return r != Session::Result::Quit;
}

}  // namespace

void add_front_options(CLI::App* cmd, FrontOptions& o) {
  cmd->add_option("-x", o.command_files, "Run the debugger commands in FILE (one per line; # starts a comment)")
      ->type_name("FILE");
  cmd->add_option("--ex", o.commands, "Run COMMAND (repeatable; after the -x files); also written -ex")
      ->type_name("COMMAND");
  cmd->add_flag("--batch", o.batch, "Exit after the -x and -ex commands instead of reading more");
}

int run_front(Session& session, const FrontOptions& o) {
  bool failed = false;
  session.announce();
  for (const std::string& file : o.command_files) {
    std::ifstream in(file);
    if (!in) {
      std::fprintf(stderr, "cannot read the command file %s: %s\n", file.c_str(), std::strerror(errno));
      return 2;
    }
    std::string line;
    while (std::getline(in, line)) {
      if (trim(line).empty()) continue;  // blank lines in a file do not repeat
      if (!run_scripted(session, line, failed)) return failed ? 1 : 0;
    }
  }
  for (const std::string& command : o.commands)
    if (!run_scripted(session, command, failed)) return failed ? 1 : 0;
  if (o.batch) return failed ? 1 : 0;

  InterruptHandler interrupts;
  if (isatty(STDIN_FILENO)) {
    // A person at a terminal: line editing, history, completion.
    const std::string history = history_path();
    using_history();
    if (!history.empty()) read_history(history.c_str());
    rl_attempted_completion_function = complete;
    for (;;) {
      replay::interrupt_flag().store(false);
      char* raw = readline(kPrompt);
      if (!raw) {
        if (replay::interrupted()) {  // Ctrl-C at the prompt: a fresh line
          std::printf("\n");
          continue;
        }
        std::printf("quit\n");
        break;
      }
      const std::string line(raw);
      std::free(raw);
      if (!trim(line).empty()) add_history(line.c_str());
      if (session.execute(line) == Session::Result::Quit) break;
    }
    if (!history.empty()) write_history(history.c_str());
    return 0;
  }
  // Commands piped in: no editing, each echoed for the log.
  std::string line;
  for (;;) {
    replay::interrupt_flag().store(false);
    if (!std::getline(std::cin, line)) {
      if (!replay::interrupted() || std::cin.eof()) break;
      std::cin.clear();  // Ctrl-C during the read: read again
      continue;
    }
    if (!run_scripted(session, line, failed)) break;
  }
  return failed ? 1 : 0;
}

}  // namespace pw::debugger
