// Command sources for the debugger: files, -ex, libedit at a terminal, or plain stdin.
#include "front.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

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

// Tab completion from the session: command names first, then what fits the command
// (functions, locals, globals, breakpoint numbers; file names only where a file goes).
const Session* completing = nullptr;
std::vector<std::string> candidates;

char* candidate_generator(const char* /*text*/, int state) {
  static std::size_t next;
  if (state == 0) next = 0;
  if (next >= candidates.size()) return nullptr;
  const std::string& c = candidates[next++];
  return strndup(c.data(), c.size());
}

char* no_completion(const char*, int) { return nullptr; }

char** complete(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // never fall back to the files of the current directory
  const std::string_view before(rl_line_buffer, static_cast<std::size_t>(std::max(start, 0)));
  if (Session::completes_files(before)) return rl_completion_matches(text, rl_filename_completion_function);
  candidates = completing ? completing->completions(before, text) : std::vector<std::string>();
  if (candidates.empty()) return nullptr;
  return rl_completion_matches(text, candidate_generator);
}

std::string history_path() {
  const char* home = std::getenv("HOME");
  return home && *home ? std::string(home) + "/.pwdb_history" : std::string();
}

// Runs one scripted command, echoed like a prompt line. False when it asks to quit.
bool run_scripted(Session& s, const std::string& line, bool& failed) {
  std::printf("%s%s\n", s.in_block() ? ">" : kPrompt, line.c_str());
  std::fflush(stdout);
  const Session::Result r = s.execute(line);
  if (r == Session::Result::Error) failed = true;
  return r != Session::Result::Quit;
}

}  // namespace

void add_front_options(CLI::App* cmd, FrontOptions& o) {
  // A missing command file is found before anything starts, in the tool's one-line form.
  const CLI::Validator readable(
      [](std::string& path) -> std::string {
        std::ifstream in(path);
        return in ? std::string() : fmt::format("cannot read the command file {}: {}", path, std::strerror(errno));
      },
      "FILE");
  o.app = cmd;
  o.file_option = cmd->add_option("-x", o.command_files, "Run the debugger commands in FILE (one per line; # starts a comment)")
                      ->type_name("FILE")
                      ->check(readable);
  o.command_option = cmd->add_option("--ex", o.commands, "Run COMMAND (repeatable; with -x, in command-line order); also written -ex")
      ->type_name("COMMAND");
  cmd->add_flag("--batch", o.batch, "Exit after the -x and -ex commands instead of reading more");
}

int run_front(Session& session, const FrontOptions& o) {
  bool failed = false;
  session.announce();
  // -x and -ex in the order given, as gdb runs them.
  std::size_t next_file = 0, next_command = 0;
  std::vector<const CLI::Option*> order;
  if (o.app)
    for (const CLI::Option* opt : o.app->parse_order())
      if (opt == o.file_option || opt == o.command_option) order.push_back(opt);
  if (order.size() != o.command_files.size() + o.commands.size()) {  // no parse order: files first
    order.assign(o.command_files.size(), o.file_option);
    order.insert(order.end(), o.commands.size(), nullptr);
  }
  for (const CLI::Option* opt : order) {
    if (opt == o.file_option && next_file < o.command_files.size()) {
      const std::string& file = o.command_files[next_file++];
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
    } else if (next_command < o.commands.size()) {
      if (!run_scripted(session, o.commands[next_command++], failed)) return failed ? 1 : 0;
    }
  }
  if (o.batch) return failed ? 1 : 0;

  InterruptHandler interrupts;
  if (isatty(STDIN_FILENO)) {
    // A person at a terminal: line editing, history, completion.
    const std::string history = history_path();
    using_history();
    if (!history.empty()) read_history(history.c_str());
    completing = &session;
    session.set_interactive(true);
    rl_attempted_completion_function = complete;
    rl_completion_entry_function = no_completion;
    // Words end at spaces and at the operators of expressions: `print n + co<TAB>`.
    static char breaks[] = " \t\n()[],+-*/%<>=!&|\"";
    rl_completer_word_break_characters = breaks;
    rl_basic_word_break_characters = breaks;
    for (;;) {
      replay::interrupt_flag().store(false);
      char* raw = readline(session.in_block() ? ">" : kPrompt);
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
